from pathlib import Path

from aiopt_harness.build.compiler import compile_candidate
from aiopt_harness.tasks.task import DEFAULT_CXXFLAGS
from tests.conftest import hostile


def test_compiles_and_caches(tiny_task: Path) -> None:
    first = compile_candidate(tiny_task / "initial.cpp", DEFAULT_CXXFLAGS)
    assert first.ok and first.shared_object is not None and first.shared_object.is_file()
    second = compile_candidate(tiny_task / "initial.cpp", DEFAULT_CXXFLAGS)
    assert second.cached and second.shared_object == first.shared_object


def test_cache_key_covers_flags_and_source(tiny_task: Path, tmp_path: Path) -> None:
    base = compile_candidate(tiny_task / "initial.cpp", DEFAULT_CXXFLAGS)
    other_flags = compile_candidate(tiny_task / "initial.cpp", ("-O1", "-std=c++17"))
    edited = tmp_path / "initial.cpp"
    edited.write_text((tiny_task / "initial.cpp").read_text() + "\n// an edit\n")
    other_source = compile_candidate(edited, DEFAULT_CXXFLAGS)
    paths = {base.shared_object, other_flags.shared_object, other_source.shared_object}
    assert len(paths) == 3
    assert not other_source.cached


def test_compile_error_diagnostics_name_the_source_not_the_build_dir() -> None:
    outcome = compile_candidate(hostile("compile_error"), DEFAULT_CXXFLAGS)
    assert not outcome.ok
    assert "compile_error.cpp:" in outcome.diagnostics
    assert "expected ';'" in outcome.diagnostics
    assert "build-" not in outcome.diagnostics


def test_compile_errors_are_not_cached(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cpp"
    broken.write_text("this is not C++")
    assert not compile_candidate(broken, DEFAULT_CXXFLAGS).ok
    assert not compile_candidate(broken, DEFAULT_CXXFLAGS).cached


def test_long_diagnostics_are_trimmed(tmp_path: Path) -> None:
    noisy = tmp_path / "noisy.cpp"
    noisy.write_text("\n".join(f"int f{i}() {{ return undefined_{i}; }}" for i in range(200)))
    outcome = compile_candidate(noisy, DEFAULT_CXXFLAGS)
    assert not outcome.ok
    assert "more lines]" in outcome.diagnostics
    assert len(outcome.diagnostics) <= 4100
