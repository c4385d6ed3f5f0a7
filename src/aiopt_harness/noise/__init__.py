"""Noise characterization: A/A compares turned into a significance threshold per task."""
