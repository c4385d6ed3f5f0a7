"""Does this kernel count page faults in a counter group led by task-clock?

Measured on the project's VMs (kernel 6.18): in a perf_event group whose leader is
``task-clock`` (the measurement's software group: task-clock, page-faults,
context-switches, cpu-migrations), the ``page-faults`` member loses counts. A loop that
maps 8 MiB, writes it and unmaps it (2048 faults every time) read anywhere from 0 to 2048
per iteration, while a group led by ``page-faults`` read 2048 in 200 of 200 iterations.
The measurement reports the median over calls, so the figure read 0 whenever more than
half of the calls lost all of their faults.

``grouped_page_faults_lost()`` repeats that test here in a few milliseconds: it touches
fresh pages with both groups open and says whether the task-clock-led one lost faults.
"""

from __future__ import annotations

import ctypes
import fcntl
import mmap
import os
import struct
from functools import cache

SYS_PERF_EVENT_OPEN = {"x86_64": 298, "aarch64": 241}
PERF_TYPE_SOFTWARE = 1
SW_TASK_CLOCK = 1
SW_PAGE_FAULTS = 2
FORMAT_GROUP = 1 << 3
DISABLED = 1
EXCLUDE_HV = 1 << 6
IOC_ENABLE = 0x2400
IOC_DISABLE = 0x2401
IOC_RESET = 0x2403
IOC_FLAG_GROUP = 1
PAGES = 512
ROUNDS = 8


def _open(config: int, group_fd: int) -> int:
    number = SYS_PERF_EVENT_OPEN.get(os.uname().machine)
    if number is None:
        return -1
    flags = (DISABLED if group_fd < 0 else 0) | EXCLUDE_HV
    # perf_event_attr, PERF_ATTR_SIZE_VER0 (64 bytes): type, size, config, sample_period,
    # sample_type, read_format, the flag bits, wakeup_events, bp_type, bp_addr
    attr = struct.pack("IIQQQQQIIQ", PERF_TYPE_SOFTWARE, 64, config, 0, 0, FORMAT_GROUP,
                       flags, 0, 0, 0)  # fmt: skip
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(attr)
    fd: int = libc.syscall(number, buffer, 0, -1, group_fd, 0)
    return fd


def _faults(leader: int, index: int, members: int) -> int:
    data = os.read(leader, 8 * (1 + members))
    return int(struct.unpack(f"{1 + members}Q", data)[1 + index])


def _touch_fresh_pages() -> None:
    size = PAGES * mmap.PAGESIZE
    region = mmap.mmap(-1, size)
    for offset in range(0, size, mmap.PAGESIZE):
        region[offset] = 1
    region.close()


@cache
def grouped_page_faults_lost() -> bool | None:
    """True when a task-clock-led group counted fewer page faults than a page-faults-led
    one over the same fresh pages; None when the test cannot run (no perf_event_open)."""
    fds: list[int] = []
    try:
        clock_led = _open(SW_TASK_CLOCK, -1)
        fds.append(clock_led)
        if clock_led < 0:
            return None
        fds.append(_open(SW_PAGE_FAULTS, clock_led))
        faults_led = _open(SW_PAGE_FAULTS, -1)
        fds.append(faults_led)
        if min(fds) < 0:
            return None
        grouped = alone = 0
        for _ in range(ROUNDS):
            for leader in (clock_led, faults_led):
                fcntl.ioctl(leader, IOC_RESET, IOC_FLAG_GROUP)
                fcntl.ioctl(leader, IOC_ENABLE, IOC_FLAG_GROUP)
            _touch_fresh_pages()
            for leader in (clock_led, faults_led):
                fcntl.ioctl(leader, IOC_DISABLE, IOC_FLAG_GROUP)
            grouped += _faults(clock_led, 1, 2)
            alone += _faults(faults_led, 0, 1)
        return alone >= ROUNDS * PAGES and grouped < 0.95 * alone
    except OSError:
        return None
    finally:
        for fd in fds:
            if fd >= 0:
                os.close(fd)
