"""Chapter "Concurrency and cost": requests per environment or instance, bursts, and what each platform bills.

Four experiments, each a function that returns a tidy DataFrame and a `plot_*` function that draws it:
latency against Cloud Run's concurrency cap, environments and instances during a burst, cost against
burstiness at a fixed mean rate, and cost against the share of a request spent waiting on I/O.
Seeds are fixed, so every run gives the same numbers; a concurrent.futures executor may run the
simulations in parallel (the default runs them one after another, with identical results).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

from .. import _check
from ..arrivals import Spike
from ..config import LAMBDA_MB_PER_VCPU, CloudRunConfig, LambdaConfig
from ..distributions import Exponential, Fixed
from ..plotting import PLATFORM_LINESTYLES, new_figure, platform_colour, styled
from ..prices import LAMBDA_PRICES, MONTH_S, cloudrun_prices
from ..result import request_figures
from ..run import simulate
from ..sweep import summarise
from ..workload import Workload
from ._common import (Run, config_order, io_ms_for_share, io_share_workload, legend_below, line_style, money_tick,
                      number_tick, on_off, run_all, run_metrics, value_axis)

SEED = 1


# ---------------------------------------------------------------- (a) latency against the concurrency cap
#: Two kinds of request, in ms of one full vCPU and ms of waiting on a downstream service.
CPU_BOUND = ("CPU-bound: 100 ms CPU", Fixed(ms=100.0), Fixed(ms=0.0))
IO_BOUND = ("I/O-bound: 5 ms CPU + 200 ms I/O", Fixed(ms=5.0), Fixed(ms=200.0))
MAX_CONCURRENCIES = (1, 2, 4, 16, 80, 1000)
#: Lambda at 1,769 MB has one full vCPU (facts.md s.3), like the 1-vCPU Cloud Run instance.
LAMBDA_ONE_VCPU = LambdaConfig(name="Lambda (1,769 MB = 1 vCPU)", memory_mb=1769, runtime="go")


def load_step(base_rate_per_s: float = 5.0, peak_rate_per_s: float = 20.0, step_at_s: float = 60.0,
              duration_s: float = 300.0) -> Spike:
    """Traffic that steps up from `base_rate_per_s` to `peak_rate_per_s` at `step_at_s` and stays there."""
    _check.number("step_at_s", step_at_s, low=0, high=duration_s)
    return Spike(base_rate_per_s=base_rate_per_s, spike_rate_per_s=peak_rate_per_s,
                 spike_start_s=step_at_s, spike_duration_s=duration_s - step_at_s)


def latency_vs_concurrency(max_concurrencies: Sequence[int] = MAX_CONCURRENCIES, replications: int = 3,
                           duration_s: float = 300.0, seed: int = SEED, executor=None) -> pd.DataFrame:
    """Mean and p99 latency of CPU-bound and I/O-bound requests on Cloud Run (1 vCPU, Go) at each
    `max_concurrency`, and on Lambda with one vCPU as a reference, while traffic quadruples (`load_step`).
    One row per (profile, config, replication); replication k uses seed + k on every config."""
    _check.number("replications", replications, low=1, high=20, integer=True)
    for cap in max_concurrencies:
        _check.number("max_concurrency", cap, low=1, high=1000, integer=True)
    arrivals = load_step(duration_s=duration_s)
    runs = []
    for profile, cpu_ms, io_ms in (CPU_BOUND, IO_BOUND):
        workload = Workload(arrivals=arrivals, duration_s=duration_s, cpu_ms=cpu_ms, io_ms=io_ms)
        for k in range(replications):
            configs = [(LAMBDA_ONE_VCPU, math.nan)] + [
                (CloudRunConfig(name="Cloud Run (1 vCPU)", max_concurrency=cap, runtime="go"), float(cap))
                for cap in max_concurrencies]
            runs += [Run(workload, config, seed + k, (("profile", profile), ("max_concurrency", cap),
                                                      ("replication", k)))
                     for config, cap in configs]
    return pd.DataFrame(run_all(run_metrics, runs, executor))


@styled
def plot_latency_vs_concurrency(runs: pd.DataFrame, ax=None) -> Figure:
    """One panel per request profile: Cloud Run mean and p99 latency against max_concurrency (log x),
    ±2 standard errors over replications, with Lambda's mean and p99 as horizontal reference lines."""
    profiles = list(dict.fromkeys(runs["profile"]))
    fig, axes = new_figure(ax, ncols=len(profiles), figsize=(9.5, 4.2)) if ax is None else (ax[0].figure, ax)
    table = summarise(runs, ["latency_mean_ms", "latency_p99_ms"], by=["profile", "platform", "config", "max_concurrency"],
                      wide=True)
    for panel, profile in zip(np.atleast_1d(axes), profiles):
        rows = table[table["profile"] == profile]
        cloud_run = rows[rows["platform"] == "cloudrun"].sort_values("max_concurrency")
        lam = rows[rows["platform"] == "lambda"].iloc[0]
        for metric, marker, width, label in (("latency_mean_ms", "o", 1.5, "mean"), ("latency_p99_ms", "^", 3.0, "p99")):
            panel.errorbar(cloud_run["max_concurrency"], cloud_run[metric], yerr=2 * cloud_run[f"{metric}_se"].fillna(0),
                           color=platform_colour("cloudrun"), linestyle=PLATFORM_LINESTYLES["cloudrun"], marker=marker,
                           capsize=3, label=f"Cloud Run {label} (±2 SE)")
            panel.axhline(lam[metric], color=platform_colour("lambda"), linestyle=PLATFORM_LINESTYLES["lambda"],
                          linewidth=width, alpha=0.8, label=f"{lam['config']}: {label}")
        panel.set_xscale("log")
        panel.xaxis.set_major_formatter(FuncFormatter(number_tick))
        value_axis(panel.yaxis, np.r_[rows["latency_mean_ms"], rows["latency_p99_ms"]])
        panel.set_xlabel("Cloud Run max_concurrency")
        panel.set_title(profile, fontsize=11)
    np.atleast_1d(axes)[0].set_ylabel("latency (ms)")
    legend_below(fig, axes, ncols=2)
    return fig


