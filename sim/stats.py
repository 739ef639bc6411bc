"""Output analysis for simulation estimates: batch means, independent replications, time averages.

Each estimator returns an `Estimate(mean, se)`; it unpacks as `mean, se = batch_means(...)`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim import _check
from sim.intervals import open_time


@dataclass(frozen=True)
class Estimate:
    """A simulated mean and its standard error."""

    mean: float
    se: float

    def __iter__(self):
        return iter((self.mean, self.se))

    def within(self, oracle: float, k: float = 4.0) -> bool:
        """True if |mean − oracle| <= k standard errors."""
        _check.number("k", k, low=0.0)
        return abs(self.mean - oracle) <= k * self.se

    def interval(self, k: float = 1.96) -> tuple[float, float]:
        """Confidence interval mean ± k·se (k = 1.96: about 95% for many batches or replications)."""
        _check.number("k", k, low=0.0)
        return (self.mean - k * self.se, self.mean + k * self.se)

    def __str__(self) -> str:
        return f"{self.mean:.6g} ± {self.se:.2g}"


def _values(values, minimum: int) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if x.size < minimum:
        raise ValueError(f"values has {x.size} elements; expected at least {minimum}")
    if not np.all(np.isfinite(x)):
        raise ValueError("values contains NaN or infinite elements; expected finite numbers")
    return x


def replications(values) -> Estimate:
    """Mean and standard error of independent replications (one value per replication, at least 2)."""
    x = _values(values, 2)
    return Estimate(float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)))


def batch_means(values, n_batches: int = 20) -> Estimate:
    """Batch means for one long correlated run (values in time order, warm-up already dropped).

    The series is cut into `n_batches` contiguous equal batches (the last few values are dropped
    so the batches are equal); the batch means are treated as independent replications.
    """
    n = int(_check.number("n_batches", n_batches, low=2, integer=True))
    x = _values(values, n)
    size = x.size // n
    return replications(x[: size * n].reshape(n, size).mean(axis=1))


def interval_time_averages(starts, ends, t0: float, t1: float, n_batches: int = 20) -> np.ndarray:
    """Time average over each of `n_batches` equal windows of [t0, t1] of the number of open intervals.

    Interval i is open on [starts[i], ends[i]); an end of NaN means "still open at t1".
    """
    _check.number("t0", t0)
    _check.number("t1", t1, low=t0, low_open=True)
    n = int(_check.number("n_batches", n_batches, low=1, integer=True))
    s = np.asarray(starts, dtype=float)
    e = np.asarray(ends, dtype=float)
    if s.shape != e.shape:
        raise ValueError(f"starts and ends have different lengths ({s.size} and {e.size}); expected equal")
    e = np.where(np.isnan(e), t1, e)
    edges = np.linspace(t0, t1, n + 1)
    return open_time(s, e, edges) / (edges[1:] - edges[:-1])


def time_average(starts, ends, t0: float, t1: float, n_batches: int = 20) -> Estimate:
    """Batch-means estimate of the time-averaged number of open intervals over [t0, t1]."""
    _check.number("n_batches", n_batches, low=2, integer=True)
    return replications(interval_time_averages(starts, ends, t0, t1, n_batches))
