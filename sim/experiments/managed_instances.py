"""Chapter "Concurrency and cost", Lambda Managed Instances (LMI): where many requests per environment pays.

Two experiments, each a function that returns tidy DataFrames, with a `plot_*` and a `*_display` helper:
(a) steady I/O-heavy traffic at a range of rates: projected monthly cost and p99 latency of Lambda, Cloud Run
and LMI, and the rate above which LMI is the cheapest of the three; (b) traffic that grows from a warm steady
state, doubling over five minutes or quadrupling in one: LMI's CPU-driven, growth-limited scaler throttles the
second, while Lambda and Cloud Run scale per request. Seeds are fixed, so every run gives the same numbers.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import _check
from ..arrivals import Growth
from ..config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from ..distributions import Exponential, Fixed
from ..plotting import PLATFORM_LINESTYLES, STYLE, platform_colour, platform_key, styled
from ..result import request_figures
from ..run import simulate
from ..sweep import summarise
from ..workload import Workload
from ._common import (LMI_NAME, Run, io_share_workload, legend_below, line_style, money_tick, number_tick, run_all,
                      run_row, value_axis)

SEED = 1
LAMBDA = LambdaConfig(name="Lambda")                  # 512 MB, the default
CLOUD_RUN = CloudRunConfig(name="Cloud Run")          # 1 vCPU, 0.5 GiB, up to 80 requests at once
LMI_DEFAULT = LambdaManagedInstancesConfig(name=f"{LMI_NAME} (default)")   # 3 x m7g.large, Python: 32 slots each
LMI_SIZED_NAME = f"{LMI_NAME} (sized)"


# ---------------------------------------------------------------- sizing a fleet
def target_rate_per_s(config: LambdaManagedInstancesConfig, cpu_ms: float, instances: int | None = None) -> float:
    """Requests per second that keep `instances` (default: the minimum fleet) at the scaler's CPU target:
    instances x target utilisation x vCPUs / CPU seconds per request."""
    _check.number("cpu_ms", cpu_ms, low=0, low_open=True)
    n = config.min_instances if instances is None else instances
    return n * config.target_cpu_utilization * config.vcpu / (cpu_ms / 1000)


def instances_for_load(rate_per_s: float, cpu_ms: float, config: LambdaManagedInstancesConfig = LMI_DEFAULT) -> int:
    """Fewest instances that carry `rate_per_s` requests of `cpu_ms` at the scaler's CPU target, never fewer
    than the config's minimum fleet: max(min_instances, ceil(rate x CPU s / (target x vCPUs)))."""
    _check.number("rate_per_s", rate_per_s, low=0)
    needed = math.ceil(rate_per_s / target_rate_per_s(config, cpu_ms, instances=1) - 1e-9)
    return max(config.min_instances, needed)


def lmi_sized(rate_per_s: float, cpu_ms: float, config: LambdaManagedInstancesConfig = LMI_DEFAULT):
    """`config` with min_instances raised (if needed) so the warm fleet carries the steady load at its target."""
    n = instances_for_load(rate_per_s, cpu_ms, config)
    return replace(config, name=LMI_SIZED_NAME, min_instances=n, max_instances=max(n, config.max_instances))


# ---------------------------------------------------------------- (a) steady traffic: cost against the rate
STEADY_RATES_PER_S = (1.0, 10.0, 30.0, 100.0, 300.0)
STEADY_CPU_MS = 20.0          # the chapter's I/O-share experiment: 20 ms CPU ...
STEADY_IO_SHARE = 0.9         # ... and an exponential I/O wait of mean 180 ms (90% of the work waiting)
STEADY_DURATION_S = 180.0
WARMUP_S = 60.0               # p99 counts requests that arrive after this (Lambda and Cloud Run start cold)
#: The figures in a row of `steady_metrics` (p99 of the requests after the warm-up).
STEADY_COLUMNS = ("requests", "throttled", "latency_p99_ms", "mean_instances", "peak_instances", "window_s",
                  "cost_usd", "monthly_usd")


def steady_metrics(run: Run, warmup_s: float = WARMUP_S) -> dict:
    """Simulate `run`: its labels plus cost (USD, whole window projected to a 30-day month), throttles,
    instances and p99 latency (ms) of the requests that arrived after `warmup_s`."""
    result = simulate(run.workload, run.config, seed=run.seed)
    req = result.requests
    late = request_figures(req[req["arrival_s"] >= warmup_s])
    return run_row(run, {**result.figures(), "latency_p99_ms": late["latency_p99_ms"]}, STEADY_COLUMNS)