def latency_display(runs: pd.DataFrame) -> pd.DataFrame:
    """A compact table of `latency_vs_concurrency`: one row per (request, setting), means over replications
    with their standard errors, rounded for reading."""
    table = summarise(runs, ["latency_mean_ms", "latency_p99_ms", "monthly_usd"],
                      by=["profile", "platform", "max_concurrency"], wide=True)
    setting = np.where(table["platform"] == "lambda", "Lambda, 1 vCPU",
                       "Cloud Run, cap " + table["max_concurrency"].map(lambda c: f"{c:,.0f}"))
    out = pd.DataFrame({"request": table["profile"].str.split(":").str[0], "setting": setting,
                        "mean (ms)": table["latency_mean_ms"].round(1), "± SE": table["latency_mean_ms_se"].round(1),
                        "p99 (ms)": table["latency_p99_ms"].round(1), "± SE ": table["latency_p99_ms_se"].round(1),
                        "per 30-day month (USD)": table["monthly_usd"].round(2)})
    return out.set_index(["request", "setting"])


# ---------------------------------------------------------------- (b) a burst: environments vs instances
BURST = Spike(base_rate_per_s=0.5, spike_rate_per_s=300.0, spike_start_s=120.0, spike_duration_s=30.0)
BURST_DURATION_S = 300.0
#: A light request and a CPU-heavier one; both wait 100 ms on a downstream service.
BURST_PROFILES = (("2 ms CPU + 100 ms I/O", Fixed(ms=2.0), Fixed(ms=100.0)),
                  ("20 ms CPU + 100 ms I/O", Fixed(ms=20.0), Fixed(ms=100.0)))
BURST_CONFIGS = (LambdaConfig(name="Lambda"), CloudRunConfig(name="Cloud Run, 1 warm instance", min_instances=1))


