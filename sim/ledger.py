"""The ledger a run writes into: per-request outcomes in numpy arrays, per-instance lifetimes in lists."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .workload import Draws

STATUSES = ("ok", "throttled", "timed_out")
OK, THROTTLED, TIMED_OUT = range(3)


class Ledger:
    """What happened to every request and every execution environment / container instance."""

    def __init__(self, draws: Draws):
        n = len(draws)
        self.draws = draws
        self.start_s = np.full(n, np.nan)
        self.end_s = np.full(n, np.nan)
        self.init_s = np.zeros(n)
        self.cold = np.zeros(n, dtype=bool)
        self.status = np.zeros(n, dtype=np.int8)
        self.instance_id = np.full(n, -1, dtype=np.int64)
        self.provisioned = np.zeros(n, dtype=bool)
        self.created_s: list[float] = []
        self.ready_s: list[float] = []
        self.retired_s: list[float] = []
        self.instance_provisioned: list[bool] = []
        self.requests_served: list[int] = []

    def new_instance(self, created_s: float, ready_s: float, provisioned: bool = False) -> int:
        """Register an environment or instance; returns its id."""
        self.created_s.append(created_s)
        self.ready_s.append(ready_s)
        self.retired_s.append(np.nan)
        self.instance_provisioned.append(provisioned)
        self.requests_served.append(0)
        return len(self.created_s) - 1

    def place(self, i: int, instance_id: int, start_s: float, end_s: float, *, cold: bool = False,
              init_s: float = 0.0, timed_out: bool = False) -> None:
        """Record that request `i` ran on `instance_id` from `start_s` to `end_s`."""
        self.begin(i, instance_id, start_s, cold=cold, init_s=init_s)
        self.finish(i, end_s, timed_out=timed_out)

    def begin(self, i: int, instance_id: int, start_s: float, *, cold: bool = False, init_s: float = 0.0) -> None:
        """Record that request `i` started on `instance_id` at `start_s`."""
        self.start_s[i] = start_s
        self.instance_id[i] = instance_id
        self.provisioned[i] = self.instance_provisioned[instance_id]
        self.requests_served[instance_id] += 1
        if cold:
            self.cold[i] = True
            self.init_s[i] = init_s

    def finish(self, i: int, end_s: float, *, timed_out: bool = False) -> None:
        """Record that request `i` ended (or its client gave up, if `timed_out`) at `end_s`."""
        self.end_s[i] = end_s
        if timed_out:
            self.status[i] = TIMED_OUT

    def throttle(self, i: int, at_s: float) -> None:
        """Record that request `i` was refused (HTTP 429) at `at_s`."""
        self.start_s[i] = at_s
        self.end_s[i] = at_s
        self.status[i] = THROTTLED

    def requests_table(self) -> pd.DataFrame:
        d = self.draws
        return pd.DataFrame({
            "arrival_s": d.arrival_s,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "latency_s": self.end_s - d.arrival_s,
            "wait_s": np.maximum(0.0, np.where(self.status == THROTTLED, self.start_s - d.arrival_s,
                               self.start_s - d.arrival_s - np.where(self.cold, self.init_s, 0.0))),
            "init_s": self.init_s,
            "cpu_ms": d.cpu_ms,
            "io_ms": d.io_ms,
            "service_s": self.end_s - self.start_s,
            "cold": self.cold,
            "status": pd.Categorical.from_codes(self.status, categories=list(STATUSES)),
            "instance_id": self.instance_id,
            "provisioned": self.provisioned,
        })

    def instances_table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "instance_id": np.arange(len(self.created_s), dtype=np.int64),
            "created_s": np.asarray(self.created_s, dtype=float),
            "ready_s": np.asarray(self.ready_s, dtype=float),
            "retired_s": np.asarray(self.retired_s, dtype=float),
            "provisioned": np.asarray(self.instance_provisioned, dtype=bool),
            "requests_served": np.asarray(self.requests_served, dtype=np.int64),
        })
