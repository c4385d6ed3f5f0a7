"""OpenEvolve: the evaluator, the fitness, the config and ``aiopt evolve``."""
