"""The result of one run: tidy tables, a summary, a timeline and a bill."""
from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from .intervals import open_at, peak_open
from .ledger import Ledger


class Result:
    """Tables of one simulated run. `requests` and `instances` are pandas DataFrames (docs/design.md s.3.1)."""

    def __init__(self, config, workload, seed: int, ledger: Ledger, end_s: float):
        self.config = config
        self.workload = workload
        self.seed = seed
        self.window_s = (0.0, float(end_s))
        self.requests = ledger.requests_table()
        self.instances = ledger.instances_table()

    def __repr__(self):
        return (f"<Result {self.config.name}: {len(self.requests):,} requests, "
                f"{len(self.instances):,} instances, window {self.window_s[1]:,.1f} s>")

    @property
    def duration_s(self) -> float:
        return self.window_s[1] - self.window_s[0]

    def bill(self):
        """The itemised bill of this run (sim.billing)."""
        from .billing import bill
        return bill(self)

    @cached_property
    def _alive_intervals(self) -> tuple[np.ndarray, np.ndarray]:
        inst = self.instances
        end = self.window_s[1]
        return inst["created_s"].to_numpy(), inst["retired_s"].fillna(end).to_numpy()

    def mean_instances(self) -> float:
        """Time-averaged number of environments / instances alive (starting, busy or idle)."""
        created, retired = self._alive_intervals
        return float(np.sum(retired - created) / self.duration_s) if self.duration_s else 0.0

    def timeline(self, step_s: float | None = None) -> pd.DataFrame:
        """Instances alive, requests in flight and requests waiting, sampled every `step_s` seconds."""
        end = self.window_s[1]
        if step_s is None:
            step_s = max(end / 500.0, 1e-3)
        if not step_s > 0:
            raise ValueError(f"step_s={step_s!r} is out of range; expected a number > 0")
        t = np.arange(0.0, end + step_s / 2, step_s)
        created = self.instances["created_s"].to_numpy()
        retired = self.instances["retired_s"].fillna(np.inf).to_numpy()   # alive at the window's end
        req = self.requests
        placed = req[req["instance_id"] >= 0]
        ready = self.instances["ready_s"].to_numpy()
        return pd.DataFrame({
            "t_s": t,
            "instances": open_at(created, retired, t),
            "starting": open_at(created, ready, t),
            "in_flight": open_at(placed["start_s"].to_numpy(), placed["end_s"].to_numpy(), t),
            "waiting": open_at(req["arrival_s"].to_numpy(),
                               (req["start_s"] - req["init_s"]).to_numpy(), t),
        })

    def peak_instances(self) -> int:
        """Most environments / instances alive at once (exact, from the lifetimes)."""
        created, retired = self._alive_intervals
        return peak_open(created, retired)

    def figures(self) -> dict:
        """Every headline figure of this run: `SUMMARY_KEYS`, then the longest wait (s) and the bill projected
        to a 30-day month. The one place a run becomes a row (the experiments pick their columns from it)."""
        bill = self.bill()
        return {
            "platform": self.config.name,
            "window_s": self.duration_s,
            **request_figures(self.requests),
            "mean_instances": self.mean_instances(),
            "peak_instances": self.peak_instances(),
            "instances_started": int(len(self.instances)),
            "cost_usd": bill.total_usd,
            "monthly_usd": bill.monthly_usd,
        }

    def summary(self) -> dict:
        """A flat dict of the headline figures of this run (the keys `SUMMARY_KEYS`)."""
        figures = self.figures()
        return {key: figures[key] for key in SUMMARY_KEYS}


#: The keys of `Result.summary`, in order (sim.aggregate's summary has the same).
SUMMARY_KEYS = ("platform", "window_s", "requests", "ok", "throttled", "timed_out", "throttle_rate", "cold_starts",
                "cold_start_rate", "latency_mean_ms", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
                "mean_instances", "peak_instances", "instances_started", "cost_usd")


def request_figures(requests: pd.DataFrame) -> dict:
    """Counts, shares, latency (ms, of requests served) and the longest wait (s) of a table of requests:
    `Result.requests` or any slice of it (say, the requests that arrived during a spike)."""
    status = requests["status"]
    ok = requests[status == "ok"]
    placed = requests[requests["instance_id"] >= 0]
    lat_ms = ok["latency_s"].to_numpy() * 1000.0
    pct = np.percentile(lat_ms, [50, 95, 99]) if lat_ms.size else [np.nan] * 3
    n = len(requests)
    return {
        "requests": n,
        "ok": int(len(ok)),
        "throttled": int((status == "throttled").sum()),
        "timed_out": int((status == "timed_out").sum()),
        "throttle_rate": float((status == "throttled").mean()) if n else 0.0,
        "cold_starts": int(placed["cold"].sum()),
        "cold_start_rate": float(placed["cold"].mean()) if len(placed) else 0.0,
        "latency_mean_ms": float(lat_ms.mean()) if lat_ms.size else np.nan,
        "latency_p50_ms": float(pct[0]),
        "latency_p95_ms": float(pct[1]),
        "latency_p99_ms": float(pct[2]),
        "wait_max_s": float(requests["wait_s"].max()) if n else 0.0,
    }
