"""Lab 3 panels: how many requests one environment or instance takes, and what each platform bills.

`concurrency_panel`: a burst, with Cloud Run's concurrency cap and each request's CPU work and I/O wait as
controls; one Lambda environment and one Cloud Run instance both have one full vCPU.
`traffic_panel`: the same mean traffic made burstier (it arrives only during part of each cycle), and the
share of each request spent waiting on I/O, against the projected monthly cost.
`traffic_point` is one run of the second panel as a sweep task (see sim.sweep). Without widgets:
`run_concurrency(**CONCURRENCY_DEFAULTS)` and `run_traffic(**TRAFFIC_DEFAULTS)` return the tables.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .. import _check, controls as fitted, widgets
from ..config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from ..distributions import Exponential, Fixed
from ..experiments.concurrency_cost import io_ms_for_share, on_off
from ..plotting import PLATFORM_LINESTYLES, platform_colour, platform_key, plot_instances, plot_latency_cdf
from ..run import Comparison
from ._common import (PANEL_MAX_REQUESTS, SpikeWindow, bars, check_configs, column_table, figure, limited,
                      run_configs, standard_rows, table_at)

SEED = 1

# ---------------------------------------------------------------- (a) a burst against the concurrency cap
#: One full vCPU on both: Lambda at 1,769 MB (facts.md s.3) and a 1-vCPU Cloud Run instance; Go starts fast.
#: Lambda Managed Instances run their default fleet (3 m7g.large, 2 vCPUs each; Python: 16 requests per vCPU).
CONCURRENCY_CONFIGS = (LambdaConfig(name="Lambda, 1 vCPU", memory_mb=1769, runtime="go"),
                       CloudRunConfig(name="Cloud Run, 1 vCPU", runtime="go"),
                       LambdaManagedInstancesConfig(name="Lambda MI, 2 vCPU"))
BASE_RATE_PER_S, SPIKE_START_S, SPIKE_DURATION_S, BURST_DURATION_S = 1.0, 30.0, 20.0, 120.0
CONCURRENCY_DEFAULTS = {"spike_rate_per_s": 100.0, "cpu_ms": 20.0, "io_ms": 100.0,
                        "max_concurrency": CloudRunConfig().max_concurrency}


BURST = SpikeWindow(BASE_RATE_PER_S, SPIKE_START_S, SPIKE_DURATION_S, BURST_DURATION_S)
burst_arrivals, burst_expected_requests = BURST.arrivals, BURST.expected_requests


def burst_experiment(spike_rate_per_s: float = CONCURRENCY_DEFAULTS["spike_rate_per_s"],
                     cpu_ms: float = CONCURRENCY_DEFAULTS["cpu_ms"], io_ms: float = CONCURRENCY_DEFAULTS["io_ms"],
                     max_concurrency: int | None = None, configs: Sequence = CONCURRENCY_CONFIGS, seed: int = SEED,
                     max_requests: int = PANEL_MAX_REQUESTS) -> Comparison:
    """The burst on each config; every request has `cpu_ms` of one full vCPU, then waits `io_ms`."""
    configs = widgets.with_settings(check_configs(configs), max_concurrency=max_concurrency)
    workload = limited({"arrivals": burst_arrivals(spike_rate_per_s), "duration_s": BURST_DURATION_S,
                        "cpu_ms": Fixed(ms=cpu_ms), "io_ms": Fixed(ms=io_ms)}, max_requests)
    return run_configs(workload, configs, seed)


def burst_table(runs: Comparison) -> pd.DataFrame:
    """One column per config: capacity started, cold starts, refusals, latency and cost."""
    rows = {
        **standard_rows("requests", "environments / instances started", "peak alive"),
        "requests per environment / instance": lambda f: round(f.summary["requests"] / max(f.summary["instances_started"], 1), 1),
        **standard_rows("cold starts"),
        "throttled (429)": lambda f: int(f.summary["throttled"]),
        **standard_rows("mean latency (ms)", "p99 latency (ms)"),
        "cost of the window (USD)": lambda f: round(float(f.bill.total_usd), 5),
    }
    return column_table(runs, rows)


def burst_show(runs: Comparison) -> Figure:
    """Left: environments / instances alive during the burst. Right: the latency distribution."""
    fig, (left, right) = figure(ncols=2)
    plot_instances(runs, ax=left, title="Environments / instances alive")
    left.axvspan(SPIKE_START_S, SPIKE_START_S + SPIKE_DURATION_S, color="#999999", alpha=0.2, linewidth=0)
    left.legend(loc="upper right", fontsize=8)
    plot_latency_cdf(runs, ax=right, title="Latency of served requests")
    right.legend(loc="lower right", fontsize=8)
    return fig



def run_concurrency(configs: Sequence = CONCURRENCY_CONFIGS, **values) -> pd.DataFrame:
    """The concurrency panel's table without widgets (defaults: CONCURRENCY_DEFAULTS; an unknown name is refused
    with the valid ones)."""
    return table_at(burst_experiment, burst_table, CONCURRENCY_DEFAULTS, configs, values)


def concurrency_panel(configs: Sequence = CONCURRENCY_CONFIGS, max_requests: int = PANEL_MAX_REQUESTS) -> widgets.Panel:
    """Burst size, each request's CPU work and I/O wait, and Cloud Run's concurrency cap."""
    configs = check_configs(configs)
    d = CONCURRENCY_DEFAULTS
    controls = {
        "spike_rate_per_s": fitted.slider("spike (requests/s, 20 s)", d["spike_rate_per_s"], 10.0, 1000.0, 10.0,
                                          readout_format=".0f"),
        "cpu_ms": fitted.slider("CPU per request (ms of 1 vCPU)", d["cpu_ms"], 0.0, 500.0, 5.0, readout_format=".0f"),
        "io_ms": fitted.slider("I/O wait per request (ms)", d["io_ms"], 0.0, 2000.0, 10.0, readout_format=".0f"),
    }
    owner = next((c for c in configs if widgets.has_field([c], "max_concurrency")), None)
    if owner is not None:
        controls["max_concurrency"] = fitted.config_stepped("Cloud Run max concurrency", owner, "max_concurrency",
                                                            d["max_concurrency"])
    return widgets.Panel(functools.partial(burst_experiment, configs=configs, max_requests=max_requests),
                         burst_show,
                         table=burst_table, expected_requests=burst_expected_requests, max_requests=max_requests,
                         cap_hint="lower the spike rate", **controls)


# ---------------------------------------------------------------- (b) cost against the traffic's shape
TRAFFIC_CONFIGS = (LambdaConfig(name="Lambda"), CloudRunConfig(name="Cloud Run"),
                   LambdaManagedInstancesConfig(name="Lambda MI"))
#: Traffic arrives during the first on_fraction of each CYCLE_S-second cycle; CYCLES cycles are simulated.
CYCLE_S, CYCLES = 600.0, 3
TRAFFIC_CPU_MS = 20.0
TRAFFIC_DEFAULTS = {"mean_rate_per_s": 1.0, "on_fraction": 0.1, "io_share": 0.8}


def traffic_duration_s() -> float:
    return CYCLE_S * CYCLES


def traffic_settings(**values) -> str:
    """The traffic section's workload in words, at these settings (TRAFFIC_DEFAULTS for any left out)."""
    values = {**TRAFFIC_DEFAULTS, **values}
    rate, fraction = values["mean_rate_per_s"], values["on_fraction"]
    io_ms = io_ms_for_share(values["io_share"], TRAFFIC_CPU_MS)
    when = ("steadily" if fraction >= 1 else
            f"during the first {fraction:.0%} of each {CYCLE_S / 60:g}-minute cycle")
    return (f"A mean of {rate:g} request{'' if rate == 1 else 's'} per second arrives {when}, "
            f"for {traffic_duration_s() / 60:g} minutes.\nEach request does {TRAFFIC_CPU_MS:g} ms of CPU work, then "
            f"waits on I/O for an exponential time averaging {io_ms:g} ms ({values['io_share']:.0%} of its work).")


