"""Chapter "Deployment shape": a function per invocation (Lambda) vs an HTTP server in a container (Cloud Run).

The experiments run one small API (requests that mostly wait on a database) on both shapes and read
what lives across requests from the run tables: environments or instances alive, a warm in-memory
cache and database connections (sim.state), and what a burst does to a database's connection limit.
The database wait is a query on a connection: a Cloud Run instance's requests share its pool of
`connections_per_instance` (`db_pool=True`) and wait for one when all are in use; a Lambda environment
holds its own, or, behind a pooler, waits for one of the pooler's (sim.connection_pool).
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import _check
from ..arrivals import ArrivalProcess, Poisson, Spike
from ..billing import date_range
from ..config import CloudRunConfig, LambdaConfig
from ..distributions import LogNormal
from ..plotting import PLATFORM_COLOURS, new_figure, platform_key, styled
from ..run import Comparison, compare, simulate
from ..state import db_connections, cache_hit_rate
from ..theory import mginf_mean_busy
from ..workload import Workload

SEED = 1
#: The chapter's API request: a little CPU, then a wait on the database (ms of one full vCPU / of waiting).
API_CPU_MS = LogNormal(median_ms=2.0, p95_ms=8.0)
API_IO_MS = LogNormal(median_ms=60.0, p95_ms=200.0)
#: An example cache: requests ask for one of this many equally popular keys (a modelling choice).
DISTINCT_KEYS = 1000

LAMBDA = LambdaConfig(name="Lambda")
LAMBDA_PROVISIONED = LambdaConfig(name="Lambda + provisioned concurrency", provisioned_concurrency=5)
CLOUD_RUN = CloudRunConfig(name="Cloud Run", db_pool=True)
CLOUD_RUN_INSTANCE = CloudRunConfig(name="Cloud Run, instance-based billing", billing="instance", db_pool=True)

#: Can code run between requests? Lambda freezes an idle environment; Cloud Run throttles the CPU of an
#: idle instance under request-based billing and keeps it under instance-based billing (facts.md s.4, s.5).
_BACKGROUND_WORK = {("lambda", None): "no: frozen between invocations",
                    ("cloudrun", "request"): "no: CPU throttled outside requests",
                    ("cloudrun", "instance"): "yes: CPU stays allocated"}


def api_workload(arrivals: ArrivalProcess, duration_s: float) -> Workload:
    """The chapter's API: `arrivals` over `duration_s`, each request a little CPU then a database wait."""
    return Workload(arrivals=arrivals, duration_s=duration_s, cpu_ms=API_CPU_MS, io_ms=API_IO_MS)


def side_by_side(rate_per_s: float = 20.0, duration_s: float = 900.0, configs: Sequence | None = None,
                 seed: int = SEED) -> Comparison:
    """Steady Poisson traffic at `rate_per_s` on each config (default: Lambda, Lambda with provisioned
    concurrency, Cloud Run with request-based and with instance-based billing), same arrivals for all."""
    _check.number("rate_per_s", rate_per_s, low=0, low_open=True)
    configs = configs or (LAMBDA, LAMBDA_PROVISIONED, CLOUD_RUN, CLOUD_RUN_INSTANCE)
    return compare(api_workload(Poisson(rate_per_s=rate_per_s), duration_s), *configs, seed=seed)


def expected_in_flight(rate_per_s: float, config) -> float:
    """λ·E[S] (M/G/∞): the mean number of requests in flight on Lambda, cold starts aside."""
    if config.platform != "lambda":
        raise ValueError(f"config.platform={config.platform!r} is not allowed; expected 'lambda' "
                         "(on Cloud Run requests share vCPUs, so E[S] depends on the load)")
    mean_service_s = (API_CPU_MS.mean_ms * config.cpu_slowdown + API_IO_MS.mean_ms) / 1000.0
    return mginf_mean_busy(rate_per_s, mean_service_s)


