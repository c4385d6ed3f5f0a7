"""measure, compare and check: sandboxed runs turned into statistics and verdicts."""