def traffic_expected_requests(mean_rate_per_s: float, on_fraction: float, **_ignored) -> float:
    """Requests the traffic sends to each platform (checked against the run cap before running)."""
    return on_off(mean_rate_per_s, on_fraction, CYCLE_S).expected_count(traffic_duration_s())


def traffic_experiment(mean_rate_per_s: float = TRAFFIC_DEFAULTS["mean_rate_per_s"],
                       on_fraction: float = TRAFFIC_DEFAULTS["on_fraction"],
                       io_share: float = TRAFFIC_DEFAULTS["io_share"], configs: Sequence = TRAFFIC_CONFIGS,
                       seed: int = SEED, max_requests: int = PANEL_MAX_REQUESTS) -> Comparison:
    """Mean `mean_rate_per_s`, arriving only in the first `on_fraction` of each cycle; each request has
    20 ms of CPU and an exponential I/O wait sized so that `io_share` of its work is waiting."""
    configs = check_configs(configs)
    workload = limited({"arrivals": on_off(mean_rate_per_s, on_fraction, CYCLE_S), "duration_s": traffic_duration_s(),
                        "cpu_ms": Fixed(ms=TRAFFIC_CPU_MS),
                        "io_ms": Exponential(mean_ms=io_ms_for_share(io_share, TRAFFIC_CPU_MS))}, max_requests)
    return run_configs(workload, configs, seed)


