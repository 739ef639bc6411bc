"""Long runs in windows: a month (or a year) of traffic, window by window, on any executor.

    month = LongWorkload(Diurnal(mean_rate_per_s=38.6), duration_s=30 * 86_400, cpu_ms=Exponential(20),
                         io_ms=Exponential(180))
    runs = compare_windows(month, LambdaConfig(), CloudRunConfig(), LambdaManagedInstancesConfig(), seed=1)
    runs.table()                     # summaries side by side, as sim.compare's
    runs["Cloud Run"].bill()         # the itemised bill of the whole month

The span [0, duration_s) is cut into windows of `window_s` (a day by default). Window k is an ordinary run
of the models over [start_k - warmup_s, end_k): its warm-up lets the platform's state (warm environments,
idle instances, autoscaler windows) forget that the run started cold, and only its core [start_k, end_k)
is counted (sim.aggregate: the requests that arrived in the core, the busy slices that began in it, the
instance time inside it). The last window runs on until its last request ends, as a single run does.
Each window is reduced in its worker to an Aggregate, so memory is that of one window per worker, and the
aggregates are merged in time order.

Randomness. Window k draws its arrivals and work from its own seed, SeedSequence(seed).spawn(k + 1)[k]
(built directly as SeedSequence(seed, spawn_key=(k,))), split into the purposes of sim.randomness; every
platform sees the same draws in a window (common random numbers). So the answer depends on the seed and
the windows, never on the executor or how many workers it has. A Replay trace gives each window its slice
of the timestamps (and of Recorded per-request work) and draws nothing for arrivals.

Executors: "process" (a local process pool, one worker per CPU this process may use, at most
MAX_LOCAL_WORKERS), None (one after another in this process), or any concurrent.futures.Executor, e.g.
a Dask cluster's `dask.distributed.Client(address).get_executor()`.
"""
from __future__ import annotations

import gc
import itertools
import math
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np

from . import _check
from .aggregate import STEP_S, Aggregate
from .cpus import default_workers
from .arrivals import ArrivalProcess, Poisson, Replay
from .distributions import Distribution, Fixed, Recorded
from .randomness import PURPOSES
from .run import Comparison, check_configs, run_draws
from .sweep import _progress, progress_display
from .workload import Draws, Workload, check_fields

#: Default window: a day.
WINDOW_S = 86_400.0
#: The warm-up is this many times the longest memory of the platforms' state (see warmup_for).
WARMUP_FACTOR = 2.0
#: Local worker processes at most, whatever the CPU count.
MAX_LOCAL_WORKERS = 16
#: Memory one request of a window needs while it runs, in bytes, with a margin: the draws (24), the ledger (34),
#: the models' per-request copies and the reduction's temporaries; a worker's peak resident set was about 190 bytes
#: per request of its window (benchmarks/month_bench.py: 685 MiB for a day at 38.6 requests per second).
BYTES_PER_REQUEST = 300
#: Default memory allowed for one window's run (bytes).
WINDOW_MEMORY_BYTES = 2 * 1024 ** 3
#: Relative simulation cost of a request on each platform (measured: Cloud Run's processor sharing and
#: autoscaler make it about 1.4 times Lambda's), to hand out the longest windows first.
COST_PER_REQUEST = {"lambda": 1.0, "cloudrun": 1.4, "lmi": 1.0}
#: Jobs handed to a given executor at a time (a local pool gets two per worker): enough to keep a cluster busy.
PENDING_JOBS = 32
#: Every long run is bounded: at most this many requests in all.
MAX_TOTAL_REQUESTS = 10_000_000_000


