import subprocess
import sys
import textwrap

from aiopt_harness.sandbox.cpu_lease import cpu_lease, lease_path


def test_a_second_process_waits_for_the_lease() -> None:
    """While this process holds CPU 999's lease, another process cannot take it."""
    probe = textwrap.dedent(
        f"""
        import fcntl, os
        fd = os.open({str(lease_path(999))!r}, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print("free")
        except BlockingIOError:
            print("held")
        """
    )
    with cpu_lease(999):
        held = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    after = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert held.stdout.strip() == "held"
    assert after.stdout.strip() == "free"
