"""Per-instance state: database connections and warm in-memory caches, derived from a run's tables.

Each Lambda execution environment holds one database connection for its whole life; each Cloud Run
instance holds a pool of `connections_per_instance`. A connection pooler (RDS Proxy-like) sits
between them and the database: the database then sees only the connections in use, at most the
pooler's cap. Cache warmth depends only on how many requests an instance has served before.
The wait for a connection is not computed here: the models simulate it where a run says its I/O is a
query on a pool (`db_pool` on Cloud Run and LMI, `pooler_max_connections` on Lambda; sim.connection_pool),
and it is in each request's latency and `pool_wait_s`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _check
from .intervals import step_function, step_mean


@dataclass(frozen=True)
class ConnectionReport:
    """What the database sees during a run."""
    peak: int
    mean: float
    refused_instances: int      # instances that got no connection: the database was full
    failed_requests: int        # requests served by those instances (they fail with a DB error)
    times_s: np.ndarray         # step function of connections held: value[k] holds on [times_s[k], times_s[k+1])
    connections: np.ndarray


def connections_per_instance(config) -> int:
    """Connections one environment/instance opens: 1 on Lambda, the app's pool size on Cloud Run."""
    return 1 if config.platform == "lambda" else int(config.connections_per_instance)


def db_connections(result, db_max_connections: int | None = None,
                   pooler_max_connections: int | None = None) -> ConnectionReport:
    """Database connections over the run, with an optional connection limit and pooler."""
    if db_max_connections is not None:
        _check.number("db_max_connections", db_max_connections, low=1, high=1_000_000, integer=True)
    if pooler_max_connections is not None:
        _check.number("pooler_max_connections", pooler_max_connections, low=1, high=1_000_000, integer=True)
        cap = pooler_max_connections if db_max_connections is None else min(pooler_max_connections,
                                                                            db_max_connections)
        req = result.requests[result.requests["instance_id"] >= 0]
        times, in_flight = step_function(req["start_s"].to_numpy(), req["end_s"].to_numpy())
        held = np.minimum(in_flight, cap)
        return ConnectionReport(int(held.max(initial=0)), step_mean(times, held, result.window_s[1]),
                                0, 0, times, held)
    inst = result.instances
    per = connections_per_instance(result.config)
    created = inst["created_s"].to_numpy()
    retired = inst["retired_s"].fillna(np.inf).to_numpy()
    granted = _grant(created, retired, per, db_max_connections)
    refused = np.flatnonzero(granted == 0)
    failed = int(np.isin(result.requests["instance_id"].to_numpy(), inst["instance_id"].to_numpy()[refused]).sum())
    times, held = step_function(created, np.minimum(retired, result.window_s[1]), weight=granted)
    return ConnectionReport(int(held.max(initial=0)), step_mean(times, held, result.window_s[1]),
                            int(refused.size), failed, times, held)


def _grant(created: np.ndarray, retired: np.ndarray, per: int, limit: int | None) -> np.ndarray:
    """Connections each instance obtains, in creation order, when the database allows at most `limit`."""
    granted = np.full(created.size, per, dtype=np.int64)
    if limit is None:
        return granted
    events = sorted([(t, 0, k) for k, t in enumerate(retired) if np.isfinite(t)]
                    + [(t, 1, k) for k, t in enumerate(created)])   # releases before opens at equal times
    held = 0
    for _t, kind, k in events:
        if kind == 0:
            held -= granted[k]
        else:
            granted[k] = min(per, max(0, limit - held))
            held += granted[k]
    return granted


def cache_hit_rate(result, distinct_keys: int = 1000) -> float:
    """Expected share of requests served from a warm per-instance cache.

    Each request asks for one of `distinct_keys` equally popular keys, and an instance caches every
    key it has fetched: after n requests, the next one hits with probability 1 - (1 - 1/K)^n.
    """
    _check.number("distinct_keys", distinct_keys, low=1, high=1e12, integer=True)
    req = result.requests[result.requests["instance_id"] >= 0]
    if req.empty:
        return 0.0
    served_before = req.sort_values("start_s", kind="stable").groupby("instance_id").cumcount().to_numpy()
    return float(np.mean(1.0 - (1.0 - 1.0 / distinct_keys) ** served_before))
