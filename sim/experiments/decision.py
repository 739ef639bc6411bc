"""Chapter "The workload decides": queue consumers against a synchronous API, and a decision map.

`queue_vs_sync` sends one burst of messages to a consumer whose concurrency is capped, once as HTTP
requests (refused with 429 when nothing can take them) and once through a queue (where they wait).
`decision_map` runs both platforms over a grid of mean request rate x burstiness x I/O share and
records which is cheaper and which has the lower p99 latency; `plot_decision_map` draws it as small
multiples, with the rate bands of the Serverless in the Wild trace (facts.md s.7) marked along the top.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm
from matplotlib.figure import Figure

from .. import _check
from ..arrivals import Poisson, Replay, Spike
from ..config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from ..distributions import Exponential
from ..plotting import new_figure, platform_colour, styled
from ..run import compare, simulate
from ..workload import Workload
from .capstone import MAX_REFUSED_SHARE, verdict, work
from ._common import LMI_NAME, Run, config_order, legend_below, line_style, on_off, run_all, run_metrics

SEED = 1

# ---------------------------------------------------------------- queue-fed vs synchronous
#: A producer drops 100 messages/s for 30 s; each message takes on average 20 ms of CPU and a 180 ms database write.
MESSAGE_BURST = Spike(base_rate_per_s=0.0, spike_rate_per_s=100.0, spike_start_s=30.0, spike_duration_s=30.0)
MESSAGE_WINDOW_S = 150.0
MESSAGE_CPU_MS = Exponential(mean_ms=20.0)
MESSAGE_IO_MS = Exponential(mean_ms=180.0)
#: Both consumers are capped at 10 messages at a time, e.g. to protect the database behind them.
CONSUMER_CAP = 10
QUEUE_RUNS = (("sync", LambdaConfig(name="Lambda, HTTP (sync)", concurrency_limit=CONSUMER_CAP)),
              ("queue", LambdaConfig(name="Lambda, queue consumer", concurrency_limit=CONSUMER_CAP)),
              ("queue", CloudRunConfig(name="Cloud Run, queue consumer", max_instances=1,
                                       max_concurrency=CONSUMER_CAP)))


def oldest_waiting_age_s(requests: pd.DataFrame, t_s: np.ndarray) -> np.ndarray:
    """Age of the oldest message still waiting at each time in `t_s` (0 when none waits)."""
    arrival = requests["arrival_s"].to_numpy()
    placed = (requests["start_s"] - requests["init_s"]).to_numpy()
    ages = np.zeros(len(t_s))
    for k, t in enumerate(t_s):
        waiting = (arrival <= t) & (placed > t)
        if waiting.any():
            ages[k] = t - arrival[waiting].min()
    return ages


def queue_vs_sync(step_s: float = 1.0, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The message burst on a capped Lambda function called synchronously, the same function fed by a
    queue, and a Cloud Run service fed by a queue with the same cap. Returns (timeline, summary):
    backlog and oldest-message age per time step, and per run the 429s, longest wait, drain time and cost."""
    _check.number("step_s", step_s, low=0.01, high=60)
    frames, rows = [], []
    for mode, config in QUEUE_RUNS:
        workload = Workload(arrivals=MESSAGE_BURST, duration_s=MESSAGE_WINDOW_S, cpu_ms=MESSAGE_CPU_MS,
                            io_ms=MESSAGE_IO_MS, mode=mode)
        result = simulate(workload, config, seed=seed)
        timeline = result.timeline(step_s)
        timeline = timeline[timeline["t_s"] < result.window_s[1]].copy()   # at the very end every instance counts as retired
        timeline["oldest_age_s"] = oldest_waiting_age_s(result.requests, timeline["t_s"].to_numpy())
        timeline.insert(0, "config", config.name)
        timeline.insert(1, "platform", config.platform)
        timeline.insert(2, "mode", mode)
        frames.append(timeline)
        figures = result.figures()
        last_done_s = float(result.requests.loc[result.requests["status"] == "ok", "end_s"].max())
        burst_end_s = MESSAGE_BURST.spike_start_s + MESSAGE_BURST.spike_duration_s
        rows.append({"config": config.name, "platform": config.platform, "mode": mode,
                     "messages": figures["requests"], "throttled": figures["throttled"], "served": figures["ok"],
                     "wait_max_s": figures["wait_max_s"], "latency_p99_ms": figures["latency_p99_ms"],
                     "last_done_s": last_done_s, "drain_s": last_done_s - burst_end_s,
                     "peak_backlog": int(timeline["waiting"].max()), "cost_usd": figures["cost_usd"]})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def queue_display(summary: pd.DataFrame) -> pd.DataFrame:
    """A compact table of `queue_vs_sync`'s summary."""
    out = pd.DataFrame({"run": summary["config"], "refused (429)": summary["throttled"], "served": summary["served"],
                        "longest wait (s)": summary["wait_max_s"].round(1), "done after the burst (s)": summary["drain_s"].round(1),
                        "peak backlog": summary["peak_backlog"], "cost of the window (USD)": summary["cost_usd"].round(4)})
    return out.set_index("run")


