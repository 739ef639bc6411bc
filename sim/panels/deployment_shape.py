"""Lab 1 panel: what lives across requests under a burst: environments or instances, a warm cache,
and the database connections they hold, with and without a connection pooler.

The workload is chapter 1's API (a little CPU, then a database wait) under a one-off spike, kept short
so that the panel answers quickly. Run it without widgets with `run(**DEFAULTS)` (the result table).
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import _check, controls as fitted, widgets
from ..config import CloudRunConfig, LambdaConfig
from ..experiments.deployment_shape import API_CPU_MS, API_IO_MS, DISTINCT_KEYS
from ..plotting import STYLE, platform_colour, platform_key, plot_instances, PLATFORM_LINESTYLES
from ..run import Comparison
from ..state import cache_hit_rate, db_connections
from ._common import (PANEL_MAX_REQUESTS, SpikeWindow, check_configs, column_table, figure, limited, run_configs,
                      standard_rows, table_at)

SEED = 1
CONFIGS = (LambdaConfig(name="Lambda"), CloudRunConfig(name="Cloud Run"))
#: The burst: a steady trickle, then ten seconds at spike_rate_per_s (requests per second).
BASE_RATE_PER_S, SPIKE_START_S, SPIKE_DURATION_S, DURATION_S = 2.0, 60.0, 10.0, 180.0
DEFAULTS = {"spike_rate_per_s": 200.0, "db_max_connections": 25, "pooler": False, "pooler_max_connections": 15,
            "connections_per_instance": CloudRunConfig().connections_per_instance,
            "max_concurrency": CloudRunConfig().max_concurrency}


@dataclass(frozen=True)
class ShapeRun:
    """The burst on every config, and the database the panel connects them to."""
    runs: Comparison
    db_max_connections: int
    pooler_max_connections: int | None      # None: no pooler, each environment/instance connects directly


BURST = SpikeWindow(BASE_RATE_PER_S, SPIKE_START_S, SPIKE_DURATION_S, DURATION_S)
arrivals, expected_requests = BURST.arrivals, BURST.expected_requests


def scenario(**values) -> str:
    """The lab's burst and database in words, at these settings (DEFAULTS for any left out)."""
    values = {**DEFAULTS, **values}
    return (f"For {DURATION_S / 60:g} minutes the API gets {BASE_RATE_PER_S:g} requests per second, except for "
            f"{SPIKE_DURATION_S:g} seconds in which {values['spike_rate_per_s']:g} requests per second arrive.\n"
            f"The database accepts {values['db_max_connections']} connections.")


def experiment(spike_rate_per_s: float = DEFAULTS["spike_rate_per_s"],
               db_max_connections: int = DEFAULTS["db_max_connections"], pooler: bool = DEFAULTS["pooler"],
               pooler_max_connections: int = DEFAULTS["pooler_max_connections"],
               connections_per_instance: int | None = None, max_concurrency: int | None = None,
               configs: Sequence = CONFIGS, seed: int = SEED, max_requests: int = PANEL_MAX_REQUESTS) -> ShapeRun:
    """The burst on each config (Cloud Run's pool size and concurrency cap applied where they are fields)."""
    configs = widgets.with_settings(check_configs(configs), connections_per_instance=connections_per_instance,
                                    max_concurrency=max_concurrency)
    # Every database wait is a query on a pooled connection: a Cloud Run (or LMI) instance's own pool and,
    # with the pooler switched on, the pooler's connections for Lambda (sim.connection_pool).
    configs = [dataclasses.replace(c, db_pool=True) if widgets.has_field([c], "db_pool") else c for c in configs]
    if pooler:
        configs = [dataclasses.replace(c, pooler_max_connections=int(pooler_max_connections))
                   if widgets.has_field([c], "pooler_max_connections") else c for c in configs]
    workload = limited({"arrivals": arrivals(spike_rate_per_s), "duration_s": DURATION_S,
                        "cpu_ms": API_CPU_MS, "io_ms": API_IO_MS}, max_requests)
    _check.number("db_max_connections", db_max_connections, low=1, high=1_000_000, integer=True)
    _check.number("pooler_max_connections", pooler_max_connections, low=1, high=1_000_000, integer=True)
    return ShapeRun(run_configs(workload, configs, seed), int(db_max_connections),
                    int(pooler_max_connections) if pooler else None)