def steady_cost(rates_per_s: Sequence[float] = STEADY_RATES_PER_S, replications: int = 3,
                duration_s: float = STEADY_DURATION_S, cpu_ms: float = STEADY_CPU_MS,
                io_share: float = STEADY_IO_SHARE, seed: int = SEED, executor=None) -> pd.DataFrame:
    """Steady Poisson traffic of I/O-heavy requests (sim.experiments.concurrency_cost.io_share_workload) on
    Lambda, Cloud Run, LMI with its defaults and, where the default fleet is below what the load needs at the
    CPU target, LMI with min_instances sized for the load. One row per (rate, config, replication);
    replication k uses seed + k on every config (common random numbers)."""
    _check.number("replications", replications, low=1, high=20, integer=True)
    runs = []
    for rate in rates_per_s:
        _check.number("rate_per_s", rate, low=0, low_open=True)
        workload = io_share_workload(rate, io_share, cpu_ms, duration_s)
        sized = lmi_sized(rate, cpu_ms)
        configs = [LAMBDA, CLOUD_RUN, LMI_DEFAULT] + ([sized] if sized.min_instances > LMI_DEFAULT.min_instances else [])
        labels = (("rate_per_s", float(rate)), ("lmi_instances_for_load", instances_for_load(rate, cpu_ms)))
        runs += [Run(workload, config, seed + k, labels + (("replication", k),))
                 for k in range(replications) for config in configs]
    return pd.DataFrame(run_all(steady_metrics, runs, executor))


def steady_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over replications per (rate, config), plus `lmi` (the LMI config that carries
    the load: sized where it was run, else the default) and `cheapest` (per rate, over Lambda, Cloud Run, lmi)."""
    table = summarise(runs, ["monthly_usd", "latency_p99_ms", "throttled"], by=["rate_per_s", "config", "platform"],
                      wide=True)
    sized_rates = set(table.loc[table["config"] == LMI_SIZED_NAME, "rate_per_s"])
    table["lmi"] = (table["config"] == LMI_SIZED_NAME) | ((table["config"] == LMI_DEFAULT.name)
                                                          & ~table["rate_per_s"].isin(sized_rates))
    contenders = table[(table["platform"] != "lmi") | table["lmi"]]
    best = contenders.loc[contenders.groupby("rate_per_s")["monthly_usd"].idxmin()].set_index("rate_per_s")
    table["cheapest"] = table["rate_per_s"].map(best["config"])
    return table


def lmi_cost_ratio(summary: pd.DataFrame) -> pd.Series:
    """Per rate: the LMI config's monthly cost over the cheaper of Lambda and Cloud Run (below 1: LMI cheapest)."""
    lmi = summary[summary["lmi"]].set_index("rate_per_s")["monthly_usd"]
    others = summary[summary["platform"] != "lmi"].groupby("rate_per_s")["monthly_usd"].min()
    return (lmi / others).sort_index()


def cloudrun_cheaper_from(summary: pd.DataFrame) -> tuple[float, float]:
    """The grid interval (lower rate, higher rate) in which Cloud Run becomes cheaper than Lambda and stays so
    at every higher rate; (nan, lowest rate) if it is cheaper at every rate, (nan, nan) if not at the highest."""
    costs = summary[summary["platform"] != "lmi"].pivot(index="rate_per_s", columns="platform", values="monthly_usd")
    rates = costs.index.to_numpy(dtype=float)
    cheaper = (costs["cloudrun"] < costs["lambda"]).to_numpy()
    if not cheaper[-1]:
        return (math.nan, math.nan)
    k = len(rates) - 1
    while k > 0 and cheaper[k - 1]:
        k -= 1
    return (float(rates[k - 1]) if k > 0 else math.nan, float(rates[k]))


def break_even_rate(summary: pd.DataFrame) -> dict:
    """The rate above which LMI is the cheapest of the three: the last grid interval where the cost ratio
    (lmi_cost_ratio) crosses 1 from above, interpolated linearly in log(ratio) against log(rate).

    Returns the rate (NaN if LMI is never cheapest on the grid; the lowest rate if it is cheapest at every one)
    and the grid points on either side (`below_rate_per_s`, `above_rate_per_s`)."""
    ratio = lmi_cost_ratio(summary)
    rates, log_ratio = ratio.index.to_numpy(dtype=float), np.log(ratio.to_numpy(dtype=float))
    cheapest = log_ratio < 0
    if not cheapest[-1]:
        return {"break_even_rate_per_s": math.nan, "below_rate_per_s": math.nan, "above_rate_per_s": math.nan}
    k = len(rates) - 1
    while k > 0 and cheapest[k - 1]:
        k -= 1
    if k == 0:
        return {"break_even_rate_per_s": float(rates[0]), "below_rate_per_s": math.nan,
                "above_rate_per_s": float(rates[0])}
    a, b = log_ratio[k - 1], log_ratio[k]
    x0, x1 = math.log(rates[k - 1]), math.log(rates[k])
    return {"break_even_rate_per_s": float(math.exp(x0 + (x1 - x0) * a / (a - b))),
            "below_rate_per_s": float(rates[k - 1]), "above_rate_per_s": float(rates[k])}


