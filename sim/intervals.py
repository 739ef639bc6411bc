"""Counting overlapping intervals [start, end): how many are open at given times, at most, over time.

Every function is vectorised numpy (sorting, searchsorted, cumulative sums), so a million intervals cost a
sort, not a loop. An interval is open from its start (included) to its end (excluded): at a time where one
ends and another starts, the one ending is already closed.
"""
from __future__ import annotations

import numpy as np


def open_at(start, end, t) -> np.ndarray:
    """How many intervals [start, end) contain each time in `t` (an end of inf never closes)."""
    return (np.searchsorted(np.sort(start), t, side="right")
            - np.searchsorted(np.sort(end), t, side="right")).astype(np.int64)


def peak_open(start, end) -> int:
    """Most intervals [start, end) open at once (0 with none): ends come before starts at equal times."""
    start, end = np.asarray(start), np.asarray(end)
    if start.size == 0:
        return 0
    times = np.concatenate([start, end])
    steps = np.concatenate([np.ones(start.size), -np.ones(end.size)])
    order = np.lexsort((steps, times))   # at equal times, ends (-1) before starts (+1)
    return int(np.max(np.cumsum(steps[order])))


def step_function(start, end, origin_s: float = 0.0, weight=None) -> tuple[np.ndarray, np.ndarray]:
    """The (weighted) number of open intervals as a step function from `origin_s`: (times_s, values),
    `values[k]` holding on [times_s[k], times_s[k + 1]). An end of NaN never closes (still open).
    `weight` gives each interval's weight (default 1); the values are whole numbers (int64)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    weight = np.ones(start.size) if weight is None else np.asarray(weight, dtype=float)
    closes = ~np.isnan(end)
    times = np.concatenate([[origin_s], start, end[closes]])
    steps = np.concatenate([[0.0], weight, -weight[closes]])
    order = np.argsort(times, kind="stable")
    times, values = times[order], np.cumsum(steps[order])
    last = np.r_[times[1:] != times[:-1], True]      # the value after the last change at each time
    return times[last], np.rint(values[last]).astype(np.int64)


def step_mean(times_s: np.ndarray, values: np.ndarray, end_s: float) -> float:
    """Time average over [0, end_s] of a step function (step_function's output); 0 for an empty span."""
    if end_s <= 0:
        return 0.0
    widths = np.diff(np.append(np.minimum(times_s, end_s), end_s))
    return float(np.sum(values * np.clip(widths, 0, None)) / end_s)


def open_time(start, end, edges_s) -> np.ndarray:
    """Time integral of the number of open intervals over each window [edges_s[k], edges_s[k + 1]]:
    the summed overlap of every interval with the window (an end of inf never closes)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    edges_s = np.asarray(edges_s, dtype=float)
    lo, hi = edges_s[:-1, None], edges_s[1:, None]
    return np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None).sum(axis=1)
