"""A workload: when requests arrive and what each one does (CPU work and I/O wait)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _check
from .arrivals import ArrivalProcess, Replay
from .distributions import Distribution, Fixed, Recorded
from .randomness import streams

#: Every run is bounded: a workload expected to send more requests than this is refused.
MAX_REQUESTS = 2_000_000

MODES = ("sync", "queue")


@dataclass(frozen=True)
class Draws:
    """The random draws of one run, shared by every platform (common random numbers)."""
    arrival_s: np.ndarray
    cpu_ms: np.ndarray
    io_ms: np.ndarray

    def __len__(self):
        return self.arrival_s.size


#: A request's recorded duration is split into CPU work and I/O wait by this share unless told otherwise: the
#: capstone's default work (20 ms CPU of 200 ms, the rest waiting on I/O). A design choice; pass cpu_share=.
CPU_SHARE = 0.1


def recorded_work(duration_ms, cpu_share: float = CPU_SHARE, measured_slowdown: float = 1.0
                  ) -> tuple[Recorded, Recorded]:
    """Each request's logged duration as its handler time: `cpu_share` of it CPU work, the rest I/O wait.
    The CPU part ran `measured_slowdown` times slower than on one full vCPU where it was measured (on Lambda:
    LambdaConfig(memory_mb=...).cpu_slowdown), so it is divided by that: replayed on the same Lambda memory,
    each request's handler time is its logged duration again."""
    _check.number("cpu_share", cpu_share, low=0, high=1)
    _check.number("measured_slowdown", measured_slowdown, low=1, high=100)
    duration = np.asarray(duration_ms, dtype=float)
    return Recorded(duration * cpu_share / measured_slowdown), Recorded(duration * (1 - cpu_share))


@dataclass(frozen=True)
class Workload:
    """Arrivals over `duration_s`, each request with `cpu_ms` of one full vCPU and `io_ms` of waiting
    (distributions; `Recorded` ones give each replayed request its own, see `recorded_work`).

    mode "sync": HTTP requests that fail (429) when nothing can take them.
    mode "queue": messages that wait in a queue until a consumer is free.
    """
    arrivals: ArrivalProcess
    duration_s: float | None = None
    cpu_ms: Distribution = field(default_factory=lambda: Fixed(50.0))
    io_ms: Distribution = field(default_factory=lambda: Fixed(0.0))
    mode: str = "sync"
    max_requests: int = MAX_REQUESTS

    def __post_init__(self):
        if not isinstance(self.arrivals, ArrivalProcess):
            raise ValueError(f"arrivals={self.arrivals!r} is not allowed; expected an arrival process "
                             "such as Poisson(rate_per_s=...)")
        if self.duration_s is None:
            if not isinstance(self.arrivals, Replay):
                raise ValueError("duration_s=None is only allowed with Replay arrivals; expected a number > 0")
            object.__setattr__(self, "duration_s", self.arrivals.natural_duration_s)
        _check.number("duration_s", self.duration_s, low=0, low_open=True, high=366 * 86_400)
        for name in ("cpu_ms", "io_ms"):
            if not isinstance(getattr(self, name), Distribution):
                raise ValueError(f"{name}={getattr(self, name)!r} is not allowed; expected a distribution "
                                 "such as Fixed(ms=...), Exponential(mean_ms=...) or LogNormal(median_ms=..., p95_ms=...)")
        for name in ("cpu_ms", "io_ms"):
            recorded = getattr(self, name)
            if isinstance(recorded, Recorded) and not (isinstance(self.arrivals, Replay)
                                                       and len(recorded) == self.arrivals.timestamps_s.size):
                arrivals = (f"{self.arrivals.timestamps_s.size} replayed arrivals" if isinstance(self.arrivals, Replay)
                            else "random arrivals")
                raise ValueError(f"{name}={recorded!r} is not allowed with {arrivals}; expected Replay arrivals "
                                 "with one recorded value per request")
        _check.choice("mode", self.mode, MODES)
        _check.number("max_requests", self.max_requests, low=1, high=20_000_000, integer=True)
        expected = self.arrivals.expected_count(self.duration_s)
        if expected > self.max_requests:
            raise ValueError(
                f"this workload sends about {expected:,.0f} requests, above the run cap max_requests="
                f"{self.max_requests:,}; lower the arrival rate or duration_s, or raise max_requests")

    @property
    def mean_rate_per_s(self) -> float:
        """Expected arrivals per second over the window."""
        return self.arrivals.expected_count(self.duration_s) / self.duration_s

    def draw(self, seed: int) -> Draws:
        """Arrival times and per-request work, from the seed's arrivals/cpu/io streams."""
        rng = streams(seed)
        t = self.arrivals.times(rng["arrivals"], self.duration_s)
        if t.size > self.max_requests:
            raise ValueError(f"this run drew {t.size:,} requests, above the run cap max_requests="
                             f"{self.max_requests:,}; lower the arrival rate or duration_s")
        return Draws(t, self.cpu_ms.sample(rng["cpu"], t.size), self.io_ms.sample(rng["io"], t.size))