# ---------------------------------------------------------------- the UNVERIFIED minimum fleet
#: Minimum fleets the chapter's explorable figure offers around the UNVERIFIED default of 3 (docs/facts.md s.10).
MIN_FLEETS = (1, 2, 3, 4, 5)


def fleet_sweep(min_fleets: Sequence[int] = MIN_FLEETS, rates_per_s: Sequence[float] = STEADY_RATES_PER_S,
                replications: int = 3, duration_s: float = STEADY_DURATION_S, cpu_ms: float = STEADY_CPU_MS,
                io_share: float = STEADY_IO_SHARE, seed: int = SEED, executor=None) -> pd.DataFrame:
    """LMI alone on `steady_cost`'s workloads and seeds, with each minimum fleet of `min_fleets`, raised where the
    load needs more instances at the CPU target (`lmi_sized`). One row per (min_fleet, rate, replication); every
    fleet is named LMI_NAME, so its line keeps one name whatever the minimum."""
    _check.number("replications", replications, low=1, high=20, integer=True)
    runs = []
    for m in min_fleets:
        _check.number("min_fleet", m, low=1, high=LMI_DEFAULT.max_instances, integer=True)
        floor = replace(LMI_DEFAULT, min_instances=int(m))
        for rate in rates_per_s:
            _check.number("rate_per_s", rate, low=0, low_open=True)
            workload = io_share_workload(rate, io_share, cpu_ms, duration_s)
            config = replace(lmi_sized(rate, cpu_ms, floor), name=LMI_NAME)
            labels = (("min_fleet", int(m)), ("rate_per_s", float(rate)))
            runs += [Run(workload, config, seed + k, labels + (("replication", k),)) for k in range(replications)]
    return pd.DataFrame(run_all(steady_metrics, runs, executor))


def with_min_fleet(summary: pd.DataFrame, fleet_runs: pd.DataFrame) -> pd.DataFrame:
    """`steady_summary`'s Lambda and Cloud Run rows beside the LMI fleet of each minimum of `fleet_runs`
    (`fleet_sweep`), stacked with a `min_fleet` column; `lmi` marks the fleet, so `lmi_cost_ratio` and
    `break_even_rate` read the rows of one minimum as they read `steady_summary`."""
    fleets = summarise(fleet_runs, ["monthly_usd", "latency_p99_ms", "throttled"],
                       by=["min_fleet", "rate_per_s", "config", "platform"], wide=True).assign(lmi=True)
    others = summary[summary["platform"] != "lmi"].drop(columns=["cheapest"])
    return pd.concat([part for m, fleet in fleets.groupby("min_fleet", sort=True)
                      for part in (others.assign(min_fleet=m), fleet)], ignore_index=True)


def break_even_by_min_fleet(table: pd.DataFrame) -> pd.Series:
    """Per minimum fleet of `with_min_fleet`'s table: the rate above which LMI is the cheapest (`break_even_rate`)."""
    return pd.Series({m: break_even_rate(rows)["break_even_rate_per_s"] for m, rows in table.groupby("min_fleet")},
                     name="break_even_rate_per_s").rename_axis("min_fleet")


def steady_display(summary: pd.DataFrame, metric: str = "monthly_usd") -> pd.DataFrame:
    """`steady_summary` as a table: one row per rate, one column per config with the mean of `metric`
    (monthly_usd rounded to cents, latency_p99_ms to ms; "±" columns hold one standard error), and the
    cheapest platform. LMI (sized) is empty where the default fleet already carries the load."""
    _check.choice("metric", metric, ("monthly_usd", "latency_p99_ms"))
    digits = 2 if metric == "monthly_usd" else 0
    order = list(dict.fromkeys(summary["config"]))
    out = pd.DataFrame(index=pd.Index(sorted(summary["rate_per_s"].unique()), name="requests/s"))
    for config in order:
        rows = summary[summary["config"] == config].set_index("rate_per_s")
        out[config] = rows[metric].round(digits)
        out[f"± {config}"] = rows[f"{metric}_se"].round(digits)
    out.index = [f"{rate:g}" for rate in out.index]
    out.index.name = "requests/s"
    if metric == "monthly_usd":
        out["cheapest"] = summary.groupby("rate_per_s")["cheapest"].first().to_numpy()
    return out