def burst(step_s: float = 1.0, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 30-second spike to 300 requests/s on Lambda and on Cloud Run with one warm minimum instance.

    Returns (timeline, summary): the timeline has one row per (profile, config, time step) with
    environments/instances alive, requests in flight and requests waiting (`Result.timeline`); the
    summary has one row per (profile, config) with peaks, cold starts, p99 latency of requests that
    arrived during the spike, and the cost of the window."""
    _check.number("step_s", step_s, low=0.01, high=60)
    frames, rows = [], []
    spike_end_s = BURST.spike_start_s + BURST.spike_duration_s
    for profile, cpu_ms, io_ms in BURST_PROFILES:
        workload = Workload(arrivals=BURST, duration_s=BURST_DURATION_S, cpu_ms=cpu_ms, io_ms=io_ms)
        for config in BURST_CONFIGS:
            result = simulate(workload, config, seed=seed)
            timeline = result.timeline(step_s)
            timeline = timeline[timeline["t_s"] < result.window_s[1]]   # at the very end every instance counts as retired
            timeline.insert(0, "config", config.name)
            timeline.insert(1, "platform", config.platform)
            timeline.insert(0, "profile", profile)
            frames.append(timeline)
            req = result.requests
            figures = result.figures()
            spike = request_figures(req[(req["arrival_s"] >= BURST.spike_start_s) & (req["arrival_s"] < spike_end_s)])
            rows.append({"profile": profile, "config": config.name, "platform": config.platform,
                         "requests": figures["requests"], "spike_requests": spike["requests"],
                         "peak_instances": figures["peak_instances"],
                         "instances_started": figures["instances_started"],
                         "peak_in_flight": int(timeline["in_flight"].max()),
                         "cold_starts": figures["cold_starts"],
                         "throttled": figures["throttled"],
                         "spike_p50_ms": spike["latency_p50_ms"],
                         "spike_p99_ms": spike["latency_p99_ms"],
                         "cost_usd": figures["cost_usd"]})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


@styled
def plot_burst(timeline: pd.DataFrame, ax=None) -> Figure:
    """One panel per request profile: environments (Lambda) and instances (Cloud Run) alive over time,
    with the spike shaded."""
    profiles = list(dict.fromkeys(timeline["profile"]))
    fig, axes = new_figure(ax, ncols=len(profiles), figsize=(9.5, 4.0)) if ax is None else (ax[0].figure, ax)
    for panel, profile in zip(np.atleast_1d(axes), profiles):
        rows = timeline[timeline["profile"] == profile]
        panel.axvspan(BURST.spike_start_s, BURST.spike_start_s + BURST.spike_duration_s, color="#999999",
                      alpha=0.25, linewidth=0, label=f"spike: {BURST.spike_rate_per_s:g} requests/s")
        for name, platform, variant in config_order(rows):
            one = rows[rows["config"] == name]
            style = line_style(name, platform, variant)
            style.pop("marker")
            panel.step(one["t_s"], one["instances"], where="post", **style)
        panel.set_title(profile, fontsize=11)
        panel.set_xlabel("time (s)")
        panel.set_ylim(bottom=0)
    np.atleast_1d(axes)[0].set_ylabel("environments / instances alive")
    legend_below(fig, axes, ncols=3)
    return fig


def burst_display(summary: pd.DataFrame) -> pd.DataFrame:
    """A compact table of `burst`'s summary: environments or instances started and at most alive, the
    requests that waited for a cold start (on Lambda one per environment started, on Cloud Run every request
    queued for a starting instance) and spike latency per run."""
    out = pd.DataFrame({"request": summary["profile"], "platform": summary["config"],
                        "started": summary["instances_started"], "peak alive": summary["peak_instances"],
                        "requests that waited for a start": summary["cold_starts"], "spike p50 (ms)": summary["spike_p50_ms"].round().astype("int64"),
                        "spike p99 (ms)": summary["spike_p99_ms"].round().astype("int64"), "cost of the window (USD)": summary["cost_usd"].round(4)})
    return out.set_index(["request", "platform"])


# ---------------------------------------------------------------- (c) cost against burstiness
#: A light API request: a little CPU, a short wait on a downstream service.
LIGHT_CPU_MS = Exponential(mean_ms=10.0)
LIGHT_IO_MS = Exponential(mean_ms=40.0)
ON_FRACTIONS = (1.0, 0.3, 0.1, 0.03, 0.01)
BURSTINESS_CONFIGS = (LambdaConfig(name="Lambda"),
                      CloudRunConfig(name="Cloud Run (scale to zero)"),
                      CloudRunConfig(name="Cloud Run, 1 min instance", min_instances=1))


def cost_vs_burstiness(mean_rates_per_s: Sequence[float] = (0.5, 5.0), on_fractions: Sequence[float] = ON_FRACTIONS,
                       cycle_s: float = 1200.0, cycles: int = 3, configs: Sequence = BURSTINESS_CONFIGS,
                       seed: int = SEED, executor=None) -> pd.DataFrame:
    """Monthly cost and p99 latency of the same mean traffic made burstier: it arrives only during the first
    `on_fraction` of every `cycle_s`-second cycle, `cycles` cycles simulated. One row per (rate, fraction, config)."""
    _check.number("cycles", cycles, low=1, high=100, integer=True)
    runs = []
    for rate in mean_rates_per_s:
        for fraction in on_fractions:
            arrivals = on_off(rate, fraction, cycle_s)
            workload = Workload(arrivals=arrivals, duration_s=cycle_s * cycles, cpu_ms=LIGHT_CPU_MS, io_ms=LIGHT_IO_MS)
            labels = (("mean_rate_per_s", float(rate)), ("on_fraction", float(fraction)),
                      ("on_s", cycle_s * fraction), ("idle_s", cycle_s * (1 - fraction)),
                      ("rate_on_per_s", rate / fraction))
            runs += [Run(workload, config, seed, labels) for config in configs]
    return pd.DataFrame(run_all(run_metrics, runs, executor))


@styled
def plot_cost_vs_burstiness(df: pd.DataFrame, ax=None) -> Figure:
    """One panel per mean rate: projected monthly cost against the on-fraction (burstier to the right)."""
    rates = sorted(df["mean_rate_per_s"].unique())
    fig, axes = new_figure(ax, ncols=len(rates), figsize=(9.5, 4.2)) if ax is None else (ax[0].figure, ax)
    for panel, rate in zip(np.atleast_1d(axes), rates):
        rows = df[df["mean_rate_per_s"] == rate]
        for name, platform, variant in config_order(rows):
            one = rows[rows["config"] == name].sort_values("on_fraction")
            panel.plot(one["on_fraction"] * 100, one["monthly_usd"], **line_style(name, platform, variant))
        panel.set_xscale("log")
        panel.invert_xaxis()
        panel.set_xticks(sorted(rows["on_fraction"].unique() * 100), minor=False)
        panel.xaxis.set_minor_locator(NullLocator())
        panel.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:g}%"))
        value_axis(panel.yaxis, rows["monthly_usd"], money_tick)
        panel.set_xlabel("share of each cycle with traffic (burstier →)")
        panel.set_title(f"mean {rate:g} requests/s", fontsize=11)
    np.atleast_1d(axes)[0].set_ylabel("projected cost per 30-day month")
    legend_below(fig, axes, ncols=3)
    return fig


def burstiness_display(df: pd.DataFrame, metric: str = "monthly_usd") -> pd.DataFrame:
    """`cost_vs_burstiness` as a table: one row per (mean rate, share of the cycle with traffic), one column
    per config, values of `metric` (monthly_usd or latency_p99_ms)."""
    _check.choice("metric", metric, ("monthly_usd", "latency_p99_ms"))
    table = df.assign(traffic=df["on_fraction"].map(lambda f: f"{f:.0%}"),
                      rate=df["mean_rate_per_s"].map(lambda r: f"{r:g}/s"))
    wide = table.pivot_table(index=["rate", "traffic"], columns="config", values=metric, sort=False)
    wide = wide[list(dict.fromkeys(df["config"]))]
    return wide.round(2) if metric == "monthly_usd" else wide.round().astype("int64")


# ---------------------------------------------------------------- (d) cost against the I/O share
IO_SHARES = (0.0, 0.5, 0.75, 0.9, 0.95, 0.98)
IO_SHARE_CONFIGS = (LambdaConfig(name="Lambda"), CloudRunConfig(name="Cloud Run"))


def cost_vs_io_share(rates_per_s: Sequence[float] = (2.0, 10.0, 50.0), io_shares: Sequence[float] = IO_SHARES,
                     cpu_ms: float = 20.0, duration_s: float = 300.0, configs: Sequence = IO_SHARE_CONFIGS,
                     seed: int = SEED, executor=None) -> pd.DataFrame:
    """Steady Poisson traffic; every request has `cpu_ms` of CPU then an exponential I/O wait sized so that
    `io_share` of its work is waiting. One row per (rate, share, config) with the projected monthly cost."""
    runs = []
    for rate in rates_per_s:
        for share in io_shares:
            workload = io_share_workload(rate, share, cpu_ms, duration_s)
            labels = (("rate_per_s", float(rate)), ("io_share", float(share)), ("io_ms", io_ms_for_share(share, cpu_ms)))
            runs += [Run(workload, config, seed, labels) for config in configs]
    return pd.DataFrame(run_all(run_metrics, runs, executor))


def _share_axis(io_share):
    """-log10(1 - share): 0% -> 0, 90% -> 1, 99% -> 2; each halving of the CPU share is an equal step."""
    return -np.log10(1 - np.asarray(io_share, dtype=float))


def break_even_io_share(df: pd.DataFrame) -> pd.DataFrame:
    """Per rate: the I/O share where Cloud Run's and Lambda's monthly costs cross (the log cost ratio
    interpolated linearly in -log(1 - share) between grid points; NaN if they do not cross on the grid),
    and which platform is cheaper at each end of the grid."""
    rows = []
    for rate, group in df.groupby("rate_per_s"):
        wide = group.pivot_table(index="io_share", columns="platform", values="monthly_usd").sort_index()
        log_ratio = np.log(wide["cloudrun"] / wide["lambda"]).to_numpy()
        shares = wide.index.to_numpy()
        x = _share_axis(shares)
        crossing = math.nan
        for k in range(len(shares) - 1):
            a, b = log_ratio[k], log_ratio[k + 1]
            if a == 0:
                crossing = float(shares[k])
                break
            if a * b < 0:
                crossing = float(1 - 10 ** -(x[k] + (x[k + 1] - x[k]) * a / (a - b)))
                break
        rows.append({"rate_per_s": rate, "break_even_io_share": crossing,
                     "cheaper_cpu_bound": "Cloud Run" if log_ratio[0] < 0 else "Lambda",
                     "cheaper_io_bound": "Cloud Run" if log_ratio[-1] < 0 else "Lambda",
                     "cost_ratio_cpu_bound": float(np.exp(log_ratio[0])),
                     "cost_ratio_io_bound": float(np.exp(log_ratio[-1]))})
    return pd.DataFrame(rows)


@styled
def plot_cost_vs_io_share(df: pd.DataFrame, ax=None) -> Figure:
    """One panel per rate: projected monthly cost against the I/O share (axis stretched towards 100%,
    equal steps for each halving of the CPU share), the break-even marked where the lines cross."""
    rates = sorted(df["rate_per_s"].unique())
    fig, axes = new_figure(ax, ncols=len(rates), figsize=(10.0, 4.0)) if ax is None else (ax[0].figure, ax)
    crossings = break_even_io_share(df).set_index("rate_per_s")["break_even_io_share"]
    shares = sorted(df["io_share"].unique())
    for panel, rate in zip(np.atleast_1d(axes), rates):
        rows = df[df["rate_per_s"] == rate]
        for name, platform, variant in config_order(rows):
            one = rows[rows["config"] == name].sort_values("io_share")
            panel.plot(_share_axis(one["io_share"]), one["monthly_usd"], **line_style(name, platform, variant))
        if np.isfinite(crossings[rate]):
            x = _share_axis(crossings[rate])
            panel.axvline(x, color="#555555", linestyle=":", linewidth=1.5)
            panel.annotate(f"break-even\n{crossings[rate]:.0%}", (x, 0.04), xycoords=("data", "axes fraction"),
                           ha="right", fontsize=9, color="#333333", xytext=(-4, 0), textcoords="offset points")
        panel.set_xticks(_share_axis(shares), [f"{share:.0%}" for share in shares], fontsize=9)
        value_axis(panel.yaxis, rows["monthly_usd"], money_tick)
        panel.set_title(f"steady {rate:g} requests/s", fontsize=11)
    panels = np.atleast_1d(axes)
    panels[0].set_ylabel("projected cost per 30-day month")
    panels[len(panels) // 2].set_xlabel("share of the request's work spent waiting on I/O\n"
                                        "(the CPU share on a log scale: 0%, 90% and 99% equally apart)")
    legend_below(fig, axes, ncols=2)
    return fig


# ---------------------------------------------------------------- unit prices behind the comparison
def per_second_prices(lambda_memory_mb: int = 512, cloudrun_vcpu: float = 1.0, cloudrun_memory_gib: float = 0.5) -> dict:
    """USD per second of one busy Lambda environment, per vCPU-second of Lambda CPU, and per second of one
    busy Cloud Run instance (request-based, Tier 1), from sim.prices (facts.md s.1, s.5, s.8)."""
    _check.number("lambda_memory_mb", lambda_memory_mb, low=128, high=10_240, integer=True)
    gb_s = LAMBDA_PRICES["duration_x86_64"].value_usd
    cloud_run = cloudrun_prices("request")
    return {
        "lambda_env_per_s": lambda_memory_mb / 1024 * gb_s,
        "lambda_vcpu_per_s": LAMBDA_MB_PER_VCPU / 1024 * gb_s,
        "cloudrun_instance_per_s": (cloudrun_vcpu * cloud_run["vcpu_s"].value_usd
                                    + cloudrun_memory_gib * cloud_run["gib_s"].value_usd),
        "cloudrun_vcpu_2gib_per_s": cloud_run["vcpu_s"].value_usd + 2 * cloud_run["gib_s"].value_usd,
        "lambda_request_usd": LAMBDA_PRICES["request"].value_usd,
        "cloudrun_request_usd": cloud_run["request"].value_usd,
        "month_s": MONTH_S,
    }

