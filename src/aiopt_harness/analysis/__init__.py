"""The analysis stage: statistics over finished experiments for ``aiopt analyze``."""
