"""Named distributions for per-request work, in milliseconds; each draws a block with numpy."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import _check
from ._check import Range

#: z-score of the 95th percentile of a standard normal distribution.
Z95 = 1.6448536269514722


class Distribution(ABC):
    """A non-negative duration in ms. To add one, subclass it with `sample` and a `mean_ms` (field or property);
    a dataclass one checks its fields against its table FIELD_RANGES (sim._check)."""

    FIELD_RANGES: ClassVar[dict] = {}

    def __post_init__(self):
        _check.fields(self)

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw `n` values (ms) as a float64 array."""


@dataclass(frozen=True)
class Fixed(Distribution):
    """Every request takes exactly `ms`."""
    ms: float

    FIELD_RANGES: ClassVar[dict] = {"ms": Range(0)}

    @property
    def mean_ms(self) -> float:
        return float(self.ms)

    def sample(self, rng, n):
        return np.full(n, float(self.ms))


@dataclass(frozen=True)
class Exponential(Distribution):
    """Memoryless durations with the given mean; the M in M/M/c."""
    mean_ms: float

    FIELD_RANGES: ClassVar[dict] = {"mean_ms": Range(0)}

    def sample(self, rng, n):
        return rng.exponential(self.mean_ms, n) if self.mean_ms > 0 else np.zeros(n)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Right-skewed durations given by their median and 95th percentile (p95 >= median)."""
    median_ms: float
    p95_ms: float

    FIELD_RANGES: ClassVar[dict] = {"median_ms": Range(0, low_open=True), "p95_ms": Range("median_ms")}

    @property
    def sigma(self) -> float:
        """Shape parameter of the underlying normal."""
        return math.log(self.p95_ms / self.median_ms) / Z95

    @property
    def mean_ms(self) -> float:
        return self.median_ms * math.exp(self.sigma ** 2 / 2)

    def sample(self, rng, n):
        return self.median_ms * np.exp(self.sigma * rng.standard_normal(n))


class Recorded(Distribution):
    """Each request's own duration, in arrival order (e.g. read from a log): request k takes `values_ms[k]`.
    It draws nothing: a run of n requests takes the first n values (a window that ends early keeps a prefix)."""

    def __init__(self, values_ms):
        values = _check.nonnegative_array("values_ms", values_ms)
        values.setflags(write=False)
        self.values_ms = values

    def __repr__(self):
        return f"Recorded({self.values_ms.size} values, mean {self.mean_ms:g} ms)" if self.values_ms.size else \
            "Recorded(0 values)"

    def __eq__(self, other):
        return isinstance(other, Recorded) and np.array_equal(self.values_ms, other.values_ms)

    __hash__ = None

    def __len__(self):
        return self.values_ms.size

    @property
    def mean_ms(self) -> float:
        return float(self.values_ms.mean()) if self.values_ms.size else 0.0

    def sample(self, rng, n):
        if n > self.values_ms.size:
            raise ValueError(f"n={n} is out of range; this Recorded distribution holds {self.values_ms.size} values")
        return self.values_ms[:n].copy()
