"""Aggregates of a run: what its summary, bill and instance timeline need, without a row per request.

A run (or one window of a long run, sim.windows) is reduced to counts by status, cold starts, a latency
histogram, the quantities its bill counts (sim.billing's *_usage functions) and the instances alive at a
coarse step, restricted to a `core` interval of the run: the requests that arrived in it, the busy
slices that began in it, the instance time inside it. Aggregates of disjoint cores merge by adding up.
Memory is O(instances + histogram buckets + timeline steps), whatever the number of requests.

Latency quantiles come from a fixed logarithmic histogram: bucket k holds latencies in
[LATENCY_MIN_S x GAMMA^k, LATENCY_MIN_S x GAMMA^(k+1)) and stands for its geometric midpoint, so each
latency from 1 microsecond to LATENCY_MAX_S is known within RELATIVE_ERROR (0.995%). A quantile is
np.percentile's linear interpolation between the two order statistics around its rank, each replaced
by its bucket's midpoint, so it too is within RELATIVE_ERROR of the exact np.percentile of the latencies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import _check
from .billing import ROUNDINGS_MS, USAGE_BILLS, alive_in, cloudrun_usage, lambda_usage, lmi_usage
from .ledger import OK, THROTTLED, TIMED_OUT, Ledger
from .intervals import open_at, peak_open

#: Ratio of a latency bucket's upper to its lower edge; its midpoint is within sqrt(GAMMA) - 1 of any value in it.
GAMMA = 1.02
RELATIVE_ERROR = math.sqrt(GAMMA) - 1.0
#: Latencies the histogram resolves within RELATIVE_ERROR: 1 microsecond to about 116 days.
LATENCY_MIN_S, LATENCY_MAX_S = 1e-6, 1e7
N_BUCKETS = math.ceil(math.log(LATENCY_MAX_S / LATENCY_MIN_S) / math.log(GAMMA))
#: Bucket values in seconds: 0 (a latency of exactly 0), LATENCY_MIN_S (0 to 1 us), the midpoints, LATENCY_MAX_S (above).
BUCKET_S = np.concatenate([[0.0, LATENCY_MIN_S],
                           LATENCY_MIN_S * GAMMA ** (np.arange(N_BUCKETS) + 0.5), [LATENCY_MAX_S]])
#: Default step of the instances timeline (seconds).
STEP_S = 300.0

SUMS = ("requests", "ok", "throttled", "timed_out", "placed", "cold_starts", "instances_started")


def latency_counts(latency_s: np.ndarray) -> np.ndarray:
    """Histogram counts (len(BUCKET_S)) of latencies in seconds."""
    x = np.asarray(latency_s, dtype=float)
    k = np.empty(x.size, dtype=np.int64)
    positive = x >= LATENCY_MIN_S
    k[~positive] = np.where(x[~positive] > 0, 1, 0)
    k[positive] = 2 + np.minimum(np.floor(np.log(x[positive] / LATENCY_MIN_S) / math.log(GAMMA)).astype(np.int64),
                                 N_BUCKETS)
    return np.bincount(k, minlength=BUCKET_S.size).astype(np.int64)


def histogram_percentile(counts: np.ndarray, q) -> np.ndarray:
    """np.percentile(latencies, q) (linear interpolation) from the histogram `counts`, in seconds."""
    q = np.atleast_1d(np.asarray(q, dtype=float))
    n = int(counts.sum())
    if n == 0:
        return np.full(q.shape, np.nan)
    rank = q / 100.0 * (n - 1)
    lo, hi = np.floor(rank).astype(np.int64), np.ceil(rank).astype(np.int64)
    cum = np.cumsum(counts)
    value = lambda j: BUCKET_S[np.searchsorted(cum, j, side="right")]
    return value(lo) + (rank - lo) * (value(hi) - value(lo))


@dataclass
class Aggregate:
    """Mergeable figures of one platform over `core_s` = (start, end) in seconds of the whole run."""
    config: object
    core_s: tuple[float, float]
    requests: int = 0
    ok: int = 0
    throttled: int = 0
    timed_out: int = 0
    placed: int = 0
    cold_starts: int = 0
    instances_started: int = 0
    peak_instances: int = 0
    latency_sum_ms: float = 0.0
    alive_s: float = 0.0
    latency_counts: np.ndarray = field(default_factory=lambda: np.zeros(BUCKET_S.size, dtype=np.int64))
    usage: dict = field(default_factory=dict)   # billing usage; Lambda: one per rounding_ms
    timeline_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    timeline_instances: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    step_s: float = STEP_S
    parts: list = field(default_factory=list)   # one row per merged window (for batch means)

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def from_ledger(cls, config, ledger: Ledger, end_s: float, core_s: tuple[float, float] | None = None,
                    offset_s: float = 0.0, step_s: float = STEP_S) -> "Aggregate":
        """Reduce a model's ledger (a run from 0 to `end_s`) over `core_s` (run time, default the whole run);
        `offset_s` is when the run started in the whole run's time."""
        return cls.from_arrays(config, end_s, core_s=core_s, offset_s=offset_s, step_s=step_s,
                               arrival_s=ledger.draws.arrival_s, start_s=ledger.start_s, end_s=ledger.end_s,
                               init_s=ledger.init_s, cold=ledger.cold, status=ledger.status,
                               instance_id=ledger.instance_id,
                               created_s=np.asarray(ledger.created_s, dtype=float),
                               ready_s=np.asarray(ledger.ready_s, dtype=float),
                               retired_s=np.asarray(ledger.retired_s, dtype=float),
                               instance_provisioned=np.asarray(ledger.instance_provisioned, dtype=bool))

    @classmethod
    def from_result(cls, result, step_s: float = STEP_S) -> "Aggregate":
        """Reduce a Result's tables over its whole window (to check the aggregates against the tables)."""
        req, inst = result.requests, result.instances
        return cls.from_arrays(result.config, result.window_s[1], step_s=step_s,
                               arrival_s=req["arrival_s"].to_numpy(), start_s=req["start_s"].to_numpy(),
                               end_s=req["end_s"].to_numpy(), init_s=req["init_s"].to_numpy(),
                               cold=req["cold"].to_numpy(dtype=bool), status=req["status"].cat.codes.to_numpy(),
                               instance_id=req["instance_id"].to_numpy(dtype=np.int64),
                               created_s=inst["created_s"].to_numpy(dtype=float),
                               ready_s=inst["ready_s"].to_numpy(dtype=float),
                               retired_s=inst["retired_s"].to_numpy(dtype=float),
                               instance_provisioned=inst["provisioned"].to_numpy(dtype=bool))

    @classmethod
    def from_arrays(cls, config, run_end_s: float, *, arrival_s, start_s, end_s, init_s, cold, status, instance_id,
                    created_s, ready_s, retired_s, instance_provisioned, core_s=None, offset_s: float = 0.0,
                    step_s: float = STEP_S) -> "Aggregate":
        """Reduce per-request arrays (in arrival order) and per-instance arrays of a run from 0 to `run_end_s`."""
        _check.number("step_s", step_s, low=0, low_open=True)
        run = (0.0, float(run_end_s))
        lo, hi = core_s if core_s is not None else (0.0, math.inf)
        first, last = np.searchsorted(arrival_s, [lo, hi], side="left")
        counted = np.zeros(arrival_s.size, dtype=bool)
        counted[first:last] = True
        part = slice(first, last)
        status_c, cold_c, iid_c = status[part], cold[part], instance_id[part]
        placed_c = iid_c >= 0
        ok_c = status_c == OK
        latency_s = (end_s[part] - arrival_s[part])[ok_c]
        provisioned = np.zeros(instance_id.size, dtype=bool)
        placed = instance_id >= 0
        provisioned[placed] = instance_provisioned[instance_id[placed]]
        invoked = status != THROTTLED
        platform = config.platform
        born = (created_s >= lo) & (created_s < hi)
        if platform == "lambda":
            ready = np.where(np.isnan(ready_s), run[1], ready_s)
            usage = {r: lambda_usage(config, invoked=invoked[part], provisioned=provisioned[part],
                                     service_s=end_s[part] - start_s[part], cold=cold_c, init_s=init_s[part],
                                     instance_provisioned=instance_provisioned & born, created_s=created_s,
                                     ready_s=ready, rounding_ms=r) for r in ROUNDINGS_MS}
        elif platform == "cloudrun":
            usage = cloudrun_usage(config, run, instance_id=np.arange(created_s.size, dtype=np.int64),
                                   created_s=created_s, ready_s=ready_s, retired_s=retired_s,
                                   instance_provisioned=instance_provisioned, request_instance_id=instance_id,
                                   start_s=start_s, end_s=end_s, core_s=core_s, counted=counted)
        else:
            usage = lmi_usage(created_s, retired_s, instance_provisioned, invoked[part], run, core_s)
        # instances: alive time, peak and timeline inside the core
        core_end = min(hi, run[1])
        alive = alive_in(created_s, retired_s, run, (lo, core_end) if core_s is not None else None)
        ends = np.where(np.isnan(retired_s), run[1], retired_s)
        if core_s is None:
            peak = peak_open(created_s, ends)
        else:
            inside = (created_s < core_end) & (ends > lo)
            peak = peak_open(np.maximum(created_s[inside], lo), np.minimum(ends[inside], core_end))
        top = min(hi + offset_s, run[1] + offset_s + step_s / 2)
        k = np.arange(math.ceil((lo + offset_s) / step_s - 1e-9), math.ceil(top / step_s - 1e-9))
        k = k[k * step_s < top]
        t = k * step_s
        alive_at = open_at(created_s, np.where(np.isnan(retired_s), np.inf, retired_s), t - offset_s)
        start_abs = lo + offset_s
        end_abs = (hi if hi < math.inf else run[1]) + offset_s
        agg = cls(config, (start_abs, end_abs), requests=int(last - first), ok=int(ok_c.sum()),
                  throttled=int((status_c == THROTTLED).sum()), timed_out=int((status_c == TIMED_OUT).sum()),
                  placed=int(placed_c.sum()), cold_starts=int((cold_c & placed_c).sum()),
                  instances_started=int(born.sum()), peak_instances=int(peak),
                  latency_sum_ms=float(np.sum(latency_s * 1000.0)), alive_s=float(np.sum(alive)),
                  latency_counts=latency_counts(latency_s), usage=usage, timeline_t_s=t,
                  timeline_instances=alive_at, step_s=float(step_s))
        agg.parts = [dict(start_s=start_abs, end_s=end_abs, requests=agg.requests, placed=agg.placed,
                          cold_starts=agg.cold_starts, cold_start_rate=agg.cold_start_rate,
                          latency_p99_ms=agg.latency_percentile_ms(99), cost_usd=agg.bill().total_usd)]
        return agg

    # -- merging ----------------------------------------------------------------------------------
    @classmethod
    def merge(cls, parts) -> "Aggregate":
        """The aggregate of consecutive windows of one platform (in time order; their cores must touch)."""
        parts = list(parts)
        if not parts:
            raise ValueError("parts=[] is not allowed; expected at least one Aggregate")
        names = {p.config for p in parts}
        if len(names) != 1:
            raise ValueError(f"parts have configs {sorted(map(repr, names))}; expected one platform config")
        for a, b in zip(parts, parts[1:]):
            if not math.isclose(a.core_s[1], b.core_s[0], rel_tol=0, abs_tol=1e-6):
                raise ValueError(f"parts cover {a.core_s} then {b.core_s}; expected consecutive windows")
        first = parts[0]
        merged = replace(first, core_s=(first.core_s[0], parts[-1].core_s[1]),
                         peak_instances=max(p.peak_instances for p in parts),
                         latency_sum_ms=math.fsum(p.latency_sum_ms for p in parts),
                         alive_s=math.fsum(p.alive_s for p in parts),
                         latency_counts=np.sum([p.latency_counts for p in parts], axis=0),
                         usage=_sum_usage([p.usage for p in parts]),
                         timeline_t_s=np.concatenate([p.timeline_t_s for p in parts]),
                         timeline_instances=np.concatenate([p.timeline_instances for p in parts]),
                         parts=[row for p in parts for row in p.parts])
        for name in SUMS:
            setattr(merged, name, sum(getattr(p, name) for p in parts))
        return merged

    # -- figures ----------------------------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return self.core_s[1] - self.core_s[0]

    @property
    def cold_start_rate(self) -> float:
        return self.cold_starts / self.placed if self.placed else 0.0

    def latency_percentile_ms(self, q):
        """Latency percentile(s) of the requests that succeeded, in ms, within RELATIVE_ERROR."""
        value = histogram_percentile(self.latency_counts, q) * 1000.0
        return float(value[0]) if np.ndim(q) == 0 else value

    def mean_instances(self) -> float:
        """Time-averaged number of instances alive."""
        return self.alive_s / self.duration_s if self.duration_s else 0.0

    def timeline(self) -> pd.DataFrame:
        """Instances alive every `step_s` seconds."""
        return pd.DataFrame({"t_s": self.timeline_t_s, "instances": self.timeline_instances})

    def bill(self, **options):
        """The itemised bill (sim.billing), with the options of sim.billing.bill."""
        usage = self.usage.get(options.get("rounding_ms", 1), self.usage.get(1)) \
            if self.config.platform == "lambda" else self.usage
        return USAGE_BILLS[self.config.platform](self.config, usage, self.core_s, **options)

    def batch_se(self, metric: str) -> float:
        """Standard error of a per-window figure ("cold_start_rate", "latency_p99_ms", ...) by batch means
        over the merged windows (NaN with fewer than two)."""
        values = np.array([row[metric] for row in self.parts], dtype=float)
        values = values[np.isfinite(values)]
        return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size >= 2 else math.nan

    def summary(self) -> dict:
        """The headline figures, with the keys of Result.summary (percentiles from the histogram)."""
        n = self.requests
        pct = self.latency_percentile_ms([50, 95, 99])
        return {
            "platform": self.config.name,
            "window_s": self.duration_s,
            "requests": n,
            "ok": self.ok,
            "throttled": self.throttled,
            "timed_out": self.timed_out,
            "throttle_rate": self.throttled / n if n else 0.0,
            "cold_starts": self.cold_starts,
            "cold_start_rate": self.cold_start_rate,
            "latency_mean_ms": self.latency_sum_ms / self.ok if self.ok else np.nan,
            "latency_p50_ms": float(pct[0]),
            "latency_p95_ms": float(pct[1]),
            "latency_p99_ms": float(pct[2]),
            "mean_instances": self.mean_instances(),
            "peak_instances": self.peak_instances,
            "instances_started": self.instances_started,
            "cost_usd": self.bill().total_usd,
        }


def _sum_usage(usages: list[dict]) -> dict:
    if isinstance(next(iter(usages[0].values())), dict):   # Lambda: one usage per rounding
        return {r: _sum_usage([u[r] for u in usages]) for r in usages[0]}
    return {key: math.fsum(u[key] for u in usages) for key in usages[0]}