@styled
def plot_queue_vs_sync(timeline: pd.DataFrame, summary: pd.DataFrame, ax=None) -> Figure:
    """Left: messages waiting in the queue over time. Right: age of the oldest waiting message.
    The synchronous run has no queue: its refused requests are given in the legend."""
    fig, axes = new_figure(ax, ncols=2, figsize=(9.5, 4.0)) if ax is None else (ax[0].figure, ax)
    left, right = axes
    for name, platform, variant in config_order(timeline):
        one = timeline[timeline["config"] == name]
        style = line_style(name, platform, variant)
        style.pop("marker")
        if one["mode"].iloc[0] == "sync":
            refused = int(summary.loc[summary["config"] == name, "throttled"].iloc[0])
            style["label"] = f"{name}: no queue, {refused:,} refused (429)"
        left.step(one["t_s"], one["waiting"], where="post", **style)
        right.step(one["t_s"], one["oldest_age_s"], where="post", **style)
    for panel in axes:
        panel.axvspan(MESSAGE_BURST.spike_start_s, MESSAGE_BURST.spike_start_s + MESSAGE_BURST.spike_duration_s,
                      color="#999999", alpha=0.25, linewidth=0)
        panel.set_xlabel("time (s)")
        panel.set_ylim(bottom=0)
    left.set_ylabel("messages waiting")
    right.set_ylabel("age of the oldest waiting message (s)")
    legend_below(fig, axes, ncols=2)
    return fig


# ---------------------------------------------------------------- the decision map
#: Mean rates per hour, one decade apart: at least one column in every Serverless-in-the-Wild band.
RATES_PER_HOUR = (1.0, 10.0, 100.0, 1_000.0, 10_000.0)
#: Share of every hour that has traffic: 1 is steady; 0.01 is 36 s of traffic an hour (a scheduled job).
ON_FRACTIONS = (1.0, 0.3, 0.1, 0.03, 0.01)
CYCLE_S = 3600.0
#: Two requests of 200 ms of work on one vCPU: mostly computing, or mostly waiting on I/O.
PROFILES = (("CPU-heavy: 160 ms CPU + 40 ms I/O", Exponential(mean_ms=160.0), Exponential(mean_ms=40.0)),
            ("I/O-heavy: 20 ms CPU + 180 ms I/O", Exponential(mean_ms=20.0), Exponential(mean_ms=180.0)))
MAP_CONFIGS = (LambdaConfig(name="Lambda"), CloudRunConfig(name="Cloud Run"),
               LambdaManagedInstancesConfig(name=LMI_NAME))
