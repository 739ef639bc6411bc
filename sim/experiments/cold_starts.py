"""Chapter "Cold starts": per execution environment (Lambda) vs per container instance (Cloud Run).

The experiments run bursty traffic (short bursts separated by idle gaps longer than either platform's
keep-alive) and read cold starts from the run tables: by runtime, by package size, with provisioned
concurrency or minimum instances, and against the keep-alive formula P(cold) = e^(−λT).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import _check
from ..arrivals import ArrivalProcess, OnOff, Poisson
from ..coldstart import CLOUD_RUN_PROFILES, LAMBDA_PROFILES, lambda_first_invoke_ms
from ..config import CloudRunConfig, LambdaConfig
from ..distributions import Distribution, Fixed, LogNormal
from ..intervals import peak_open
from ..plotting import PLATFORM_COLOURS, PLATFORM_LABELS, new_figure, platform_key, styled
from ..run import compare, simulate
from ..stats import replications
from ..theory import keepalive_cold_probability
from ..workload import Workload

SEEDS = (1, 2, 3)
#: Bursty traffic: two minutes at 8 requests per second every 30 minutes, so every idle gap (28 min)
#: outlasts both Lambda's measured keep-alive and Cloud Run's idle timeout.
BURSTS = OnOff(rate_on_per_s=8.0, on_s=120.0, off_s=1680.0)
DURATION_S = 6 * 3600.0
#: A request of an I/O-bound API: a little CPU (ms of one full vCPU), then a wait on a downstream service.
REQUEST_CPU_MS = Fixed(5.0)
REQUEST_IO_MS = LogNormal(median_ms=80.0, p95_ms=300.0)

LAMBDA_RUNTIMES = ("python", "nodejs", "go", "java", "java_snapstart", "dotnet")
CLOUD_RUN_RUNTIMES = tuple(CLOUD_RUN_PROFILES)        # the runtimes with a published measurement
RUNTIME_LABELS = {"python": "Python", "nodejs": "Node.js", "go": "Go", "java": "Java",
                  "java_snapstart": "Java + SnapStart", "dotnet": ".NET"}

#: Shilkov's measured Lambda Node.js cold starts (median, s) by zipped package size in MB: 1 KB, 14 MB,
#: 35 MB (https://mikhail.io/serverless/coldstarts/aws/, lastmod 2021-01-05; facts.md s.4).
SHILKOV_NODE_PACKAGE_MEDIANS_S = {0.001: 0.26, 14.0: 1.70, 35.0: 3.87}
#: The source text's case: a Node.js service with a big dependency tree (zipped package, MB; our example).
BIG_NODE_PACKAGE_MB = 30.0


def _plain_log_ticks(axis, which: str, low: float, high: float) -> None:
    """Label a log axis with plain numbers (1-2-5 steps) instead of powers of ten."""
    candidates = [m * 10.0 ** e for e in range(-3, 4) for m in (1, 2, 5)]
    ticks = [t for t in candidates if low <= t <= high]
    setter = axis.set_xticks if which == "x" else axis.set_yticks
    setter(ticks, [f"{t:g}" for t in ticks])
    axis.minorticks_off()


def profile_table(memory_mb: int = 512) -> pd.DataFrame:
    """The simulator's cold-start calibration per runtime (sim.coldstart), in milliseconds."""
    rows = []
    for runtime in LAMBDA_RUNTIMES:
        lam = LAMBDA_PROFILES[runtime]
        cloud_run = CLOUD_RUN_PROFILES.get(runtime)
        rows.append({"runtime": RUNTIME_LABELS[runtime],
                     "lambda_init_median_ms": lam.init_median_ms,
                     "lambda_first_invoke_ms": lambda_first_invoke_ms(runtime, memory_mb),
                     "lambda_ms_per_package_mb": lam.package_ms_per_mb,
                     "cloud_run_startup_median_ms": cloud_run.median_ms if cloud_run else np.nan,
                     "cloud_run_startup_p95_ms": cloud_run.p95_ms if cloud_run else np.nan})
    return pd.DataFrame(rows).set_index("runtime")