@dataclass(frozen=True)
class LongWorkload:
    """A workload too long for one run: the fields of sim.Workload, with no cap on its requests (each window
    is checked instead). `duration_s` None takes a Replay trace's own length."""
    arrivals: ArrivalProcess
    duration_s: float | None = None
    cpu_ms: Distribution = field(default_factory=lambda: Fixed(50.0))
    io_ms: Distribution = field(default_factory=lambda: Fixed(0.0))
    mode: str = "sync"

    def __post_init__(self):
        object.__setattr__(self, "duration_s", check_fields(self.arrivals, self.duration_s, self.cpu_ms, self.io_ms,
                                                            self.mode))
        expected = self.expected_between(0.0, self.duration_s)
        if expected > MAX_TOTAL_REQUESTS:
            raise ValueError(f"this workload sends about {expected:,.0f} requests, above {MAX_TOTAL_REQUESTS:,}; "
                             "lower the arrival rate or duration_s")

    @classmethod
    def of(cls, workload) -> "LongWorkload":
        """A LongWorkload as it is, or one with the fields of a sim.Workload."""
        if isinstance(workload, cls):
            return workload
        if isinstance(workload, Workload):
            return cls(workload.arrivals, workload.duration_s, workload.cpu_ms, workload.io_ms, workload.mode)
        raise ValueError(f"workload={workload!r} is not allowed; expected a sim.Workload or a sim.windows.LongWorkload")

    def expected_between(self, start_s: float, end_s: float) -> float:
        """Expected arrivals in [start_s, end_s)."""
        if isinstance(self.arrivals, Replay):
            return float(np.diff(np.searchsorted(self.arrivals.timestamps_s, [start_s, end_s], side="left"))[0])
        if isinstance(self.arrivals, Poisson):
            return self.arrivals.rate_per_s * (end_s - start_s)
        grid = np.linspace(start_s, end_s, 20_001)
        return float(np.trapezoid(self.arrivals.rate_at(grid), grid))


def arrivals_between(process: ArrivalProcess, rng: np.random.Generator, start_s: float, end_s: float) -> np.ndarray:
    """Sorted arrival times in [start_s, end_s), drawn as ArrivalProcess.times draws them over [0, duration_s)
    (the same draws when start_s = 0): a Poisson count, uniform times, thinned by the rate for a varying one."""
    if isinstance(process, Replay):
        t = process.timestamps_s
        return t[np.searchsorted(t, start_s, side="left"):np.searchsorted(t, end_s, side="left")].copy()
    if isinstance(process, Poisson):
        n = rng.poisson(process.rate_per_s * (end_s - start_s))
        return np.sort(rng.uniform(start_s, end_s, n))
    peak = process.peak_rate_per_s
    n = rng.poisson(peak * (end_s - start_s))
    t = np.sort(rng.uniform(start_s, end_s, n))
    keep = rng.uniform(0.0, peak, n) < process.rate_at(t)
    return t[keep]


def window_streams(seed: int, k: int) -> dict[str, np.random.Generator]:
    """Window k's generators: SeedSequence(seed).spawn(k + 1)[k], split into sim.randomness.PURPOSES."""
    children = np.random.SeedSequence(int(seed), spawn_key=(int(k),)).spawn(len(PURPOSES))
    return {purpose: np.random.default_rng(child) for purpose, child in zip(PURPOSES, children)}


def warmup_for(configs) -> float:
    """WARMUP_FACTOR x the longest memory of the configs' state: Lambda's keep-alive, Cloud Run's idle timeout
    and autoscaler window, LMI's scaler window, scale-in cooldown, growth window and instance launch. After
    that long, no environment or instance idle since the run's start is still alive and no autoscaler window
    reaches back to it; twice that gives the instances started in the warm-up time to settle too."""
    memory = [0.0]
    for c in configs:
        memory += {"lambda": lambda: [c.keep_alive_s],
                   "cloudrun": lambda: [c.idle_timeout_s, c.autoscale_window_s, c.pending_timeout_s],
                   "lmi": lambda: [c.scaler_window_s, c.scale_in_cooldown_s, c.scale_growth_window_s,
                                   c.instance_launch_s]}[c.platform]()
    return WARMUP_FACTOR * max(memory)


@dataclass(frozen=True)
class Window:
    """Window k: its run covers [run_start_s, core_end_s) of the whole span and counts [core_start_s, core_end_s)
    (the last one until its last request ends)."""
    k: int
    run_start_s: float
    core_start_s: float
    core_end_s: float
    last: bool