#: Each platform's name in the map's columns and verdicts, by the configs' platform keys.
PLATFORM_NAMES = {config.platform: config.name for config in MAP_CONFIGS}
#: Invocation-rate bands of Azure Functions apps, Serverless in the Wild (facts.md s.7 and s.9):
#: (upper bound in requests per hour, share of apps, label).
SITW_BANDS = ((1.0, 0.45, "≤ 1/hour"), (60.0, 0.36, "1/hour–1/minute"), (3600.0, 0.16, "1/minute–1/second"),
              (math.inf, 0.03, "> 1/second"))


def window_s(rate_per_hour: float, target_requests: int = 1000, max_window_s: float = 86_400.0,
             cycle_s: float = CYCLE_S) -> float:
    """Whole cycles long enough for about `target_requests` requests, at least one cycle, at most `max_window_s`."""
    _check.number("rate_per_hour", rate_per_hour, low=0, low_open=True)
    wanted = min(max(target_requests / rate_per_hour * 3600.0, cycle_s), max_window_s)
    return cycle_s * math.ceil(wanted / cycle_s - 1e-9)


def map_runs(rates_per_hour: Sequence[float] = RATES_PER_HOUR, on_fractions: Sequence[float] = ON_FRACTIONS,
             profiles=PROFILES, configs: Sequence = MAP_CONFIGS, target_requests: int = 1000,
             seed: int = SEED) -> list[Run]:
    """The simulations behind the map: one per (profile, rate, on-fraction, config), same seed everywhere."""
    _check.number("target_requests", target_requests, low=10, high=1_000_000, integer=True)
    runs = []
    for profile, cpu_ms, io_ms in profiles:
        for rate in rates_per_hour:
            duration = window_s(rate, target_requests)
            for fraction in on_fractions:
                workload = Workload(arrivals=on_off(rate / 3600.0, fraction, CYCLE_S), duration_s=duration,
                                    cpu_ms=cpu_ms, io_ms=io_ms)
                labels = (("profile", profile), ("rate_per_hour", float(rate)), ("on_fraction", float(fraction)))
                runs += [Run(workload, config, seed, labels) for config in configs]
    return runs


def map_price_dates(configs: Sequence = MAP_CONFIGS) -> dict[str, str]:
    """The dates of the list prices behind the map's costs, per config name ("first to last"), read off the
    bills of a one-minute run (at the map's rates every bill has the same price lines, no volume tier beyond
    the first)."""
    workload = Workload(Poisson(rate_per_s=1.0), duration_s=60.0)
    return {name: result.bill().price_dates for name, result in compare(workload, *configs, seed=SEED).items()}


def decision_map(rates_per_hour: Sequence[float] = RATES_PER_HOUR, on_fractions: Sequence[float] = ON_FRACTIONS,
                 profiles=PROFILES, target_requests: int = 1000, seed: int = SEED, executor=None) -> pd.DataFrame:
    """One row per (profile, rate, on-fraction, platform): projected monthly cost, p99 latency, throttling.
    Runs sequentially unless a concurrent.futures `executor` is given (same results either way)."""
    runs = map_runs(rates_per_hour, on_fractions, profiles, MAP_CONFIGS, target_requests, seed)
    return pd.DataFrame(run_all(run_metrics, runs, executor))


