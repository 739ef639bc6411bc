"""One numpy Generator per random purpose, all spawned from one SeedSequence (common random numbers)."""
from __future__ import annotations

import numpy as np

from . import _check

#: The purposes, in spawn order. Appending a purpose keeps existing streams unchanged.
PURPOSES = ("arrivals", "cpu", "io", "cold_start", "dispatch")


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators keyed by purpose; the same seed gives the same streams."""
    _check.number("seed", seed, low=0, integer=True)
    children = np.random.SeedSequence(int(seed)).spawn(len(PURPOSES))
    return {purpose: np.random.default_rng(child) for purpose, child in zip(PURPOSES, children)}