def plan(duration_s: float, window_s: float, warmup_s: float) -> list[Window]:
    """The windows of [0, duration_s): cores of window_s (the last may be shorter), each run from warmup_s before."""
    n = max(1, math.ceil(duration_s / window_s - 1e-9))
    edges = [min(k * window_s, duration_s) for k in range(n)] + [duration_s]
    return [Window(k, max(0.0, edges[k] - warmup_s), edges[k], edges[k + 1], k == n - 1) for k in range(n)]


@dataclass(frozen=True)
class _Job:
    """What a worker needs for one window on one platform (picklable; a Replay ships only its slice)."""
    arrivals: ArrivalProcess | None      # None: the window's own timestamps below
    cpu_ms: Distribution | np.ndarray    # an array: the window's recorded values
    io_ms: Distribution | np.ndarray
    mode: str
    config: object
    window: Window
    seed: int
    step_s: float
    timestamps_s: np.ndarray | None = None


def _work(work, rng, n: int) -> np.ndarray:
    return work if isinstance(work, np.ndarray) else work.sample(rng, n)


def run_window(job: _Job) -> Aggregate:
    """Draw window job.window's arrivals and work from its own seed, run its config, reduce to an Aggregate."""
    w = job.window
    rng = window_streams(job.seed, w.k)
    t = job.timestamps_s if job.arrivals is None else arrivals_between(job.arrivals, rng["arrivals"],
                                                                       w.run_start_s, w.core_end_s)
    draws = Draws(t - w.run_start_s, _work(job.cpu_ms, rng["cpu"], t.size), _work(job.io_ms, rng["io"], t.size))
    ledger, end_s = run_draws(job.config, draws, job.mode, w.core_end_s - w.run_start_s, rng)
    core = (w.core_start_s - w.run_start_s, math.inf if w.last else w.core_end_s - w.run_start_s)
    aggregate = Aggregate.from_ledger(job.config, ledger, end_s, core_s=core, offset_s=w.run_start_s,
                                      step_s=job.step_s)
    # The model's events and callbacks form reference cycles that hold its per-request arrays; collected now,
    # a worker holds one window's memory, not several windows' (measured: 2.3 GiB after 18 day windows without).
    del ledger, draws
    gc.collect()
    return aggregate


def _jobs(spec: LongWorkload, configs, windows: list[Window], seed: int, step_s: float) -> list[_Job]:
    jobs = []
    for w in windows:
        arrivals, timestamps, work = spec.arrivals, None, [spec.cpu_ms, spec.io_ms]
        if isinstance(spec.arrivals, Replay):
            ts = spec.arrivals.timestamps_s
            lo, hi = np.searchsorted(ts, [w.run_start_s, w.core_end_s], side="left")
            arrivals, timestamps = None, ts[lo:hi]   # views: a worker receives (pickles) only its slice
            work = [d.values_ms[lo:hi] if isinstance(d, Recorded) else d for d in work]
        jobs += [_Job(arrivals, *work, spec.mode, config, w, seed, step_s, timestamps) for config in configs]
    return jobs


def local_workers(max_workers: int | None = None) -> int:
    """Worker processes of the default pool: the CPUs this process may use, at most MAX_LOCAL_WORKERS (a month
    runs alone on its machine; a room of students' kernels uses sim.cpus' smaller default cap)."""
    if max_workers is not None:
        return int(_check.number("max_workers", max_workers, low=1, high=1024, integer=True))
    return default_workers(cap=MAX_LOCAL_WORKERS)     # affinity and the container's CPU quota (sim.cpus)


def _check_run(configs, seed, window_s, warmup_s, step_s, executor) -> float:
    """Check what every windowed run takes; returns the warm-up (default warmup_for(configs))."""
    check_configs(configs)
    for c in configs:
        _check.choice("config.platform", getattr(c, "platform", None), ("lambda", "cloudrun", "lmi"))
    _check.number("seed", seed, low=0, integer=True)
    _check.number("window_s", window_s, low=1, high=366 * 86_400)
    _check.number("step_s", step_s, low=1e-3, high=86_400)
    if isinstance(executor, str):
        _check.choice("executor", executor, ("process",))
    elif not (executor is None or isinstance(executor, Executor) or hasattr(executor, "submit")):
        raise ValueError(f"executor={executor!r} is not allowed; expected 'process', None or a "
                         "concurrent.futures.Executor")
    return warmup_for(configs) if warmup_s is None else _check.number("warmup_s", warmup_s, low=0, high=86_400)