def compare_cells(df: pd.DataFrame) -> pd.DataFrame:
    """One row per map cell: costs and p99s side by side, the cheaper and the faster platform, and ratios
    (> 1 means Lambda is better: cost_ratio = Cloud Run cost / Lambda cost, same for p99). With Lambda Managed
    Instances, `cheapest` is the cheapest of the three among those that refuse at most MAX_REFUSED_SHARE."""
    keys = ["profile", "rate_per_hour", "on_fraction"]
    wide = df.pivot_table(index=keys, columns="platform",
                          values=["monthly_usd", "latency_p99_ms", "throttle_rate", "requests"], sort=False)
    wide.columns = [f"{metric}_{platform}" for metric, platform in wide.columns]
    cells = wide.reset_index()
    cells["cost_ratio"] = cells["monthly_usd_cloudrun"] / cells["monthly_usd_lambda"]
    cells["p99_ratio"] = cells["latency_p99_ms_cloudrun"] / cells["latency_p99_ms_lambda"]
    lam, cloud_run = PLATFORM_NAMES["lambda"], PLATFORM_NAMES["cloudrun"]
    cells["cheaper"] = np.where(cells["cost_ratio"] > 1, lam, cloud_run)
    cells["faster_p99"] = np.where(cells["p99_ratio"] > 1, lam, cloud_run)
    cells["throttled"] = ((cells["throttle_rate_lambda"] > MAX_REFUSED_SHARE)
                          | (cells["throttle_rate_cloudrun"] > MAX_REFUSED_SHARE))
    if "monthly_usd_lmi" in cells:   # the third option: cheapest of all three, and LMI against the better of the two
        costs = cells[[f"monthly_usd_{key}" for key in PLATFORM_NAMES]].to_numpy(dtype=float)
        serving = cells[[f"throttle_rate_{key}" for key in PLATFORM_NAMES]].to_numpy(dtype=float) <= MAX_REFUSED_SHARE
        best = np.where(serving, costs, np.inf).argmin(axis=1)   # among those refusing at most 1%
        cells["cheapest"] = [list(PLATFORM_NAMES.values())[k] if serving[row, k] else "" for row, k in enumerate(best)]
        cells["lmi_cost_ratio"] = cells["monthly_usd_lmi"] / cells[["monthly_usd_lambda", "monthly_usd_cloudrun"]].min(axis=1)
    return cells


def map_display(cells: pd.DataFrame, column: str = "cost_ratio") -> pd.DataFrame:
    """One map as a table: rows (request, share of each hour with traffic), columns mean requests per hour."""
    _check.choice("column", column, ("cost_ratio", "p99_ratio"))
    table = cells.assign(request=cells["profile"].str.split(":").str[0],
                         traffic=cells["on_fraction"].map(lambda f: f"{f:.0%}"))
    wide = table.pivot_table(index=["request", "traffic"], columns="rate_per_hour", values=column, sort=False)
    wide.columns = [f"{rate:,.0f}/h" for rate in wide.columns]
    return wide.round(2)


def sitw_bands_by_column(rates_per_hour: Sequence[float] = RATES_PER_HOUR) -> pd.DataFrame:
    """Which Serverless-in-the-Wild rate band each map column falls in, with that band's share of apps
    (a band's share is split evenly over the columns inside it, so the column shares add up to 100%)."""
    bands = [next(k for k, (upper, _share, _label) in enumerate(SITW_BANDS) if rate <= upper)
             for rate in rates_per_hour]
    counts = pd.Series(bands).value_counts()
    return pd.DataFrame({"rate_per_hour": list(rates_per_hour), "band": [SITW_BANDS[b][2] for b in bands],
                         "band_share": [SITW_BANDS[b][1] for b in bands],
                         "column_share": [SITW_BANDS[b][1] / counts[b] for b in bands]})


def apps_share_where_cheaper(cells: pd.DataFrame, platform: str, on_fraction: float = 1.0) -> pd.DataFrame:
    """Per profile: the share of apps (Serverless-in-the-Wild rate bands, split evenly over the map's columns)
    whose column has `platform` cheaper at the given on-fraction. A rough weighting, not a fit to the trace."""
    _check.choice("platform", platform, (PLATFORM_NAMES["lambda"], PLATFORM_NAMES["cloudrun"]))
    weights = sitw_bands_by_column(sorted(cells["rate_per_hour"].unique())).set_index("rate_per_hour")["column_share"]
    rows = []
    for profile, group in cells[np.isclose(cells["on_fraction"], on_fraction)].groupby("profile", sort=False):
        cheaper = group.set_index("rate_per_hour")["cheaper"] == platform
        rows.append({"profile": profile, "on_fraction": on_fraction, "platform": platform,
                     "apps_share": float(weights[cheaper.index[cheaper]].sum())})
    return pd.DataFrame(rows)