def bursty_workload(arrivals: ArrivalProcess = BURSTS, duration_s: float = DURATION_S,
                    cpu_ms: Distribution = REQUEST_CPU_MS, io_ms: Distribution = REQUEST_IO_MS) -> Workload:
    """The chapter's traffic: bursts separated by long idle gaps, each request a little CPU then a wait."""
    return Workload(arrivals=arrivals, duration_s=duration_s, cpu_ms=cpu_ms, io_ms=io_ms)


def startup_durations_s(result) -> np.ndarray:
    """How long each on-demand environment's INIT or instance's start-up took (provisioned ones excluded)."""
    inst = result.instances[~result.instances["provisioned"]]
    return (inst["ready_s"] - inst["created_s"]).to_numpy(dtype=float)


def cold_start_row(result) -> dict:
    """The cold-start figures of one run."""
    summary = result.summary()
    startups = startup_durations_s(result)
    requests = result.requests
    cold_ok = requests[requests["cold"] & (requests["status"] == "ok")]
    return {
        "started": int(startups.size),
        "startup_median_s": float(np.median(startups)) if startups.size else np.nan,
        "cold_start_rate": summary["cold_start_rate"],
        "cold_latency_median_ms": float(cold_ok["latency_s"].median() * 1000.0) if len(cold_ok) else np.nan,
        "latency_p50_ms": summary["latency_p50_ms"],
        "latency_p99_ms": summary["latency_p99_ms"],
        "cost_usd": summary["cost_usd"],
        "monthly_usd": result.bill().monthly_usd,
    }


_WITH_SE = ("cold_start_rate", "latency_p99_ms", "cost_usd")


def _replicate(workload: Workload, configs: Sequence, seeds: Sequence[int], labels: Sequence[dict]) -> pd.DataFrame:
    """Run every config on every seed (common random numbers within a seed); mean and SE over seeds."""
    _check.number("len(seeds)", len(seeds), low=2, integer=True)
    runs = [compare(workload, *configs, seed=seed) for seed in seeds]
    rows = []
    for config, label in zip(configs, labels):
        per_seed = pd.DataFrame([cold_start_row(run[config.name]) for run in runs])
        row = {"config": config.name, "platform": platform_key(config.platform), **label}
        for column in per_seed:
            row[column] = float(per_seed[column].mean())     # NaN-skipping: a run may start nothing
            if column in _WITH_SE:
                row[f"{column}_se"] = replications(per_seed[column].to_numpy(dtype=float)).se
        rows.append(row)
    return pd.DataFrame(rows).set_index("config")


# ---------------------------------------------------------------- runtimes and package size
def runtime_sweep(seeds: Sequence[int] = SEEDS, workload: Workload | None = None) -> pd.DataFrame:
    """Cold starts and latency by runtime: Lambda (default 0.5 MB package) and Cloud Run, mean over seeds."""
    configs = [LambdaConfig(name=f"Lambda {r}", runtime=r) for r in LAMBDA_RUNTIMES]
    configs += [CloudRunConfig(name=f"Cloud Run {r}", runtime=r) for r in CLOUD_RUN_RUNTIMES]
    labels = [{"runtime": c.runtime} for c in configs]
    return _replicate(workload or bursty_workload(), configs, seeds, labels)


def package_sweep(package_mb: Sequence[float] = (0.5, 5.0, 14.0, 35.0), seeds: Sequence[int] = SEEDS,
                  workload: Workload | None = None) -> pd.DataFrame:
    """Lambda Node.js cold starts by zipped package size, beside Shilkov's measured medians where they exist."""
    configs = [LambdaConfig(name=f"Lambda nodejs {mb:g} MB", runtime="nodejs", package_mb=mb) for mb in package_mb]
    labels = [{"package_mb": float(mb),
               "measured_median_s": SHILKOV_NODE_PACKAGE_MEDIANS_S.get(float(mb), np.nan)} for mb in package_mb]
    return _replicate(workload or bursty_workload(), configs, seeds, labels)