def mean_in_flight(result) -> float:
    """Time-averaged number of requests being handled (Little's law: Σ service time / window)."""
    placed = result.requests[result.requests["instance_id"] >= 0]
    return float(placed["service_s"].sum() / result.duration_s)


def background_work(config) -> str:
    """Whether code can keep running on an environment or instance between requests."""
    billing = getattr(config, "billing", None) if config.platform == "cloudrun" else None
    return _BACKGROUND_WORK[(config.platform, billing)]


def shape_table(runs: Comparison, distinct_keys: int = DISTINCT_KEYS) -> pd.DataFrame:
    """One row per config: capacity, what lives across requests, cold starts, latency and cost."""
    rows = []
    for name, result in runs.items():
        summary = result.summary()
        connections = db_connections(result)
        rows.append({
            "config": name,
            "platform": platform_key(result.config.platform),
            "requests": summary["requests"],
            "started": summary["instances_started"],
            "mean_alive": summary["mean_instances"],
            "peak_alive": summary["peak_instances"],
            "mean_in_flight": mean_in_flight(result),
            "requests_per_instance": summary["requests"] / max(summary["instances_started"], 1),
            "cold_start_rate": summary["cold_start_rate"],
            "cache_hit_rate": cache_hit_rate(result, distinct_keys),
            "mean_db_connections": connections.mean,
            "peak_db_connections": connections.peak,
            "background_work": background_work(result.config),
            "latency_p50_ms": summary["latency_p50_ms"],
            "latency_p99_ms": summary["latency_p99_ms"],
            "cost_usd": summary["cost_usd"],
        })
    return pd.DataFrame(rows).set_index("config")


def state_sweep(rates_per_s: Sequence[float] = (1.0, 5.0, 20.0, 50.0), duration_s: float = 600.0,
                distinct_keys: int = DISTINCT_KEYS, seed: int = SEED) -> pd.DataFrame:
    """Cache hit rate and database connections on Lambda and Cloud Run, one row per platform and rate."""
    rows = []
    for rate_per_s in rates_per_s:
        runs = side_by_side(rate_per_s, duration_s, configs=(LAMBDA, CLOUD_RUN), seed=seed)
        table = shape_table(runs, distinct_keys).reset_index()
        table.insert(1, "rate_per_s", float(rate_per_s))
        rows.append(table[["config", "rate_per_s", "platform", "mean_alive", "cache_hit_rate",
                           "mean_db_connections", "peak_db_connections"]])
    return pd.concat(rows, ignore_index=True)


def billing_costs(rates_per_s: Sequence[float] = (1.0, 5.0, 20.0, 50.0), duration_s: float = 600.0,
                  seed: int = SEED) -> pd.DataFrame:
    """Cloud Run under request-based and instance-based billing (which allows background work), by rate.

    The two runs are identical apart from the bill: billing does not change how requests are served.
    """
    rows = []
    for rate_per_s in rates_per_s:
        runs = side_by_side(rate_per_s, duration_s, configs=(CLOUD_RUN, CLOUD_RUN_INSTANCE), seed=seed)
        request_based, instance_based = runs[CLOUD_RUN.name], runs[CLOUD_RUN_INSTANCE.name]
        bills = request_based.bill(), instance_based.bill()
        rows.append({"rate_per_s": float(rate_per_s),
                     "request_based_usd": bills[0].total_usd,
                     "instance_based_usd": bills[1].total_usd,
                     "mean_instances": request_based.mean_instances(),
                     "prices_as_of": date_range(pd.concat([bill.lines["as_of"] for bill in bills]))})
    table = pd.DataFrame(rows)
    table["instance_over_request"] = table["instance_based_usd"] / table["request_based_usd"]
    return table


def _line_style(platform: str) -> dict:
    return {"color": PLATFORM_COLOURS[platform], "linestyle": "-" if platform == "lambda" else "--",
            "marker": "o" if platform == "lambda" else "s"}