def _platform_colormap() -> LinearSegmentedColormap:
    """Cloud Run blue through white to Lambda orange: the colour says which platform wins a cell."""
    return LinearSegmentedColormap.from_list("platforms", [platform_colour("cloudrun"), "#ffffff",
                                                           platform_colour("lambda")])


def _rate_label(rate_per_hour: float) -> str:
    return f"{rate_per_hour:,.0f}/h"


@styled
def plot_decision_map(cells: pd.DataFrame, metric: str = "cost", ax=None) -> Figure:
    """Small multiples, one heatmap per request profile: columns are mean rates, rows burstiness (steady at
    the bottom). Colour and label say which platform is cheaper (metric="cost") or has the lower p99
    (metric="p99"), and by what factor; cells where either platform refused more than 1% are marked "429",
    and cells where Lambda Managed Instances are cheaper than both (when the map ran them) "<LMI_NAME> cheapest"."""
    _check.choice("metric", metric, ("cost", "p99"))
    column = "cost_ratio" if metric == "cost" else "p99_ratio"
    profiles = list(dict.fromkeys(cells["profile"]))
    rates = sorted(cells["rate_per_hour"].unique())
    fractions = sorted(cells["on_fraction"].unique(), reverse=True)
    if ax is None:
        fig, axes = plt.subplots(len(profiles), 1, figsize=(7.5, 4.3 * len(profiles) + 0.8), layout="constrained")
        plt.close(fig)
    else:
        fig, axes = ax[0].figure, ax
    axes = np.atleast_1d(axes)
    limit = max(2.0, float(np.nanmax(np.abs(np.log2(cells[column])))))
    norm = TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    bands = sitw_bands_by_column(rates)
    image = None
    for panel, profile in zip(np.atleast_1d(axes), profiles):
        grid = (cells[cells["profile"] == profile]
                .pivot_table(index="on_fraction", columns="rate_per_hour", values=column)
                .reindex(index=fractions, columns=rates))
        throttled = (cells[cells["profile"] == profile]
                     .pivot_table(index="on_fraction", columns="rate_per_hour", values="throttled")
                     .reindex(index=fractions, columns=rates))
        lmi_cheapest = None
        if "cheapest" in cells:
            lmi_cheapest = (cells[cells["profile"] == profile]
                            .assign(lmi_cheapest=lambda d: d["cheapest"] == LMI_NAME)
                            .pivot_table(index="on_fraction", columns="rate_per_hour", values="lmi_cheapest")
                            .reindex(index=fractions, columns=rates).astype(bool))
        log_ratio = np.log2(grid.to_numpy(dtype=float))
        image = panel.imshow(log_ratio, cmap=_platform_colormap(), norm=norm, origin="lower", aspect="auto")
        for (row, col), value in np.ndenumerate(grid.to_numpy(dtype=float)):
            winner = "L" if value > 1 else "CR"
            factor = value if value > 1 else 1 / value
            text = f"{winner} {factor:.1f}×" + ("\n429" if throttled.iat[row, col] else "")
            if lmi_cheapest is not None and lmi_cheapest.iat[row, col]:
                text += f"\n{LMI_NAME} cheapest"
            panel.text(col, row, text, ha="center", va="center", fontsize=9.5, color="#111111")
        panel.set_xticks(range(len(rates)), [_rate_label(r) for r in rates], fontsize=9)
        panel.set_yticks(range(len(fractions)), [f"{f:.0%}" for f in fractions], fontsize=9)
        panel.set_xlabel("mean requests per hour")
        panel.set_title(profile, fontsize=11, pad=28)
        panel.grid(False)
        for band, group in bands.groupby("band", sort=False):
            positions = [rates.index(r) for r in group["rate_per_hour"]]
            centre = (min(positions) + max(positions)) / 2
            panel.annotate(f"{band}\n{group['band_share'].iloc[0]:.0%} of apps", (centre, 1.0),
                           xycoords=("data", "axes fraction"), xytext=(0, 3), textcoords="offset points",
                           ha="center", va="bottom", fontsize=8.5, color="#333333")
            if max(positions) < len(rates) - 1:
                panel.axvline(max(positions) + 0.5, color="#333333", linewidth=0.8, linestyle=":")
    for panel in axes:
        panel.set_ylabel("share of each hour\nwith traffic (burstier ↑)")
    what = "cheaper" if metric == "cost" else "lower p99 latency"
    bar = fig.colorbar(image, ax=axes, orientation="horizontal", shrink=0.8, aspect=40, pad=0.02)
    ticks = np.arange(-math.floor(limit), math.floor(limit) + 1)
    bar.set_ticks(ticks, labels=[f"{2 ** abs(t):g}×" for t in ticks])
    bar.set_label(f"← Cloud Run {what}          Lambda {what} →", fontsize=10)
    return fig


