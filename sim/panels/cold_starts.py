"""Lab 2 panel: cold starts against runtime, package size, keep-alive, provisioned concurrency and minimum
instances, with p99 latency and cost side by side.

Traffic comes in one-minute bursts separated by an idle gap (a control), so whether an environment or
instance survives the gap decides whether the next burst starts cold. Without widgets: `run(**DEFAULTS)`.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import _check, controls as fitted, widgets
from ..arrivals import OnOff
from ..coldstart import RUNTIMES
from ..config import CloudRunConfig, LambdaConfig
from ..experiments.cold_starts import BIG_NODE_PACKAGE_MB, REQUEST_CPU_MS, REQUEST_IO_MS, RUNTIME_LABELS
from ..run import Comparison
from ._common import (PANEL_MAX_REQUESTS, bars, check_configs, column_table, figure, limited, run_configs, standard_rows,
                      table_at)

SEED = 1
CONFIGS = (LambdaConfig(name="Lambda", runtime="nodejs", package_mb=BIG_NODE_PACKAGE_MB),
           CloudRunConfig(name="Cloud Run", runtime="nodejs"))
#: Each burst lasts BURST_S seconds; the run holds CYCLES bursts, each followed by the idle gap.
BURST_S, CYCLES = 60.0, 6
DEFAULTS = {"rate_on_per_s": 5.0, "gap_s": 600.0, "runtime": "nodejs", "package_mb": BIG_NODE_PACKAGE_MB,
            "keep_alive_s": LambdaConfig().keep_alive_s, "idle_timeout_s": CloudRunConfig().idle_timeout_s,
            "provisioned_concurrency": 0, "min_instances": 0}
#: The settings that are config fields (applied to every config that has the field).
CONFIG_FIELDS = ("runtime", "package_mb", "keep_alive_s", "idle_timeout_s", "provisioned_concurrency", "min_instances")


def arrivals(rate_on_per_s: float, gap_s: float) -> OnOff:
    return OnOff(rate_on_per_s=rate_on_per_s, on_s=BURST_S, off_s=gap_s)


def duration_s(gap_s: float) -> float:
    return CYCLES * (BURST_S + gap_s)


def expected_requests(rate_on_per_s: float, gap_s: float, **_ignored) -> float:
    """Requests the settings send to each platform (checked against the run cap before running)."""
    return arrivals(rate_on_per_s, gap_s).expected_count(duration_s(gap_s))


def experiment(rate_on_per_s: float = DEFAULTS["rate_on_per_s"], gap_s: float = DEFAULTS["gap_s"],
               configs: Sequence = CONFIGS, seed: int = SEED, max_requests: int = PANEL_MAX_REQUESTS,
               **settings) -> Comparison:
    """The bursts on each config, with `settings` (runtime, package_mb, keep_alive_s, ...) applied where
    they are fields of a config."""
    fitted.check_settings(settings, CONFIG_FIELDS)
    _check.number("gap_s", gap_s, low=0, high=86_400)
    configs = widgets.with_settings(check_configs(configs), **settings)
    workload = limited({"arrivals": arrivals(rate_on_per_s, gap_s), "duration_s": duration_s(gap_s),
                        "cpu_ms": REQUEST_CPU_MS, "io_ms": REQUEST_IO_MS}, max_requests)
    return run_configs(workload, configs, seed)


def table(runs: Comparison) -> pd.DataFrame:
    """One column per config: cold starts, latency, and cost of the window and per 30-day month."""
    rows = {
        **standard_rows("requests", "cold starts", "cold-start share", "p50 latency (ms)", "p99 latency (ms)"),
        "cost of the window (USD)": lambda f: round(float(f.bill.total_usd), 4),
        "per 30-day month (USD)": lambda f: round(float(f.bill.monthly_usd), 2),
    }
    return column_table(runs, rows)


def show(runs: Comparison) -> Figure:
    """p99 latency and projected monthly cost, one bar per config."""
    return draw(runs, table(runs))


def draw(runs: Comparison, t: pd.DataFrame) -> Figure:
    """The figure of `show`, from a table already computed."""
    fig, (left, right) = figure(ncols=2, figsize=(9.0, 3.2))
    bars(left, runs, [float(v) for v in t.loc["p99 latency (ms)"]], "p99 latency (ms)")
    left.set_title("The tail: p99 latency")
    bars(right, runs, [float(v) for v in t.loc["per 30-day month (USD)"]], "USD per 30-day month", fmt="${:,.2f}")
    right.set_title("Cost at list prices (dated in the bills)")
    return fig


def run(configs: Sequence = CONFIGS, **values) -> pd.DataFrame:
    """The panel's table without widgets (defaults: DEFAULTS; an unknown name is refused with the valid ones)."""
    return table_at(experiment, table, DEFAULTS, configs, values)


def panel(configs: Sequence = CONFIGS, max_requests: int = PANEL_MAX_REQUESTS) -> widgets.Panel:
    """Traffic (burst rate, idle gap), runtime, and each platform's keep-warm settings."""
    configs = check_configs(configs)
    runtimes = widgets.config_choices(configs, "runtime", RUNTIMES)
    controls = {
        "rate_on_per_s": fitted.slider("burst: requests/s for 1 min", DEFAULTS["rate_on_per_s"], 1.0, 100.0, 1.0,
                                       readout_format=".0f"),
        "gap_s": fitted.slider("idle gap between bursts (s)", DEFAULTS["gap_s"], 60.0, 3600.0, 60.0,
                               readout_format=".0f"),
        "runtime": fitted.choice("runtime", [(RUNTIME_LABELS.get(r, r), r) for r in runtimes], DEFAULTS["runtime"]),
    }
    teaching = {"package_mb": ("Lambda package (MB, zipped)", 0.5, None),
                "keep_alive_s": ("Lambda keep-alive (s)", 30.0, 1800.0),
                "idle_timeout_s": ("Cloud Run idle timeout (s)", 30.0, 1800.0),
                "provisioned_concurrency": ("Lambda provisioned concurrency", 1, 10),
                "min_instances": ("Cloud Run minimum instances", 1, 5)}
    for field, (description, step, high) in teaching.items():
        owner = next((c for c in configs if widgets.has_field([c], field)), None)
        if owner is not None:
            value = DEFAULTS[field]
            controls[field] = fitted.config_slider(description, owner, field, step, high=high, value=value,
                                                   readout_format=".1f" if field == "package_mb" else ".0f")
    return widgets.Panel(functools.partial(experiment, configs=configs, max_requests=max_requests), show,
                         table=table, expected_requests=expected_requests, max_requests=max_requests,
                         cap_hint="lower the burst rate", **controls)
