"""Inputs of the empty task: 8 bytes of the seed (the empty candidate ignores them)."""


def params() -> bytes:
    return b""


def generate(seed: int) -> bytes:
    return seed.to_bytes(8, "little")