@styled
def plot_state_sweep(sweep: pd.DataFrame, ax=None) -> Figure:
    """Two panels against the request rate: cache hit rate, and mean database connections.

    `ax`: None for a new figure, or a pair of Axes to draw into.
    """
    fig, (left, right) = new_figure(ax, ncols=2, figsize=(9.0, 3.6))
    for (name, platform), rows in sweep.groupby(["config", "platform"], sort=False):
        left.plot(rows["rate_per_s"], rows["cache_hit_rate"], label=name, **_line_style(platform))
        right.plot(rows["rate_per_s"], rows["mean_db_connections"], label=name, **_line_style(platform))
    rates = sorted(sweep["rate_per_s"].unique())
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_xticks(rates, [f"{rate:g}" for rate in rates])
        axis.minorticks_off()
        axis.set_xlabel("requests per second (log scale)")
        axis.set_ylim(bottom=0)
    left.set_ylim(0, 1.02)
    left.set_ylabel("cache hit rate")
    left.set_title("Warm cache")
    right.set_ylabel("mean database connections")
    right.set_title("Database connections held")
    left.legend(loc="lower right")
    return fig


# ---------------------------------------------------------------- a burst against a database's limit
def burst_workload(base_rate_per_s: float = 5.0, spike_rate_per_s: float = 300.0, spike_start_s: float = 120.0,
                   spike_duration_s: float = 30.0, duration_s: float = 600.0) -> Workload:
    """The chapter's API under a one-off spike of traffic."""
    return api_workload(Spike(base_rate_per_s=base_rate_per_s, spike_rate_per_s=spike_rate_per_s,
                              spike_start_s=spike_start_s, spike_duration_s=spike_duration_s), duration_s)


def burst_runs(workload: Workload | None = None, seed: int = SEED) -> Comparison:
    """The burst on default Lambda and default Cloud Run (same arrivals)."""
    return compare(workload or burst_workload(), LAMBDA, CLOUD_RUN, seed=seed)


def in_flight_at_start(result) -> np.ndarray:
    """For each placed request, how many other requests were being handled when it started."""
    placed = result.requests[result.requests["instance_id"] >= 0]
    start = placed["start_s"].to_numpy(dtype=float)
    end = placed["end_s"].to_numpy(dtype=float)
    started_before = np.searchsorted(np.sort(start), start, side="left")
    ended_by = np.searchsorted(np.sort(end), start, side="right")
    return started_before - ended_by


@functools.lru_cache(maxsize=8)
def _behind_pooler(workload: Workload, config: LambdaConfig, seed: int, pooler_max_connections: int):
    return simulate(workload, dataclasses.replace(config, name=f"{config.name} + pooler",
                                                  pooler_max_connections=pooler_max_connections), seed=seed)


def pooler_run(result, pooler_max_connections: int):
    """The run of `result` (a Lambda run) again, with the same draws, behind a pooler of
    `pooler_max_connections`: each request's query waits for one of the pooler's connections."""
    _check.number("pooler_max_connections", pooler_max_connections, low=1, high=1_000_000, integer=True)
    return _behind_pooler(result.workload, result.config, result.seed, int(pooler_max_connections))


def _setups(runs: Comparison, db_max_connections: int, pooler_max_connections: int):
    """(setup name, platform, result, ConnectionReport, pool size or None) for each way of connecting."""
    lam, cloud_run = runs[LAMBDA.name], runs[CLOUD_RUN.name]
    pooled = pooler_run(lam, pooler_max_connections)
    return [
        ("Lambda, direct", "lambda", lam, db_connections(lam, db_max_connections), None),
        ("Lambda + pooler", "lambda", pooled,
         db_connections(pooled, db_max_connections, pooler_max_connections), pooler_max_connections),
        ("Cloud Run, direct", "cloudrun", cloud_run, db_connections(cloud_run, db_max_connections), None),
    ]


