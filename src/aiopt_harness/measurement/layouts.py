"""Where each loaded copy's code and data sit: a link-time pad before its code
(build.compiler.layout_copy) and a seed for its data layout, drawn at random.

Code alignments that matter are the pad's 16-byte steps within a 64-byte cache line: the
copies are spread evenly over these strata (see statistics.stratified_copy_ratio)."""

from __future__ import annotations

import random

from ..build.compiler import LAYOUT_PAD_STEP, LAYOUT_PAD_STEPS

ALIGNMENT_STRATA = 4
LAYOUT_SEED_BITS = 24  # the worker's --layout-seed


def alignment_stratum(pad: int) -> int:
    return (pad // LAYOUT_PAD_STEP) % ALIGNMENT_STRATA


class LayoutDraws:
    """Pads and layout seeds from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._strata_order: list[int] = []

    def pad(self) -> int:
        """A pad from every possible one."""
        return self.rng.randrange(LAYOUT_PAD_STEPS) * LAYOUT_PAD_STEP

    def stratified_pad(self, copy: int) -> int:
        """A random pad whose alignment stratum is ``copy``'s turn in a random order of
        the strata: any number of copies covers the strata as evenly as it can."""
        if copy % ALIGNMENT_STRATA == 0:
            self._strata_order = self.rng.sample(range(ALIGNMENT_STRATA), ALIGNMENT_STRATA)
        stratum = self._strata_order[copy % ALIGNMENT_STRATA]
        step = self.rng.randrange(LAYOUT_PAD_STEPS // ALIGNMENT_STRATA) * ALIGNMENT_STRATA
        return (step + stratum) * LAYOUT_PAD_STEP

    def layout_seed(self) -> int:
        return self.rng.getrandbits(LAYOUT_SEED_BITS)
