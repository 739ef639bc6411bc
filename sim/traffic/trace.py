"""A trace as read: arrival times, each request's own duration when the source has one, and how it was read."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..arrivals import Replay


@dataclass(eq=False)
class Trace:
    """Arrivals read from a file, sorted, in seconds since the first (`start` is its wall-clock time, when the
    source has one). `duration_ms` is each request's logged handler time (aligned with `timestamps_s`) or None;
    `columns` holds other per-request fields (e.g. Lambda's billed_ms, memory_mb, init_ms).
    `skipped` maps a reason to the line numbers skipped for it; `notes` state the rules used in reading."""
    format: str
    timestamps_s: np.ndarray
    start: pd.Timestamp | None = None
    duration_ms: np.ndarray | None = None
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    lines: int = 0
    skipped: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    interval_s: float | None = None
    warnings: list[str] = field(default_factory=list)
    #: numbers read as seconds because unit='auto' could not tell (milliseconds since the start look the same)
    seconds_guessed: bool = False

    def __len__(self):
        return self.timestamps_s.size

    def replay(self) -> Replay:
        """The arrivals as a sim.Replay (the same order as `duration_ms`)."""
        return Replay(self.timestamps_s)

    @property
    def span_s(self) -> float:
        return float(self.timestamps_s[-1] - self.timestamps_s[0]) if len(self) else 0.0


def make_trace(format: str, times, *, duration_ms=None, columns=None, relative: bool = True, origin=None,
               **fields) -> Trace:
    """A Trace from unsorted arrival times: datetimes (pandas, one zone) or seconds; sorted stably, with every
    per-request array put in the same order, and made relative to the earliest (seconds: when `relative`;
    `origin` is the wall-clock time of second 0, so that `start` is the first arrival's)."""
    if len(times) == 0:
        raise ValueError(f"the file holds no requests in the {format!r} format; expected at least one")
    start = None
    if isinstance(times, (pd.Series, pd.DatetimeIndex)) or np.issubdtype(np.asarray(times).dtype, np.datetime64):
        stamps = pd.DatetimeIndex(times)
        start = stamps.min()
        seconds = (stamps - start).to_numpy().astype("timedelta64[ns]").astype(np.int64) / 1e9
    else:
        seconds = np.asarray(times, dtype=float)
    order = np.argsort(seconds, kind="stable")
    seconds = seconds[order]
    if start is None and relative:
        if origin is not None:
            start = origin + pd.Timedelta(seconds=float(seconds[0]))
        seconds = seconds - seconds[0]
    seconds.setflags(write=False)
    per_request = {name: np.asarray(values)[order] for name, values in (columns or {}).items()}
    durations = None if duration_ms is None else np.asarray(duration_ms, dtype=float)[order]
    return Trace(format, seconds, start=start, duration_ms=durations, columns=per_request, **fields)


@dataclass(frozen=True)
class Clock:
    """How a reader's arrival times become seconds: datetimes (ns since the Unix epoch in `zone`, or naive) or
    numbers times `scale`; second 0 is the earliest arrival (`relative`) or the numbers' own zero; `ref` is the
    wall-clock time of the number 0 (access logs), so that `start` can be told."""
    datetimes: bool
    scale: float = 1.0
    relative: bool = True
    zone: object = None
    ref: pd.Timestamp | None = None

    def key(self, times) -> np.ndarray:
        """Times as sortable numbers: int64 ns for datetimes, else floats."""
        if self.datetimes:
            return pd.DatetimeIndex(times).as_unit("ns").asi8
        return np.asarray(times, dtype=float)

    def per_s(self) -> float:
        """Units of `key` per second."""
        return 1e9 if self.datetimes else 1.0 / self.scale

    def seconds(self, key: np.ndarray, origin) -> np.ndarray:
        """Seconds since `origin` (a key), computed as make_trace computes them from the whole file."""
        return (key - origin) / 1e9 if self.datetimes else (key - origin) * self.scale

    def start(self, origin) -> pd.Timestamp | None:
        """The wall-clock time of second 0, as make_trace tells it, or None."""
        if self.datetimes:
            when = pd.Timestamp(int(origin), unit="ns", tz="UTC")
            return when.tz_convert(self.zone) if self.zone is not None else when.tz_localize(None)
        if self.ref is not None:
            return self.ref + pd.Timedelta(seconds=float(origin))
        return None


@dataclass(eq=False)
class Part:
    """One stretch of a file, parsed: each request's arrival `times` (datetimes or numbers, as its Clock reads
    them), in file order, with its line number; durations and other per-request columns; lines skipped."""
    times: object
    lines: np.ndarray
    duration_ms: np.ndarray | None = None
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    def __len__(self):
        return len(self.lines)