@styled
def plot_runtimes(sweep: pd.DataFrame, ax=None) -> Figure:
    """Two panels by runtime, one marker per platform: the median cold start, and p99 latency (±2 SE).

    `ax`: None for a new figure, or a pair of Axes to draw into.
    """
    fig, (left, right) = new_figure(ax, ncols=2, figsize=(9.0, 3.8))
    runtimes = [r for r in LAMBDA_RUNTIMES if r in set(sweep["runtime"])]
    y = {runtime: k for k, runtime in enumerate(runtimes)}
    offset = {"lambda": -0.12, "cloudrun": 0.12}
    for platform, rows in sweep.groupby("platform", sort=False):
        ys = [y[r] + offset[platform] for r in rows["runtime"]]
        style = dict(color=PLATFORM_COLOURS[platform], label=PLATFORM_LABELS[platform], linestyle="none",
                     marker="o" if platform == "lambda" else "s")
        left.plot(rows["startup_median_s"], ys, **style)
        right.errorbar(rows["latency_p99_ms"] / 1000.0, ys, xerr=2 * rows["latency_p99_ms_se"] / 1000.0,
                       capsize=3, **style)
    for axis in (left, right):
        axis.set_yticks(range(len(runtimes)), [RUNTIME_LABELS[r] for r in runtimes])
        axis.set_ylim(len(runtimes) - 0.5, -0.5)
        axis.set_xscale("log")
        _plain_log_ticks(axis, "x", *axis.get_xlim())
    right.tick_params(labelleft=False)
    left.set_xlabel("median cold start (s, log scale)")
    right.set_xlabel("p99 latency, all requests (s, log scale)")
    left.set_title("One cold start")
    right.set_title("The tail of all requests")
    left.legend(loc="lower right")
    return fig


