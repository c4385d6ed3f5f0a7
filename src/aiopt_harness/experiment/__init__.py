"""The experiment: the 2x2 factorial of tracks over tasks and seeds (``aiopt experiment``)."""
