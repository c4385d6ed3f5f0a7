"""The same compiled kernels measured, in one run, by each protocol users know.

Kept the way nanobench keeps ``src/comparisons/``: one file per protocol, each a faithful
re-creation of how that tool samples (blocked or interleaved, one process or many) and
decides (its own test and threshold), driven through this harness's sandboxed, pinned,
checked calls so that only the protocol differs. ``run.py`` runs them side by side.
"""
