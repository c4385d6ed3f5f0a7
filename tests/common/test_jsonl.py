"""The one JSON Lines appender and reader: whole lines in, a torn last line skipped and
said, a missing file read as empty."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from aiopt_harness.common.jsonl import append_jsonl, parse_jsonl, read_jsonl


def test_appended_records_read_back_in_order(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "log.jsonl"  # the directory is made
    records = [{"n": 1, "text": "a\nb"}, {"n": 2, "nested": {"x": [1, 2]}}, {}]
    for record in records:
        append_jsonl(path, record)
    read = read_jsonl(path)
    assert list(read) == records and len(read) == 3 and read.skipped == ()
    assert path.read_text().count("\n") == 3  # one line each, newlines inside escaped


def test_a_torn_last_line_is_skipped_and_said(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    append_jsonl(path, {"n": 1})
    append_jsonl(path, {"n": 2})
    with path.open("a") as log:  # a writer killed halfway through its line
        log.write('{"n": 3, "tex')
    read = read_jsonl(path)
    assert [r["n"] for r in read] == [1, 2]
    (skipped,) = read.skipped
    assert skipped.number == 3 and skipped.torn and skipped.reason.startswith("not JSON")


def test_a_record_appended_after_a_torn_line_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    append_jsonl(path, {"n": 1})
    with path.open("a") as log:  # a writer killed halfway through its line
        log.write('{"n": 2, "tex')
    append_jsonl(path, {"n": 3})  # the next run goes on appending
    read = read_jsonl(path)
    assert [r["n"] for r in read] == [1, 3]
    (skipped,) = read.skipped
    assert skipped.number == 2 and not skipped.torn


def test_bad_lines_inside_the_file_are_skipped_not_torn() -> None:
    text = '{"n": 1}\n\n[1, 2]\nnot json\n"a string"\n{"n": 2}\n'
    read = parse_jsonl(text)
    assert [r["n"] for r in read] == [1, 2]  # blank lines are neither records nor skipped
    assert [(s.number, s.torn) for s in read.skipped] == [(3, False), (4, False), (5, False)]
    assert read.skipped[0].reason == "not a JSON object: list"


def test_a_missing_file_has_no_records(tmp_path: Path) -> None:
    assert read_jsonl(tmp_path / "none.jsonl").records == ()
    assert read_jsonl(tmp_path).records == ()  # a directory is not a file of records


def test_concurrent_appenders_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    big = "x" * 20_000  # beyond a pipe's atomic size: one write(2) still holds it whole

    def write(worker: int) -> None:
        for n in range(20):
            append_jsonl(path, {"worker": worker, "n": n, "big": big})

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    read = read_jsonl(path)
    assert read.skipped == () and len(read) == 80
    assert all(json.dumps(r["big"]) == json.dumps(big) for r in read)
