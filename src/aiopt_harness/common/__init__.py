"""Helpers every stage uses: paths, process groups with timeouts, locks, artifact-safe
text, and the statistics (pure functions)."""