@styled
def plot_steady_cost(summary: pd.DataFrame, ax=None) -> Figure:
    """Two panels against the steady rate (log axes): projected monthly cost, with the break-even marked,
    and p99 latency after the warm-up; error bars ±2 standard errors over replications."""
    fig, axes = _figure(ax, 1, 2, (10.0, 4.2))
    counts: dict[str, int] = {}
    for config in dict.fromkeys(summary["config"]):
        rows = summary[summary["config"] == config].sort_values("rate_per_s")
        platform = rows["platform"].iloc[0]
        style = line_style(config, platform, counts.get(platform, 0))
        counts[platform] = counts.get(platform, 0) + 1
        for panel, metric in zip(axes, ("monthly_usd", "latency_p99_ms")):
            panel.errorbar(rows["rate_per_s"], rows[metric], yerr=2 * rows[f"{metric}_se"].fillna(0), capsize=3, **style)
    crossing = break_even_rate(summary)["break_even_rate_per_s"]
    if np.isfinite(crossing):
        axes[0].axvline(crossing, color="#555555", linestyle=":", linewidth=1.5)
        axes[0].annotate(f"{LMI_NAME} cheapest\nabove {crossing:,.0f}/s", (crossing, 0.96),
                         xycoords=("data", "axes fraction"),
                         ha="left", va="top", fontsize=9, color="#333333", xytext=(4, 0), textcoords="offset points")
    value_axis(axes[0].yaxis, summary["monthly_usd"], money_tick)
    axes[0].set_ylabel("projected cost per 30-day month")
    axes[1].set_ylabel("p99 latency after warm-up (ms)")
    for panel in axes:
        value_axis(panel.xaxis, summary["rate_per_s"])
        panel.set_xlabel("steady requests per second")
    axes[1].set_ylim(bottom=0)
    legend_below(fig, axes, ncols=4)
    return fig


# ---------------------------------------------------------------- (b) growth from a warm steady state
#: (label, growth factor, ramp length in s): within AWS's "doubling within five minutes", and beyond it.
GROWTH_SCENARIOS = (("×2 over 5 minutes", 2.0, 300.0), ("×4 in 1 minute", 4.0, 60.0))
#: A request with more CPU than in (a), so that the default fleet nears its CPU target at a modest rate.
GROWTH_CPU_MS = 50.0
GROWTH_IO_MS = 150.0            # mean of an exponential wait
GROWTH_BASE_RATE_PER_S = 50.0   # 2.5 busy vCPUs: just under the 3 that 3 default instances aim for (50% of 2)
GROWTH_START_S = 120.0          # a warm steady state first
GROWTH_DURATION_S = 600.0
GROWTH_CONFIGS = (LAMBDA, CLOUD_RUN, LMI_DEFAULT)
TIMELINE_STEP_S = 10.0


def growth_workload(factor: float, ramp_s: float, base_rate_per_s: float = GROWTH_BASE_RATE_PER_S,
                    duration_s: float = GROWTH_DURATION_S) -> Workload:
    """`Growth` traffic from GROWTH_START_S, requests of GROWTH_CPU_MS CPU then an exponential I/O wait."""
    return Workload(arrivals=Growth(base_rate_per_s, factor, GROWTH_START_S, ramp_s), duration_s=duration_s,
                    cpu_ms=Fixed(ms=GROWTH_CPU_MS), io_ms=Exponential(mean_ms=GROWTH_IO_MS))