_TRAFFIC_ROWS = {
    **standard_rows("requests"),
    "mean alive": lambda f: round(float(f.summary["mean_instances"]), 2),
    **standard_rows("peak alive", "cold-start share", "p99 latency (ms)"),
    "cost of the window (USD)": lambda f: round(float(f.bill.total_usd), 5),
    "per 30-day month (USD)": lambda f: round(float(f.bill.monthly_usd), 2),
}


def traffic_table(runs: Comparison) -> pd.DataFrame:
    """One column per config: capacity kept, cold starts, the tail and the projected monthly cost."""
    return column_table(runs, _TRAFFIC_ROWS)


def traffic_show(runs: Comparison) -> Figure:
    """Left: requests per minute over the window (the traffic's shape). Right: monthly cost per config."""
    fig, (left, right) = figure(ncols=2, figsize=(9.0, 3.2))
    first = next(iter(runs.values()))
    arrival_min = first.requests["arrival_s"].to_numpy() / 60.0
    edges = np.arange(0.0, traffic_duration_s() / 60.0 + 1.0, 1.0)
    left.hist(arrival_min, bins=edges, color="#777777")
    left.set_xlabel("time (min)")
    left.set_ylabel("requests per minute")
    left.set_title("The traffic (same on every platform)")
    monthly = [float(v) for v in traffic_table(runs).loc["per 30-day month (USD)"]]
    bars(right, runs, monthly, "USD per 30-day month", fmt="${:,.2f}")
    right.set_title("Cost at list prices (dated in the bills)")
    return fig


def run_traffic(configs: Sequence = TRAFFIC_CONFIGS, **values) -> pd.DataFrame:
    """The traffic panel's table without widgets (defaults: TRAFFIC_DEFAULTS; an unknown name is refused with the
    valid ones)."""
    return table_at(traffic_experiment, traffic_table, TRAFFIC_DEFAULTS, configs, values)


