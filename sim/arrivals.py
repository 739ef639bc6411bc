"""Arrival processes: when requests arrive. Time-varying ones are drawn by thinning a Poisson process."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import _check
from ._check import Range


class ArrivalProcess(ABC):
    """A (possibly time-varying) Poisson process given by its rate function; a dataclass one checks its fields
    against its table FIELD_RANGES (sim._check)."""

    FIELD_RANGES: ClassVar[dict] = {}

    def __post_init__(self):
        _check.fields(self)

    @abstractmethod
    def rate_at(self, t_s: np.ndarray) -> np.ndarray:
        """The arrival rate (per second) at each time in `t_s`."""

    @property
    @abstractmethod
    def peak_rate_per_s(self) -> float:
        """An upper bound of the rate, used for thinning."""

    def expected_count(self, duration_s: float) -> float:
        """Expected arrivals in [0, duration_s), by numerical integration of the rate."""
        grid = np.linspace(0.0, duration_s, 20_001)
        return float(np.trapezoid(self.rate_at(grid), grid))

    def times(self, rng: np.random.Generator, duration_s: float) -> np.ndarray:
        """Sorted arrival times in [0, duration_s): a homogeneous process at the peak rate, thinned."""
        peak = self.peak_rate_per_s
        n = rng.poisson(peak * duration_s)
        t = np.sort(rng.uniform(0.0, duration_s, n))
        keep = rng.uniform(0.0, peak, n) < self.rate_at(t)
        return t[keep]


@dataclass(frozen=True)
class Poisson(ArrivalProcess):
    """Steady traffic: independent arrivals at a constant rate."""
    rate_per_s: float

    FIELD_RANGES: ClassVar[dict] = {
        "rate_per_s": Range(0),
    }

    def rate_at(self, t_s):
        return np.full(np.shape(t_s), float(self.rate_per_s))

    @property
    def peak_rate_per_s(self):
        return float(self.rate_per_s)

    def expected_count(self, duration_s):
        return self.rate_per_s * duration_s

    def times(self, rng, duration_s):
        n = rng.poisson(self.rate_per_s * duration_s)
        return np.sort(rng.uniform(0.0, duration_s, n))


@dataclass(frozen=True)
class Diurnal(ArrivalProcess):
    """A daily cycle: the rate swings sinusoidally between trough and peak around its mean."""
    mean_rate_per_s: float
    peak_to_trough: float = 2.0
    period_s: float = 86_400.0
    peak_at_s: float = 50_400.0

    FIELD_RANGES: ClassVar[dict] = {
        "mean_rate_per_s": Range(0),
        "peak_to_trough": Range(1, 1e6),
        "period_s": Range(0, low_open=True),
        "peak_at_s": Range(0),
    }

    @property
    def amplitude(self) -> float:
        """Relative swing a, so that peak/trough = (1 + a) / (1 - a)."""
        return (self.peak_to_trough - 1) / (self.peak_to_trough + 1)

    def rate_at(self, t_s):
        phase = 2 * math.pi * (np.asarray(t_s) - self.peak_at_s) / self.period_s
        return self.mean_rate_per_s * (1 + self.amplitude * np.cos(phase))

    @property
    def peak_rate_per_s(self):
        return self.mean_rate_per_s * (1 + self.amplitude)


@dataclass(frozen=True)
class OnOff(ArrivalProcess):
    """Bursty traffic: `on_s` seconds at `rate_on_per_s`, then `off_s` seconds at `rate_off_per_s`, repeated."""
    rate_on_per_s: float
    on_s: float
    off_s: float
    rate_off_per_s: float = 0.0

    FIELD_RANGES: ClassVar[dict] = {
        "rate_on_per_s": Range(0),
        "on_s": Range(0, low_open=True),
        "off_s": Range(0),
        "rate_off_per_s": Range(0),
    }

    def rate_at(self, t_s):
        in_on = np.mod(np.asarray(t_s), self.on_s + self.off_s) < self.on_s
        return np.where(in_on, self.rate_on_per_s, self.rate_off_per_s).astype(float)

    @property
    def peak_rate_per_s(self):
        return float(max(self.rate_on_per_s, self.rate_off_per_s))

    @property
    def mean_rate_per_s(self) -> float:
        cycle = self.on_s + self.off_s
        return (self.rate_on_per_s * self.on_s + self.rate_off_per_s * self.off_s) / cycle


@dataclass(frozen=True)
class Growth(ArrivalProcess):
    """Steady Poisson traffic at `base_rate_per_s` that grows linearly, from `start_s` over `ramp_s` seconds,
    to `factor` times the base rate and stays there."""
    base_rate_per_s: float
    factor: float
    start_s: float
    ramp_s: float

    FIELD_RANGES: ClassVar[dict] = {
        "base_rate_per_s": Range(0),
        "factor": Range(0),
        "start_s": Range(0),
        "ramp_s": Range(0, low_open=True),
    }

    def rate_at(self, t_s):
        done = np.clip((np.asarray(t_s, dtype=float) - self.start_s) / self.ramp_s, 0.0, 1.0)
        return self.base_rate_per_s * (1.0 + (self.factor - 1.0) * done)

    @property
    def peak_rate_per_s(self):
        return float(self.base_rate_per_s * max(1.0, self.factor))


@dataclass(frozen=True)
class Spike(ArrivalProcess):
    """A steady base rate with one spike of `spike_rate_per_s` lasting `spike_duration_s`."""
    base_rate_per_s: float
    spike_rate_per_s: float
    spike_start_s: float
    spike_duration_s: float

    FIELD_RANGES: ClassVar[dict] = {
        "base_rate_per_s": Range(0),
        "spike_rate_per_s": Range(0),
        "spike_start_s": Range(0),
        "spike_duration_s": Range(0),
    }

    def rate_at(self, t_s):
        t = np.asarray(t_s)
        in_spike = (t >= self.spike_start_s) & (t < self.spike_start_s + self.spike_duration_s)
        return np.where(in_spike, self.spike_rate_per_s, self.base_rate_per_s).astype(float)

    @property
    def peak_rate_per_s(self):
        return float(max(self.base_rate_per_s, self.spike_rate_per_s))


class Replay(ArrivalProcess):
    """The reader's own traffic: arrival timestamps in seconds (sorted on load), replayed as they are."""

    def __init__(self, timestamps_s):
        if np.size(timestamps_s) == 0:
            raise ValueError("timestamps_s is empty; expected at least one arrival timestamp")
        self.timestamps_s = np.sort(_check.nonnegative_array("timestamps_s", timestamps_s))
        self.timestamps_s.setflags(write=False)

    def __repr__(self):
        return f"Replay({self.timestamps_s.size} arrivals over {self.natural_duration_s:g} s)"

    def __eq__(self, other):
        return isinstance(other, Replay) and np.array_equal(self.timestamps_s, other.timestamps_s)

    __hash__ = None

    @property
    def natural_duration_s(self) -> float:
        """Just past the last arrival, so that every timestamp falls inside the window."""
        return float(np.nextafter(self.timestamps_s[-1], np.inf))

    def rate_at(self, t_s):
        raise NotImplementedError("a replayed trace has no rate function")

    @property
    def peak_rate_per_s(self):
        raise NotImplementedError("a replayed trace has no rate function")

    def expected_count(self, duration_s):
        return float(np.searchsorted(self.timestamps_s, duration_s, side="left"))

    def times(self, rng, duration_s):
        return self.timestamps_s[self.timestamps_s < duration_s].copy()

    @classmethod
    def from_csv(cls, source, column: int | str = 0, unit: str = "auto", max_rows: int | None = None) -> "Replay":
        """Read timestamps from a CSV file path or text (sim.traffic.timestamps); an optional header row is
        skipped and a bad row is refused with its line number.

        A cell is a number or an ISO 8601 date-time (`2026-11-27T10:00:00Z`, `2026-11-27 10:00:00.123`,
        a trailing ` UTC` as Cloud Logging and BigQuery export it); date-times are made relative to the earliest.
        Numbers are read by `unit`: "s" (seconds since the trace began), "ms" (milliseconds since then),
        "epoch_s", "epoch_ms", "epoch_us" or "epoch_ns" (Unix time, made relative to the earliest), or "auto":
        by the largest value, Unix nanoseconds from 1e17, microseconds from 1e14, milliseconds from 1e11,
        seconds from 1e8 (all after 1973), else seconds since the trace began. "auto" cannot tell milliseconds
        since the trace began from seconds: pass unit="ms" for those. Rows are sorted on reading; equal
        timestamps are simultaneous requests. A file may start with a UTF-8 byte-order mark (Excel's "CSV UTF-8").
        `max_rows` refuses a longer CSV before parsing it (a row per line; blank lines count).
        Other formats (access logs, load balancer and platform logs, counts per interval): sim.traffic.read.
        """
        from .traffic import source as text_source, timestamps
        text = text_source.read_text(source)
        text_source.check_max_rows(text, max_rows)
        return cls(timestamps.read(text, column=column, unit=unit).timestamps_s)


def is_timestamp(cell: str) -> bool:
    """Whether Replay.from_csv reads this cell as a timestamp (a number or an ISO 8601 date-time)."""
    from .traffic.timestamps import is_timestamp as reads
    return reads(cell)
