import subprocess
import sys
import textwrap

from aiopt_harness.sandbox.process_tree import _parent_and_state, descendants


def test_stat_line_with_parentheses_in_the_name() -> None:
    assert _parent_and_state("42 (a (weird) name) S 7 42 42 0") == (7, "S")


def test_descendants_of_this_process_include_a_child() -> None:
    import os

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in descendants(os.getpid())
    finally:
        child.kill()
        child.wait()


def test_subreaper_kills_escaped_grandchildren() -> None:
    """A subreaper (in its own process, not pytest's) kills a grandchild that left with
    setsid() after its parent exited."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from aiopt_harness.sandbox.process_tree import (
            become_subreaper, descendants, kill_descendants)
        become_subreaper()
        middle = os.fork()
        if middle == 0:
            grandchild = os.fork()
            if grandchild == 0:
                os.setsid()
                time.sleep(60)
                os._exit(0)
            print(grandchild, flush=True)
            os._exit(0)
        os.waitpid(middle, 0)
        time.sleep(0.2)
        found = descendants(os.getpid())
        killed = kill_descendants(os.getpid())
        print(len(found), killed, len(descendants(os.getpid())), flush=True)
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    grandchild, found, killed, left = map(int, output)
    assert (found, killed, left) == (1, 1, 0)
    import os

    assert not os.path.exists(f"/proc/{grandchild}")