def _run_jobs(jobs, total: int, executor, max_workers: int | None, progress, ahead: int = PENDING_JOBS
              ) -> list[Aggregate]:
    """Run (index, job) pairs on the executor (a local pool of max_workers when it is "process"), at most `ahead`
    at a time (two per worker of the local pool); results by index. Jobs are taken from the iterable only as
    others finish, so a stream of windows is never all in memory."""
    report = progress_display("windows") if progress is True else _progress(progress)
    if isinstance(executor, str):
        workers = min(local_workers(max_workers), total)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return _run_jobs(jobs, total, pool, None, report, ahead=2 * workers)
    parts = [None] * total
    done = 0
    if report is not None:
        report(0, total)
    if executor is None:
        for i, job in jobs:
            parts[i], done = run_window(job), done + 1
            if report is not None:
                report(done, total)
        return parts
    pending = {}
    for i, job in itertools.chain(jobs, [(None, None)]):
        if job is not None:
            pending[executor.submit(run_window, job)] = i
        while pending and (len(pending) >= ahead or job is None):
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                parts[pending.pop(future)], done = future.result(), done + 1
                if report is not None:
                    report(done, total)
    return parts


def _merged(configs, parts) -> Comparison:
    n = len(configs)
    return Comparison((c.name, Aggregate.merge(parts[i::n])) for i, c in enumerate(configs))


def compare_windows(workload, *configs, seed: int = 0, window_s: float = WINDOW_S, warmup_s: float | None = None,
                    executor="process", max_workers: int | None = None, progress=None, step_s: float = STEP_S,
                    window_memory_bytes: int = WINDOW_MEMORY_BYTES) -> Comparison:
    """Run a long workload (a sim.Workload or a LongWorkload) on each config in windows, merged: a Comparison of
    Aggregates keyed by config name (`.table()` as sim.compare's; each has summary(), bill(), timeline()).

    window_s: the windows' length (default a day); warmup_s: the warm-up before each (default warmup_for(configs));
    executor: "process" (a local pool of max_workers processes, default local_workers()), None (serial) or any
    concurrent.futures.Executor (e.g. dask.distributed.Client(...).get_executor()); progress: None, True (a bar
    in notebooks, a text line elsewhere) or a callable(done, total) called as windows finish; step_s: the
    instances timeline's step. A window whose run would need more than window_memory_bytes is refused."""
    spec = LongWorkload.of(workload)
    warmup_s = _check_run(configs, seed, window_s, warmup_s, step_s, executor)
    _check.number("window_memory_bytes", window_memory_bytes, low=1, integer=True)
    windows = plan(spec.duration_s, window_s, warmup_s)
    most = max(spec.expected_between(w.run_start_s, w.core_end_s) for w in windows)
    need = most * BYTES_PER_REQUEST
    if need > window_memory_bytes:
        raise ValueError(f"window_s={window_s!r} is out of range: a window sends up to about {most:,.0f} requests "
                         f"and needs about {need / 1024 ** 3:,.2f} GiB, above window_memory_bytes="
                         f"{window_memory_bytes:,}; lower window_s (or raise window_memory_bytes)")
    jobs = _jobs(spec, configs, windows, int(seed), float(step_s))
    # The longest jobs first, so that no worker is left with a long one at the end; results come back in job order.
    cost = [spec.expected_between(j.window.run_start_s, j.window.core_end_s) * COST_PER_REQUEST[j.config.platform]
            for j in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -cost[i])
    return _merged(configs, _run_jobs(((i, jobs[i]) for i in order), len(jobs), executor, max_workers, progress))


def simulate_windows(workload, config, **options) -> Aggregate:
    """One platform in windows (the options of compare_windows)."""
    return compare_windows(workload, config, **options)[config.name]


