"""Reading ``perf script`` text: samples with their call stacks, and context switches.

The fields are those of ``SCRIPT_FIELDS`` with ``--show-switch-events``:

- a sample: a header ``PID/TID TIME: PERIOD EVENT: [TRACE]``, then one indented frame
  per line (``ADDRESS SYMBOL+OFFSET (DSO)``, leaf first), then a blank line;
- a context switch of a recorded thread (``--switch-events``), one line:
  ``PID/TID TIME: PERF_RECORD_SWITCH OUT [preempt]`` or ``... IN``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ProfilerOutputError

SCRIPT_FIELDS = "event,time,tid,pid,period,ip,sym,symoff,dso,trace"

_HEADER = re.compile(
    r"^\s*(?P<pid>\d+)/(?P<tid>\d+)\s+(?P<time>\d+\.\d+):\s+"
    r"(?:(?P<switch>PERF_RECORD_SWITCH(?:_CPU_WIDE)?)\s+(?P<direction>IN|OUT)\s*(?P<preempt>preempt)?"
    r"|(?P<period>\d+)\s+(?P<event>[^\s:]+(?::[^\s:]+)?):\s?(?P<trace>.*?))\s*$"
)
_FRAME = re.compile(r"^\s+([0-9a-fA-F]+) (.+) \(([^()]*)\)$")
_SYMBOL_OFFSET = re.compile(r"\+0x[0-9a-fA-F]+$")
_EVENT_TERMS = re.compile(r"/.*/$")


@dataclass(frozen=True)
class Frame:
    """One entry of a sample's call stack as ``perf script`` prints it."""

    address: int  # relative to the start of ``dso`` for user code
    symbol: str  # demangled, without the +0x offset; "[unknown]" when perf has none
    dso: str


@dataclass(frozen=True)
class Sample:
    """One sample: its event, thread, weight, time, call stack (leaf first), trace text."""

    time: float
    event: str  # without perf's /terms/, e.g. "task-clock", "sched:sched_switch"
    pid: int
    tid: int
    period: int  # how many events this sample stands for
    frames: tuple[Frame, ...]
    trace: str = ""  # a tracepoint's fields, e.g. "prev_comm=... prev_state=S ==> ..."


@dataclass(frozen=True)
class Switch:
    """A recorded thread was switched out (``out``; ``preempt`` when still runnable) or in."""

    time: float
    pid: int
    tid: int
    out: bool
    preempt: bool


@dataclass(frozen=True)
class Script:
    samples: tuple[Sample, ...]
    switches: tuple[Switch, ...]


def _parse_frame(line: str, number: int) -> Frame:
    match = _FRAME.match(line)
    if match is None:
        raise ProfilerOutputError(f"perf script line {number}: not a stack frame: {line!r}")
    address, symbol, dso = match.groups()
    return Frame(int(address, 16), _SYMBOL_OFFSET.sub("", symbol), dso)


def parse_perf_script(text: str) -> Script:
    """Samples and switches of ``perf script -F SCRIPT_FIELDS --show-switch-events``.
    Raises ProfilerOutputError on anything else, or when the text ends inside a sample."""
    samples: list[Sample] = []
    switches: list[Switch] = []
    header: re.Match[str] | None = None
    frames: list[Frame] = []

    def close() -> None:
        assert header is not None
        samples.append(
            Sample(
                time=float(header["time"]),
                event=_EVENT_TERMS.sub("", header["event"]),
                pid=int(header["pid"]),
                tid=int(header["tid"]),
                period=int(header["period"]),
                frames=tuple(frames),
                trace=header["trace"],
            )
        )

    for number, line in enumerate(text.split("\n"), start=1):
        match = _HEADER.match(line)
        if match is not None and match["switch"]:
            if header is not None:  # a sample without frames is ended by the next record
                close()
                header = None
            switches.append(
                Switch(
                    float(match["time"]),
                    int(match["pid"]),
                    int(match["tid"]),
                    match["direction"] == "OUT",
                    bool(match["preempt"]),
                )
            )
        elif match is not None:
            if header is not None:
                close()
            header, frames = match, []
        elif not line.strip():
            if header is not None:
                close()
                header = None
        elif header is None:
            raise ProfilerOutputError(f"perf script line {number}: frame outside a sample")
        else:
            frames.append(_parse_frame(line, number))
    if header is not None:
        raise ProfilerOutputError("perf script output ends inside a sample (truncated)")
    return Script(tuple(samples), tuple(switches))
