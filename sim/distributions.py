"""Named distributions for per-request work, in milliseconds; each draws a block with numpy."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from . import _check

#: z-score of the 95th percentile of a standard normal distribution.
Z95 = 1.6448536269514722


class Distribution(ABC):
    """A non-negative duration in ms. To add one, subclass it with `sample` and a `mean_ms` (field or property)."""

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw `n` values (ms) as a float64 array."""


@dataclass(frozen=True)
class Fixed(Distribution):
    """Every request takes exactly `ms`."""
    ms: float

    def __post_init__(self):
        _check.number("ms", self.ms, low=0)

    @property
    def mean_ms(self) -> float:
        return float(self.ms)

    def sample(self, rng, n):
        return np.full(n, float(self.ms))


@dataclass(frozen=True)
class Exponential(Distribution):
    """Memoryless durations with the given mean; the M in M/M/c."""
    mean_ms: float

    def __post_init__(self):
        _check.number("mean_ms", self.mean_ms, low=0)

    def sample(self, rng, n):
        return rng.exponential(self.mean_ms, n) if self.mean_ms > 0 else np.zeros(n)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Right-skewed durations given by their median and 95th percentile (p95 >= median)."""
    median_ms: float
    p95_ms: float

    def __post_init__(self):
        _check.number("median_ms", self.median_ms, low=0, low_open=True)
        _check.number("p95_ms", self.p95_ms, low=self.median_ms)

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
        values = np.array(values_ms, dtype=float).ravel()
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"values_ms[{i}]={float(values[i])!r} is not allowed; expected a finite number >= 0")
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