def compare_chunks(chunks, *configs, duration_s: float, cpu_ms: Distribution = Fixed(50.0),
                   io_ms: Distribution = Fixed(0.0), mode: str = "sync", seed: int = 0, window_s: float = WINDOW_S,
                   warmup_s: float | None = None, executor="process", max_workers: int | None = None, progress=None,
                   step_s: float = STEP_S, cpu_share: float | None = None) -> Comparison:
    """compare_windows for a trace read in chunks, never all in memory: `chunks` yields its arrival timestamps
    (seconds since the trace began, in order across chunks), e.g.
    `(c["t_s"].to_numpy() for c in pandas.read_csv(path, chunksize=1_000_000))`. Each window takes its
    timestamps (with its warm-up's) as the chunks arrive and goes to a worker; only the windows in flight and the
    chunk being read are held. Timestamps from `duration_s` on are left out, as a Replay's are. Each request's
    work is drawn from `cpu_ms` and `io_ms` in its window, so the answer is compare_windows's on the same
    timestamps as one Replay. With `cpu_share`, chunks that carry each request's logged duration (sim.traffic's
    Chunks, `duration_ms`) give each request its own work instead, split as sim.workload.recorded_work splits it
    (cpu_share of it CPU, the rest I/O): compare_windows's answer with those Recorded values."""
    spec = LongWorkload(Poisson(0.0), duration_s, cpu_ms, io_ms, mode)   # checks the fields
    for name, work in (("cpu_ms", cpu_ms), ("io_ms", io_ms)):
        if isinstance(work, Recorded):
            raise ValueError(f"{name}={work!r} is not allowed with chunks; expected a distribution such as "
                             "Exponential(mean_ms=...)")
    if cpu_share is not None:
        _check.number("cpu_share", cpu_share, low=0, high=1)
    warmup_s = _check_run(configs, seed, window_s, warmup_s, step_s, executor)
    windows = plan(spec.duration_s, window_s, warmup_s)
    jobs = _chunk_jobs(iter(chunks), spec, configs, windows, int(seed), float(step_s), cpu_share)
    return _merged(configs, _run_jobs(enumerate(jobs), len(windows) * len(configs), executor, max_workers,
                                      progress))


def _chunk_jobs(chunks, spec: LongWorkload, configs, windows: list[Window], seed: int, step_s: float,
                cpu_share: float | None = None):
    """Each window's jobs, in window order, from a stream of timestamp chunks (and, with `cpu_share`, of each
    request's logged duration_ms)."""
    held, held_ms = np.zeros(0), np.zeros(0)
    count, last_s = 0, 0.0       # timestamps read so far (to name a bad one), the last of them
    for w, following in zip(windows, windows[1:] + [None]):
        while held.size == 0 or held[-1] < w.core_end_s:
            chunk = next(chunks, None)
            if chunk is None:
                break
            if cpu_share is not None:
                if getattr(chunk, "duration_ms", None) is None:
                    raise ValueError(f"cpu_share={cpu_share!r} is not allowed with chunks without durations; expected "
                                     "chunks with duration_ms (sim.traffic.read_chunks of a log that has them)")
                held_ms = np.concatenate([held_ms, np.asarray(chunk.duration_ms, dtype=float)])
            chunk = np.asarray(chunk, dtype=float).ravel()
            previous = np.r_[last_s, chunk[:-1]]
            bad = np.flatnonzero(~np.isfinite(chunk) | (chunk < 0) | (chunk < previous))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"timestamp {count + i} of the chunks, {float(chunk[i])!r}, is not allowed; expected "
                                 "finite seconds >= 0, in order across chunks")
            count += chunk.size
            last_s = chunk[-1] if chunk.size else last_s
            held = np.concatenate([held, chunk])
        lo, hi = np.searchsorted(held, [w.run_start_s, w.core_end_s], side="left")
        timestamps = held[lo:hi].copy()
        work = (spec.cpu_ms, spec.io_ms) if cpu_share is None else \
            (held_ms[lo:hi] * cpu_share, held_ms[lo:hi] * (1 - cpu_share))
        for config in configs:
            yield _Job(None, *work, spec.mode, config, w, seed, step_s, timestamps)
        if following is not None:
            keep = np.searchsorted(held, following.run_start_s, side="left")
            held, held_ms = held[keep:], held_ms[keep:] if cpu_share is not None else held_ms
