"""The ledger a run writes into: per-request outcomes in numpy arrays, per-instance lifetimes in lists.

A model records one request at a time. Indexing a numpy array with a Python int is slow (it makes a
numpy scalar), so each array is written through a `memoryview` of it: the same bytes, written about
3x faster, with Python floats in and out. Which instance a request ran on is enough to derive its
`provisioned` flag and each instance's `requests_served` when the tables are built. A request's wait
for a database connection (sim.connection_pool) is part of its service time and is also kept on its own.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .workload import Draws

STATUSES = ("ok", "throttled", "timed_out")
OK, THROTTLED, TIMED_OUT = range(3)


def per_event_view(values: np.ndarray) -> memoryview:
    """Read access to a block of draws one element at a time, for the models' event handlers: a memoryview
    returns Python floats, several times faster to index and to compute with than numpy scalars."""
    return memoryview(np.ascontiguousarray(values, dtype=float))


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
        self.pool_wait_s = np.zeros(n)   # time spent waiting for a database connection (within the service time)
        # Fast element access to the arrays above (see the module docstring).
        self._start_s, self._end_s, self._init_s = (memoryview(a) for a in (self.start_s, self.end_s, self.init_s))
        self._cold, self._status, self._instance_id = (memoryview(a) for a in (self.cold, self.status,
                                                                                self.instance_id))
        self._pool_wait_s = memoryview(self.pool_wait_s)
        self.created_s: list[float] = []
        self.ready_s: list[float] = []
        self.retired_s: list[float] = []
        self.instance_provisioned: list[bool] = []

    def new_instance(self, created_s: float, ready_s: float, provisioned: bool = False) -> int:
        """Register an environment or instance; returns its id."""
        self.created_s.append(created_s)
        self.ready_s.append(ready_s)
        self.retired_s.append(np.nan)
        self.instance_provisioned.append(provisioned)
        return len(self.created_s) - 1

    def place(self, i: int, instance_id: int, start_s: float, end_s: float, *, cold: bool = False,
              init_s: float = 0.0, timed_out: bool = False) -> None:
        """Record that request `i` ran on `instance_id` from `start_s` to `end_s`."""
        self._start_s[i] = start_s
        self._end_s[i] = end_s
        self._instance_id[i] = instance_id
        if cold:
            self._cold[i] = True
            self._init_s[i] = init_s
        if timed_out:
            self._status[i] = TIMED_OUT

    def begin(self, i: int, instance_id: int, start_s: float, *, cold: bool = False, init_s: float = 0.0) -> None:
        """Record that request `i` started on `instance_id` at `start_s`."""
        self._start_s[i] = start_s
        self._instance_id[i] = instance_id
        if cold:
            self._cold[i] = True
            self._init_s[i] = init_s

    def finish(self, i: int, end_s: float, timeout_s: float) -> None:
        """Record that request `i` ended at `end_s`, or that its client gave up `timeout_s` after its start
        (recorded by `begin`) if that came first."""
        start_s = self._start_s[i]
        if end_s - start_s > timeout_s:
            self._end_s[i] = start_s + timeout_s
            self._status[i] = TIMED_OUT
        else:
            self._end_s[i] = end_s

    def throttle(self, i: int, at_s: float) -> None:
        """Record that request `i` was refused (HTTP 429) at `at_s`."""
        self._start_s[i] = at_s
        self._end_s[i] = at_s
        self._status[i] = THROTTLED

    def requests_table(self) -> pd.DataFrame:
        d = self.draws
        placed = self.instance_id >= 0
        provisioned = np.zeros(len(d), dtype=bool)
        provisioned[placed] = np.asarray(self.instance_provisioned, dtype=bool)[self.instance_id[placed]]
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
            "pool_wait_s": self.pool_wait_s,
            "cold": self.cold,
            "status": pd.Categorical.from_codes(self.status, categories=list(STATUSES)),
            "instance_id": self.instance_id,
            "provisioned": provisioned,
        })

    def instances_table(self) -> pd.DataFrame:
        count = len(self.created_s)
        served = np.bincount(self.instance_id[self.instance_id >= 0], minlength=count)[:count]
        return pd.DataFrame({
            "instance_id": np.arange(count, dtype=np.int64),
            "created_s": np.asarray(self.created_s, dtype=float),
            "ready_s": np.asarray(self.ready_s, dtype=float),
            "retired_s": np.asarray(self.retired_s, dtype=float),
            "provisioned": np.asarray(self.instance_provisioned, dtype=bool),
            "requests_served": served.astype(np.int64),
        })