# ---------------------------------------------------------------- the third option on two standard workloads
#: The book's standard steady and bursty workloads for the three-way comparison: I/O-heavy requests
#: (20 ms CPU + 180 ms I/O, exponential) for 30 minutes at 20 requests per second, steady, or with a spike
#: to 20 times that for 5 minutes, 10 minutes in (traffic that more than doubles within seconds).
STANDARD_RATE_PER_S, STANDARD_WINDOW_S = 20.0, 1800.0
STANDARD_SPIKE = Spike(base_rate_per_s=STANDARD_RATE_PER_S, spike_rate_per_s=20 * STANDARD_RATE_PER_S,
                       spike_start_s=600.0, spike_duration_s=300.0)


def three_way(seed: int = SEED) -> pd.DataFrame:
    """The standard steady and bursty workloads on Lambda, Cloud Run and Lambda Managed Instances: one row
    per (workload, platform) with the capstone's verdict figures (monthly cost, p50/p99, throttles, peaks)."""
    cpu, io = work(20.0, 180.0)
    rows = []
    for label, arrivals in (("steady", Poisson(rate_per_s=STANDARD_RATE_PER_S)), ("bursty", STANDARD_SPIKE)):
        workload = Workload(arrivals, duration_s=STANDARD_WINDOW_S, cpu_ms=cpu, io_ms=io)
        table = verdict(workload, MAP_CONFIGS, seed)
        for platform in table.columns:
            rows.append({"workload": label, "platform": platform, **table[platform].to_dict()})
    return pd.DataFrame(rows)


def three_way_display(rows: pd.DataFrame) -> pd.DataFrame:
    """The three-way comparison as a table: workloads and platforms as rows, the decision figures as columns."""
    keep = ["monthly cost (USD)", "p50 latency (ms)", "p99 latency (ms)", "throttled share", "peak instances"]
    return rows.set_index(["workload", "platform"])[keep]


# ---------------------------------------------------------------- your own traffic
def trace_verdict(timestamps_s, cpu_ms=PROFILES[1][1], io_ms=PROFILES[1][2], configs: Sequence = MAP_CONFIGS,
                  seed: int = SEED, duration_s: float | None = None) -> pd.DataFrame:
    """Replay your own request timestamps (seconds; e.g. `Replay.from_csv(path).timestamps_s`) on the platforms:
    the capstone lab's verdict table (`capstone.verdict`), one column per platform. The window is
    `duration_s` long (default: up to the last timestamp), and the monthly cost is projected from it."""
    replay = timestamps_s if isinstance(timestamps_s, Replay) else Replay(timestamps_s)
    cpu, io = work(cpu_ms, io_ms)   # a Distribution, or a number: the mean of an exponential time
    return verdict(Workload(arrivals=replay, duration_s=duration_s, cpu_ms=cpu, io_ms=io), configs, seed)