#: Platforms whose environments each open their own connection, so that a pooler (RDS Proxy-like) goes in front
#: of them. A Cloud Run instance already shares its own pool between its requests.
POOLED_PLATFORMS = ("lambda",)


def _report(shape: ShapeRun, result):
    pooled = platform_key(result.config.platform) in POOLED_PLATFORMS
    return db_connections(result, shape.db_max_connections, shape.pooler_max_connections if pooled else None)


def table(shape: ShapeRun) -> pd.DataFrame:
    """One column per config: capacity, cache, what the database sees, failures and the tail."""
    reports = {name: _report(shape, result) for name, result in shape.runs.items()}
    rows = {
        **standard_rows("requests", "environments / instances started", "peak alive"),
        "cache hit rate": lambda f: round(cache_hit_rate(f.result, DISTINCT_KEYS), 3),
        "DB connections, peak": lambda f: int(reports[f.config.name].peak),
        "DB connections, mean": lambda f: round(float(reports[f.config.name].mean), 2),
        "refused a DB connection": lambda f: int(reports[f.config.name].refused_instances),
        "requests failed (DB full)": lambda f: int(reports[f.config.name].failed_requests),
        **standard_rows("p99 latency (ms)"),
    }
    return column_table(shape.runs, rows)


def show(shape: ShapeRun) -> Figure:
    """Left: environments/instances alive. Right: connections the database holds, with its limit."""
    fig, (left, right) = figure(ncols=2)
    plot_instances(shape.runs, ax=left, title="Environments / instances alive")
    for name, result in shape.runs.items():
        report = _report(shape, result)
        key = platform_key(result.config.platform)
        times = np.append(report.times_s, result.window_s[1])
        right.step(times, np.append(report.connections, report.connections[-1]), where="post",
                   color=platform_colour(key), linestyle=PLATFORM_LINESTYLES[key], label=name)
    right.axhline(shape.db_max_connections, color="#444444", linewidth=1.2, linestyle="-.", label="database limit")
    if shape.pooler_max_connections is not None:
        right.axhline(shape.pooler_max_connections, color="#888888", linewidth=1.0, linestyle=":", label="pooler cap")
    right.set_xlim(0, DURATION_S)
    right.set_ylim(0, max(shape.db_max_connections * 1.3, right.get_ylim()[1]))
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_xlabel("time (s)")
    right.set_ylabel("database connections")
    right.set_title("What the database sees")
    right.legend(loc="upper right", fontsize=8)
    left.legend(loc="upper right", fontsize=8)
    return fig


def run(configs: Sequence = CONFIGS, **values) -> pd.DataFrame:
    """The panel's table without widgets (defaults: DEFAULTS; an unknown name is refused with the valid ones)."""
    return table_at(experiment, table, DEFAULTS, configs, values)


def panel(configs: Sequence = CONFIGS, max_requests: int = PANEL_MAX_REQUESTS) -> widgets.Panel:
    """Sliders for the spike, the database, the pooler, and Cloud Run's pool size and concurrency cap."""
    configs = check_configs(configs)
    controls = {
        "spike_rate_per_s": fitted.slider("spike (requests/s, 10 s)", DEFAULTS["spike_rate_per_s"], 20.0, 2000.0, 20.0,
                                          readout_format=".0f"),
        "db_max_connections": fitted.slider("database connection limit", DEFAULTS["db_max_connections"], 5, 500, 5,
                                            integer=True),
        "pooler": fitted.switch("Lambda: connection pooler (RDS Proxy-like)", DEFAULTS["pooler"]),
        "pooler_max_connections": fitted.slider("pooler: most connections it opens", DEFAULTS["pooler_max_connections"],
                                                5, 200, 5, integer=True),
    }
    cloud_run = next((c for c in configs if widgets.has_field([c], "connections_per_instance")), None)
    if cloud_run is not None:
        controls["connections_per_instance"] = fitted.config_slider(
            "Cloud Run pool size per instance", cloud_run, "connections_per_instance", 1, high=50)
        controls["max_concurrency"] = fitted.config_stepped("Cloud Run max concurrency", cloud_run, "max_concurrency")
    return widgets.Panel(functools.partial(experiment, configs=configs, max_requests=max_requests), show,
                         table=table, expected_requests=expected_requests, max_requests=max_requests,
                         cap_hint="lower the spike rate", **controls)
