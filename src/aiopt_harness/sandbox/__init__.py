"""The trust boundary: the only code that starts a process running candidate code."""