@styled
def plot_package_size(sweep: pd.DataFrame, ax=None) -> Figure:
    """Lambda Node.js cold-start duration against package size: simulated vs measured, with Cloud Run's
    Node.js start-up (which has no size term) for reference."""
    fig, ax = new_figure(ax)
    colour = PLATFORM_COLOURS["lambda"]
    ax.plot(sweep["package_mb"], sweep["startup_median_s"], marker="o", color=colour,
            label="Lambda Node.js, simulated INIT (median)")
    measured = pd.Series(SHILKOV_NODE_PACKAGE_MEDIANS_S)
    ax.scatter(measured.index, measured.to_numpy(), marker="x", s=70, color="#222222", zorder=3,
               label="Lambda Node.js, measured end to end (Shilkov)")
    ax.axhline(CLOUD_RUN_PROFILES["nodejs"].median_ms / 1000.0, color=PLATFORM_COLOURS["cloudrun"],
               linestyle="--", label="Cloud Run Node.js start-up (median; no size term)")
    ax.set_xlabel("zipped deployment package (MB)")
    ax.set_ylabel("cold start (s)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=9)
    return fig


# ---------------------------------------------------------------- provisioned concurrency vs minimum instances
def provisioning_sweep(provisioned_concurrency: Sequence[int] = (0, 1, 2, 4, 8),
                       min_instances: Sequence[int] = (0, 1, 2), seeds: Sequence[int] = SEEDS,
                       workload: Workload | None = None, package_mb: float = BIG_NODE_PACKAGE_MB) -> pd.DataFrame:
    """A Node.js service with a big package: Lambda with N provisioned environments vs Cloud Run with N
    minimum instances, under the same traffic. p99 latency and cost (mean and SE over seeds)."""
    configs = [LambdaConfig(name=f"Lambda, provisioned concurrency {n}", runtime="nodejs", package_mb=package_mb,
                            provisioned_concurrency=n) for n in provisioned_concurrency]
    configs += [CloudRunConfig(name=f"Cloud Run, min instances {n}", runtime="nodejs", min_instances=n)
                for n in min_instances]
    labels = [{"setting": "provisioned concurrency", "count": n} for n in provisioned_concurrency]
    labels += [{"setting": "minimum instances", "count": n} for n in min_instances]
    return _replicate(workload or bursty_workload(), configs, seeds, labels)


def peak_in_flight(result) -> int:
    """Most requests being handled at once (on Lambda: the environments a cold-start-free run would need)."""
    placed = result.requests[result.requests["instance_id"] >= 0]
    return peak_open(placed["start_s"].to_numpy(), placed["end_s"].to_numpy())


def traffic_peak_in_flight(workload: Workload | None = None, seeds: Sequence[int] = SEEDS) -> int:
    """Peak concurrency of the traffic itself: Lambda environments needed at once with instant cold starts."""
    config = LambdaConfig(name="Lambda, no INIT", runtime="nodejs", init_ms=0.0)
    return max(peak_in_flight(simulate(workload or bursty_workload(), config, seed=seed)) for seed in seeds)


def price_table(configs: Sequence, workload: Workload | None = None, seed: int = SEEDS[0]) -> pd.DataFrame:
    """The priced lines behind each config's bill, with the date each price was read or published."""
    frames = []
    for config in configs:
        lines = price_lines(simulate(workload or bursty_workload(), config, seed=seed))
        lines.insert(0, "config", config.name)
        frames.append(lines)
    return pd.concat(frames, ignore_index=True)


@styled
def plot_p99_vs_cost(sweep: pd.DataFrame, ax=None) -> Figure:
    """Each setting as a point: cost of the window against p99 latency, labelled with its count."""
    fig, ax = new_figure(ax, figsize=(7.0, 4.0))
    for platform, rows in sweep.groupby("platform", sort=False):
        colour = PLATFORM_COLOURS[platform]
        label = ("Lambda, provisioned concurrency N" if platform == "lambda" else "Cloud Run, minimum instances N")
        ax.errorbar(rows["cost_usd"], rows["latency_p99_ms"] / 1000.0, yerr=2 * rows["latency_p99_ms_se"] / 1000.0,
                    fmt="o-" if platform == "lambda" else "s--", color=colour, capsize=3, label=label)
        for cost, p99_ms, count in zip(rows["cost_usd"], rows["latency_p99_ms"], rows["count"]):
            ax.annotate(f"N={count}", (cost, p99_ms / 1000.0), textcoords="offset points", xytext=(6, 6),
                        color=colour, fontsize=9)
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 1.35)                 # room for the labels
    _plain_log_ticks(ax, "y", *ax.get_ylim())
    ax.set_xlabel("cost of the simulated window (USD, list prices)")
    ax.set_ylabel("p99 latency (s, log scale)")
    ax.set_xlim(0, sweep["cost_usd"].max() * 1.12)
    ax.legend(loc="upper right")
    return fig


def price_lines(result) -> pd.DataFrame:
    """The priced lines of a run's bill with their as-of dates and flags (zero-quantity lines dropped)."""
    lines = result.bill().lines
    lines = lines[lines["quantity"] != 0]
    return lines[["item", "unit_price_usd", "unit", "as_of", "flag"]].reset_index(drop=True)


# ---------------------------------------------------------------- keep-alive against e^(−λT)
LAMBDA_KEEPALIVE = LambdaConfig(name="Lambda", init_ms=0.0)
CLOUD_RUN_KEEPALIVE = CloudRunConfig(name="Cloud Run", startup_ms=0.0)


