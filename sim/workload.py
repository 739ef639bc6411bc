"""A workload: when requests arrive and what each one does (CPU work and I/O wait)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import _check
from .arrivals import ArrivalProcess, Replay
from .distributions import Distribution, Fixed, Recorded
from .randomness import streams

#: A cap by count that callers may pass as max_requests= (the capstone's and the panels' default).
MAX_REQUESTS = 2_000_000
#: Memory one run needs per request: its draws, the model's ledger and the result tables built from it
#: (measured about 170-200 bytes per request on each platform, benchmarks/month_bench.py).
RUN_BYTES_PER_REQUEST = 200
#: Share of this machine's memory one run may need; above it a workload is refused (sim.windows runs it).
RUN_MEMORY_SHARE = 0.5


def run_memory_bytes() -> int:
    """The memory one run may need: RUN_MEMORY_SHARE of this machine's physical memory."""
    return int(RUN_MEMORY_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))

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


def check_fields(arrivals, duration_s, cpu_ms, io_ms, mode) -> float:
    """Check a workload's fields (Workload's, or sim.windows.LongWorkload's); returns duration_s, a Replay's own
    length where it is None."""
    work = {"cpu_ms": cpu_ms, "io_ms": io_ms}
    if not isinstance(arrivals, ArrivalProcess):
        raise ValueError(f"arrivals={arrivals!r} is not allowed; expected an arrival process "
                         "such as Poisson(rate_per_s=...)")
    if duration_s is None:
        if not isinstance(arrivals, Replay):
            raise ValueError("duration_s=None is only allowed with Replay arrivals; expected a number > 0")
        duration_s = arrivals.natural_duration_s
    _check.number("duration_s", duration_s, low=0, low_open=True, high=366 * 86_400)
    for name in ("cpu_ms", "io_ms"):
        if not isinstance(work[name], Distribution):
            raise ValueError(f"{name}={work[name]!r} is not allowed; expected a distribution "
                             "such as Fixed(ms=...), Exponential(mean_ms=...) or LogNormal(median_ms=..., p95_ms=...)")
    for name in ("cpu_ms", "io_ms"):
        recorded = work[name]
        if isinstance(recorded, Recorded) and not (isinstance(arrivals, Replay)
                                                   and len(recorded) == arrivals.timestamps_s.size):
            what = (f"{arrivals.timestamps_s.size} replayed arrivals" if isinstance(arrivals, Replay)
                    else "random arrivals")
            raise ValueError(f"{name}={recorded!r} is not allowed with {what}; expected Replay arrivals "
                             "with one recorded value per request")
    _check.choice("mode", mode, MODES)
    return duration_s


@dataclass(frozen=True)
class Workload:
    """Arrivals over `duration_s`, each request with `cpu_ms` of one full vCPU and `io_ms` of waiting
    (distributions; `Recorded` ones give each replayed request its own, see `recorded_work`).

    mode "sync": HTTP requests that fail (429) when nothing can take them.
    mode "queue": messages that wait in a queue until a consumer is free.

    Every run is bounded: by `max_requests` when it is given, else by the memory the run needs
    (RUN_BYTES_PER_REQUEST per expected request, at most run_memory_bytes()). A longer workload runs in
    windows: sim.windows.compare_windows(sim.windows.LongWorkload(...), ...).
    """
    arrivals: ArrivalProcess
    duration_s: float | None = None
    cpu_ms: Distribution = field(default_factory=lambda: Fixed(50.0))
    io_ms: Distribution = field(default_factory=lambda: Fixed(0.0))
    mode: str = "sync"
    max_requests: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "duration_s", check_fields(self.arrivals, self.duration_s, self.cpu_ms, self.io_ms,
                                                            self.mode))
        if self.max_requests is not None:
            _check.number("max_requests", self.max_requests, low=1, high=1_000_000_000, integer=True)
        expected = self.arrivals.expected_count(self.duration_s)
        if self.max_requests is not None and expected > self.max_requests:
            raise ValueError(
                f"this workload sends about {expected:,.0f} requests, above the run cap max_requests="
                f"{self.max_requests:,}; lower the arrival rate or duration_s, or raise max_requests")
        need, allowed = expected * RUN_BYTES_PER_REQUEST, run_memory_bytes()
        if self.max_requests is None and need > allowed:
            raise ValueError(
                f"this workload sends about {expected:,.0f} requests and one run of it needs about "
                f"{need / 2 ** 30:,.1f} GiB, above the {allowed / 2 ** 30:,.1f} GiB a run may use (half this "
                "machine's memory); lower the arrival rate or duration_s, cap it with max_requests=..., or run it "
                "in windows of a day: sim.windows.compare_windows(sim.windows.LongWorkload(arrivals, duration_s, "
                "cpu_ms, io_ms), *configs), which needs the memory of one window per worker")

    @property
    def mean_rate_per_s(self) -> float:
        """Expected arrivals per second over the window."""
        return self.arrivals.expected_count(self.duration_s) / self.duration_s

    def draw(self, seed: int) -> Draws:
        """Arrival times and per-request work, from the seed's arrivals/cpu/io streams."""
        rng = streams(seed)
        t = self.arrivals.times(rng["arrivals"], self.duration_s)
        if self.max_requests is not None and t.size > self.max_requests:
            raise ValueError(f"this run drew {t.size:,} requests, above the run cap max_requests="
                             f"{self.max_requests:,}; lower the arrival rate or duration_s")
        return Draws(t, self.cpu_ms.sample(rng["cpu"], t.size), self.io_ms.sample(rng["io"], t.size))