def traffic_point(mean_rate_per_s: float = TRAFFIC_DEFAULTS["mean_rate_per_s"],
                  on_fraction: float = TRAFFIC_DEFAULTS["on_fraction"], io_share: float = TRAFFIC_DEFAULTS["io_share"],
                  seed: int = SEED) -> list[dict]:
    """One point of a sweep over the traffic panel's settings: one row per config (a sim.sweep task)."""
    runs = traffic_experiment(mean_rate_per_s, on_fraction, io_share, seed=seed, max_requests=PANEL_MAX_REQUESTS * 10)
    rows = []
    for name, result in runs.items():
        summary, bill = result.summary(), result.bill()
        rows.append({"config": name, "platform": result.config.platform, "requests": int(summary["requests"]),
                     "cold_start_rate": float(summary["cold_start_rate"]),
                     "latency_p99_ms": float(summary["latency_p99_ms"]),
                     "mean_instances": float(summary["mean_instances"]), "monthly_usd": float(bill.monthly_usd)})
    return rows


def traffic_panel(configs: Sequence = TRAFFIC_CONFIGS, max_requests: int = PANEL_MAX_REQUESTS) -> widgets.Panel:
    """Mean rate, how bursty it is (share of each cycle with traffic), and the I/O share of each request."""
    configs = check_configs(configs)
    d = TRAFFIC_DEFAULTS
    controls = {
        "mean_rate_per_s": fitted.slider("mean requests/s", d["mean_rate_per_s"], 0.1, 20.0, 0.1),
        "on_fraction": fitted.percent("share of each 10 min with traffic", d["on_fraction"], 0.01, 1.0, 0.01),
        "io_share": fitted.percent("share of a request spent on I/O", d["io_share"], 0.0, 0.98, 0.01),
    }
    return widgets.Panel(functools.partial(traffic_experiment, configs=configs, max_requests=max_requests),
                         traffic_show,
                         table=traffic_table, expected_requests=traffic_expected_requests, max_requests=max_requests,
                         cap_hint="lower the mean rate", **controls)


def plot_cost_sweep(summary: pd.DataFrame, ax=None) -> Figure:
    """A `sim.sweep.summarise` of `traffic_point` runs: mean monthly cost (95% interval as error bars) against the
    share of each cycle with traffic (burstier to the right), one panel per I/O share, one line per config.
    The cost axis is logarithmic when the costs differ more than tenfold, so that every line stays readable."""
    rows = summary[summary["metric"] == "monthly_usd"]
    shares = sorted(rows["io_share"].unique())
    if ax is None:
        fig, axes = figure(ncols=len(shares), figsize=(4.5 * len(shares), 3.4))
    else:
        axes = ax
        fig = np.atleast_1d(ax)[0].figure
    axes = np.atleast_1d(axes)
    configs = list(dict.fromkeys(rows["config"]))
    platforms = dict(zip(rows["config"], rows["platform"].map(platform_key)))
    for panel, share in zip(axes, shares):
        one = rows[rows["io_share"] == share]
        for name in configs:
            line = one[one["config"] == name].sort_values("on_fraction")
            key = platforms[name]
            low = (line["mean"] - line["ci95_low"]).fillna(0).to_numpy()
            high = (line["ci95_high"] - line["mean"]).fillna(0).to_numpy()
            panel.errorbar(line["on_fraction"] * 100, line["mean"], yerr=[low, high], capsize=3, label=name,
                           color=platform_colour(key), linestyle=PLATFORM_LINESTYLES[key], marker="o")
        panel.set_xscale("log")
        panel.invert_xaxis()
        ticks = sorted(one["on_fraction"].unique() * 100)
        panel.set_xticks(ticks, [f"{t:g}%" for t in ticks])
        if one["mean"].max() > 10 * one["mean"].min() > 0:   # e.g. a fixed fleet beside per-request bills
            panel.set_yscale("log")
            panel.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
        else:
            panel.set_ylim(bottom=0)
        panel.minorticks_off()
        panel.set_xlabel("share of each cycle with traffic")
        panel.set_title(f"I/O share {share:.0%}", fontsize=11)
    axes[0].set_ylabel("USD per 30-day month")
    axes[-1].legend(loc="best", fontsize=9)
    return fig