def effective_keep_alive_s(config) -> float:
    """Idle time after the last request before an environment/instance is retired in the simulator.

    Lambda: keep_alive_s. Cloud Run: the autoscaler keeps an instance active until its one-minute window
    holds no request, then idle_timeout_s runs (plus up to one autoscale period: not included here).
    """
    if config.platform == "lambda":
        return float(config.keep_alive_s)
    return float(config.idle_timeout_s + config.autoscale_window_s)


def keepalive_sweep(mean_gaps_s: Sequence[float], config=LAMBDA_KEEPALIVE, n_requests: int = 2000,
                    seed: int = 1) -> pd.DataFrame:
    """Share of cold requests against the mean gap between requests (Poisson, negligible service time),
    beside the closed form e^(−λT). The first request (always cold: nothing exists yet) is dropped."""
    _check.number("n_requests", n_requests, low=10, high=1_000_000, integer=True)
    keep_alive_s = effective_keep_alive_s(config)
    rows = []
    for k, mean_gap_s in enumerate(mean_gaps_s):
        _check.number("mean_gap_s", mean_gap_s, low=0, low_open=True)
        rate_per_s = 1.0 / mean_gap_s
        workload = Workload(arrivals=Poisson(rate_per_s=rate_per_s), duration_s=n_requests * mean_gap_s,
                            cpu_ms=Fixed(0.0), io_ms=Fixed(1.0))
        # One seed per point: with a shared seed every point would rescale the same gaps (correlated errors).
        cold = simulate(workload, config, seed=seed + k).requests["cold"].to_numpy(dtype=bool)[1:]
        share = float(cold.mean())
        rows.append({"platform": platform_key(config.platform), "mean_gap_s": float(mean_gap_s),
                     "keep_alive_s": keep_alive_s, "requests": int(cold.size), "cold_share": share,
                     "cold_share_se": math.sqrt(share * (1 - share) / cold.size),
                     "theory": keepalive_cold_probability(rate_per_s, keep_alive_s)})
    return pd.DataFrame(rows)


@styled
def plot_keepalive(sweep: pd.DataFrame, ax=None, measured_range_s: tuple[float, float] | None = (300.0, 420.0)) -> Figure:
    """Simulated cold share (±2 SE) against the mean gap, with e^(−λT) per platform; optionally the band
    e^(−λT) for Lambda's measured keep-alive range (5–7 min)."""
    fig, ax = new_figure(ax, figsize=(7.5, 4.8))
    gaps_min = np.linspace(0.2, sweep["mean_gap_s"].max() / 60.0 * 1.05, 300)
    if measured_range_s is not None and "lambda" in set(sweep["platform"]):
        low, high = (np.exp(-t / (gaps_min * 60.0)) for t in measured_range_s)
        ax.fill_between(gaps_min, low, high, color=PLATFORM_COLOURS["lambda"], alpha=0.18, linewidth=0,
                        label=f"AWS Lambda: $e^{{-\\lambda T}}$, T = {measured_range_s[0] / 60:g}–"
                              f"{measured_range_s[1] / 60:g} min (measured range)")
    for platform, rows in sweep.groupby("platform", sort=False):
        colour = PLATFORM_COLOURS[platform]
        t_s = rows["keep_alive_s"].iloc[0]
        ax.plot(gaps_min, np.exp(-t_s / (gaps_min * 60.0)), color=colour,
                linestyle="-" if platform == "lambda" else "--",
                label=f"{PLATFORM_LABELS[platform]}: $e^{{-\\lambda T}}$, T = {t_s / 60:g} min")
        ax.errorbar(rows["mean_gap_s"] / 60.0, rows["cold_share"], yerr=2 * rows["cold_share_se"],
                    fmt="o" if platform == "lambda" else "s", color=colour, capsize=3, linestyle="none",
                    label=f"{PLATFORM_LABELS[platform]}: simulated")
    ax.set_xlabel("mean gap between requests, 1/λ (min)")
    ax.set_ylabel("share of requests that start cold")
    ax.set_xlim(0, gaps_min.max())
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9)
    return fig