def growth(scenarios=GROWTH_SCENARIOS, configs: Sequence = GROWTH_CONFIGS, seed: int = SEED,
           step_s: float = TIMELINE_STEP_S) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each growth scenario on each config, one seed (the same arrivals on every config).

    Returns (timeline, summary). The timeline has one row per (scenario, config, `step_s` bin): offered and
    throttled requests per second, and environments/instances alive at the bin's start. The summary has one row
    per (scenario, config): requests, throttled, the first and last throttle, p99 latency of requests that
    arrived from the start of the growth on, peak and final environments/instances."""
    _check.number("step_s", step_s, low=1, high=600)
    frames, rows = [], []
    for label, factor, ramp_s in scenarios:
        workload = growth_workload(factor, ramp_s)
        edges = np.arange(0.0, workload.duration_s + step_s / 2, step_s)
        for config in configs:
            result = simulate(workload, config, seed=seed)
            req = result.requests
            throttled = req.loc[req["status"] == "throttled", "arrival_s"].to_numpy()
            alive = result.timeline(step_s)
            frames.append(pd.DataFrame({
                "scenario": label, "ramp_s": ramp_s, "config": config.name, "platform": config.platform,
                "t_s": edges[:-1],
                "offered_per_s": np.histogram(req["arrival_s"], edges)[0] / step_s,
                "throttled_per_s": np.histogram(throttled, edges)[0] / step_s,
                "instances": alive["instances"].to_numpy()[:len(edges) - 1]}))
            figures = result.figures()
            grown = request_figures(req[req["arrival_s"] >= GROWTH_START_S])
            rows.append({"scenario": label, "factor": factor, "ramp_s": ramp_s, "config": config.name,
                         "platform": config.platform, "requests": figures["requests"],
                         "throttled": figures["throttled"], "throttle_rate": figures["throttle_rate"],
                         "first_throttle_s": float(throttled.min()) if throttled.size else math.nan,
                         "last_throttle_s": float(throttled.max()) if throttled.size else math.nan,
                         "latency_p99_ms": grown["latency_p99_ms"],
                         "peak_instances": figures["peak_instances"],
                         "final_instances": int(alive["instances"].iloc[-1])})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def growth_display(summary: pd.DataFrame) -> pd.DataFrame:
    """A compact table of `growth`'s summary: throttles, p99 after the growth began, peak environments/instances."""
    out = pd.DataFrame({"traffic": summary["scenario"], "platform": summary["config"],
                        "throttled": summary["throttled"], "throttled (%)": (100 * summary["throttle_rate"]).round(1),
                        "p99 (ms)": summary["latency_p99_ms"].round().astype("int64"),
                        "peak alive": summary["peak_instances"]})
    return out.set_index(["traffic", "platform"])


@styled
def plot_growth(timeline: pd.DataFrame, ax=None) -> Figure:
    """One column per scenario. Top: offered requests per second and LMI's throttled requests per second.
    Bottom: environments (Lambda) and instances (Cloud Run, LMI) alive, on a log axis."""
    scenarios = list(dict.fromkeys(timeline["scenario"]))
    fig, axes = _figure(ax, 2, len(scenarios), (10.0, 6.0))
    axes = np.asarray(axes).reshape(2, len(scenarios))
    for column, scenario in enumerate(scenarios):
        rows = timeline[timeline["scenario"] == scenario]
        top, bottom = axes[0, column], axes[1, column]
        ramp_s = float(rows["ramp_s"].iloc[0])
        for panel in (top, bottom):
            panel.axvspan(GROWTH_START_S, GROWTH_START_S + ramp_s, color="#999999", alpha=0.2, linewidth=0,
                          label="traffic growing")
        first = rows[rows["config"] == rows["config"].iloc[0]]
        top.step(first["t_s"], first["offered_per_s"], where="post", color="#555555", linewidth=1.5,
                 label="offered requests/s")
        lmi = rows[rows["platform"] == "lmi"]
        for name in dict.fromkeys(lmi["config"]):
            one = lmi[lmi["config"] == name]
            top.fill_between(one["t_s"], one["throttled_per_s"], step="post", color=platform_colour("lmi"), alpha=0.5,
                             linewidth=0, label=f"{name}: throttled requests/s")
        for name in dict.fromkeys(rows["config"]):
            one = rows[rows["config"] == name]
            platform = one["platform"].iloc[0]
            bottom.step(one["t_s"], one["instances"], where="post", color=platform_colour(platform),
                        linestyle=PLATFORM_LINESTYLES[platform_key(platform)], label=f"{name}: alive")
        top.set_title(scenario, fontsize=11)
        top.set_ylim(bottom=0)
        bottom.set_yscale("log")
        bottom.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
        bottom.yaxis.set_minor_locator(NullLocator())
        bottom.yaxis.set_major_formatter(FuncFormatter(number_tick))
        bottom.set_ylim(bottom=2, top=1.3 * rows["instances"].max())
        bottom.set_xlabel("time (s)")
    axes[0, 0].set_ylabel("requests per second")
    axes[1, 0].set_ylabel("environments / instances")
    legend_below(fig, axes.ravel(), ncols=3)
    return fig


# ---------------------------------------------------------------- helpers
def _figure(ax, nrows: int, ncols: int, figsize: tuple[float, float]):
    """(fig, flat array of Axes): `ax`'s figure if given, else a new book-styled nrows x ncols figure
    (closed in pyplot so a notebook shows it once)."""
    if ax is not None:
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        return axes[0].figure, axes
    with matplotlib.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=False)
    plt.close(fig)
    return fig, axes.ravel()