def connection_table(runs: Comparison, db_max_connections: int, pooler_max_connections: int) -> pd.DataFrame:
    """What the database sees under the burst: one row per setup (Lambda direct, Lambda with a pooler,
    Cloud Run direct). `waited_for_pool` counts requests that found every connection of their pool in use
    (the pooler's, or their Cloud Run instance's) and waited for one; the wait is in their latency
    (`mean_pool_wait_ms` over all requests, `latency_p99_ms`)."""
    _check.number("db_max_connections", db_max_connections, low=1, integer=True)
    _check.number("pooler_max_connections", pooler_max_connections, low=1, integer=True)
    rows = []
    for setup, platform, result, report, _pool in _setups(runs, db_max_connections, pooler_max_connections):
        in_flight = in_flight_at_start(result)
        rows.append({
            "setup": setup,
            "platform": platform,
            "environments_or_instances": int(len(result.instances)),
            "peak_in_flight": int(in_flight.max(initial=0)) + 1,
            "peak_db_connections": report.peak,
            "mean_db_connections": report.mean,
            "refused": report.refused_instances,
            "failed_requests": report.failed_requests,
            "failed_share": report.failed_requests / max(len(result.requests), 1),
            "waited_for_pool": int((result.requests["pool_wait_s"] > 0).sum()),
            "mean_pool_wait_ms": 1000.0 * float(result.requests["pool_wait_s"].mean()),
            "latency_p99_ms": float(result.summary()["latency_p99_ms"]),
        })
    return pd.DataFrame(rows).set_index("setup")


def _bin_maximum(times_s: np.ndarray, values: np.ndarray, edges_s: np.ndarray) -> np.ndarray:
    """Highest value of a step function (value[k] on [times_s[k], times_s[k+1])) within each bin of `edges_s`."""
    at_start = values[np.maximum(np.searchsorted(times_s, edges_s[:-1], side="right") - 1, 0)]
    bin_of_step = np.searchsorted(edges_s, times_s, side="right") - 1
    inside = (bin_of_step >= 0) & (bin_of_step < edges_s.size - 1)
    peak = at_start.copy()
    np.maximum.at(peak, bin_of_step[inside], values[inside])
    return peak


def connection_series(runs: Comparison, db_max_connections: int, pooler_max_connections: int,
                      step_s: float = 1.0) -> pd.DataFrame:
    """Database connections over time, long format (setup, platform, t_s, connections): the highest
    count within each `step_s` bin starting at t_s, so that brief peaks are not lost."""
    _check.number("step_s", step_s, low=0, low_open=True)
    frames = []
    for setup, platform, result, report, _pool in _setups(runs, db_max_connections, pooler_max_connections):
        edges_s = np.arange(0.0, result.window_s[1] + step_s, step_s)
        frames.append(pd.DataFrame({"setup": setup, "platform": platform, "t_s": edges_s[:-1],
                                    "connections": _bin_maximum(report.times_s, report.connections, edges_s)}))
    return pd.concat(frames, ignore_index=True)


_SETUP_LINESTYLE = {"Lambda, direct": "-", "Lambda + pooler": ":", "Cloud Run, direct": "--"}


@styled
def plot_connections(series: pd.DataFrame, db_max_connections: int, ax=None) -> Figure:
    """Connections the database holds over time (highest in each bin) for each setup, with its limit."""
    fig, ax = new_figure(ax, figsize=(7.0, 4.2))
    for setup, rows in series.groupby("setup", sort=False):
        ax.step(rows["t_s"], rows["connections"], where="post", label=setup,
                color=PLATFORM_COLOURS[rows["platform"].iloc[0]], linestyle=_SETUP_LINESTYLE.get(setup, "-"))
    ax.axhline(db_max_connections, color="#444444", linewidth=1.2, linestyle="-.",
               label=f"database limit ({db_max_connections}, an example)")
    ax.set_xlim(0, series["t_s"].max())
    ax.set_ylim(0, db_max_connections * 1.25)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("database connections")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9)
    return fig
