"""The task format, its check kinds and output metrics."""
