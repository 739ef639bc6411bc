"""The appendices: the model's parameters and assumptions, and the checks that its numbers can be trusted.

Tables are built from the code itself (the config dataclasses' fields and defaults, the cold-start
profiles, the price table), joined with source maps that say where each value comes from in
docs/facts.md and what is UNVERIFIED. A field without an entry in its source map is an error,
so a new parameter cannot reach the book undocumented.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import theory, validation
from ..arrivals import OnOff, Poisson
from ..billing import busy_slices, lambda_cost
from ..coldstart import CLOUD_RUN_PROFILES, LAMBDA_INIT_CAP_MS, LAMBDA_PROFILES
from ..config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from ..distributions import Exponential, LogNormal
from ..intervals import peak_open
from ..plotting import platform_colour, styled
from ..prices import LAMBDA_PRICES, price_table
from ..run import simulate
from ..workload import Workload

SEED = 1

# ---------------------------------------------------------------- source maps: field -> (meaning, source, status)
LAMBDA_SOURCES = {
    "name": ("label in tables and figures", "-", "not a platform setting"),
    "memory_mb": ("memory in MB; CPU scales with it, 1,769 MB = 1 vCPU",
                  "facts.md s.1 (128-10,240 MB), s.3 (1,769 MB = 1 vCPU)",
                  "confirmed; the 512 MB default is the book's choice"),
    "architecture": ("x86_64 or arm64 (Arm duration 20% cheaper)", "facts.md s.1 (Graviton2 blog)", "confirmed"),
    "runtime": ("cold-start profile (see the cold-start table)", "facts.md s.4 (lambda-perf, 2026-08-22)",
                "confirmed (hello-world functions)"),
    "package_mb": ("zipped package size; adds to INIT", "facts.md s.4 (Shilkov, Node.js)",
                   "slope measured for Node.js only; applied to Python as an assumption"),
    "keep_alive_s": ("idle environment recycled this long after its last request",
                     "facts.md s.4, s.9 item 4 (Shilkov 2021: 5-7 min)",
                     "UNVERIFIED by AWS (undocumented); a 2021 measurement"),
    "concurrency_limit": ("most environments busy at once; above it a request is refused (429)",
                          "facts.md s.3 (account default 1,000 per region)", "confirmed"),
    "scale_up_per_10s": ("new environments per 10 s per function, refilled continuously",
                         "facts.md s.3 (scaling behaviour since Nov 2023)", "confirmed"),
    "provisioned_concurrency": ("environments initialised ahead and kept warm", "facts.md s.1 (prices)",
                                "prices confirmed (secondary)"),
    "dispatch": ("which idle environment takes a request", "not documented by AWS",
                 "modelling choice: AWS's policy is UNVERIFIED"),
    "timeout_s": ("handler time limit", "facts.md s.3 (maximum 900 s)", "confirmed"),
    "init_billed": ("INIT billed on cold starts", "facts.md s.1a (since 2025-08-01)",
                    "confirmed; an older pricing-page footnote is unresolved (UNVERIFIED)"),
    "init_ms": ("fixes INIT to a number (None: drawn from the profile)", "-", "for exact tests"),
    "pooler_max_connections": ("connections of a pooler (e.g. RDS Proxy) between the functions and the database; "
                               "a request's query waits for one, first come first served (None: no pooler, "
                               "each environment holds its own connection)", "-",
                               "the app's design choice, not a platform fact"),
}

CLOUDRUN_SOURCES = {
    "name": ("label in tables and figures", "-", "not a platform setting"),
    "vcpu": ("vCPUs per instance (0.08-1, 2, 4, 6, 8)", "facts.md s.6 (default 1, maximum 8)", "confirmed"),
    "memory_gib": ("memory per instance", "facts.md s.6 (1 vCPU: up to 4 GiB)",
                   "confirmed; 0.5 GiB matches the cold-start measurements (s.6a)"),
    "max_concurrency": ("requests one instance accepts at once", "facts.md s.6 (default 80, maximum 1,000)",
                        "confirmed"),
    "min_instances": ("instances kept even when idle (billed at the idle rate)", "facts.md s.5, s.6 (default 0)",
                      "confirmed; idle rate UNVERIFIED (older page)"),
    "max_instances": ("most instances at once", "facts.md s.6 (default 100)", "confirmed"),
    "runtime": ("cold-start profile (see the cold-start table)", "facts.md s.6a (knmts 2024)",
                "confirmed (one measurement, read from charts)"),
    "startup_cpu_boost": ("shortens container start-up", "facts.md s.6 (Google blog 2022-09-26)",
                          "confirmed as 'up to' figures"),
    "idle_timeout_s": ("idle surplus instance removed after this long", "facts.md s.6, s.9 item 9",
                       "15 min confirmed only for surges; as a general keep-warm UNVERIFIED"),
    "pending_timeout_s": ("a request waits this long for a free slot (or the average start-up time if longer), "
                          "then 429", "facts.md s.6, s.9 item 9 (10 s; older 60 s)", "confirmed (translated docs)"),
    "request_timeout_s": ("request time limit", "facts.md s.6 (default 300 s, maximum 3,600 s)", "confirmed"),
    "autoscale_period_s": ("autoscaler re-evaluation period", "facts.md s.6 ('every 5 seconds')",
                           "confirmed in older docs; newer say 'periodically'"),
    "autoscale_window_s": ("averaging window of the autoscaler", "facts.md s.6 (one minute)", "confirmed"),
    "target_cpu_utilization": ("CPU target per instance", "facts.md s.6 (60%)", "confirmed"),
    "target_concurrency_utilization": ("concurrency target per instance", "facts.md s.6 (60% of max concurrency)",
                                       "confirmed (fr/es/de/ja copies)"),
    "billing": ("request-based or instance-based billing", "facts.md s.5", "confirmed"),
    "connections_per_instance": ("database pool size of one instance", "-",
                                 "the app's design choice, not a platform fact"),
    "db_pool": ("True: each request's I/O is a query that waits, first come first served, for one of the "
                "instance's connections (False: the pool is counted, never waited for)", "-",
                "a modelling switch, not a platform setting"),
    "startup_ms": ("fixes start-up to a number (None: drawn from the profile)", "-", "for exact tests"),
}


LMI_SOURCES = {
    "name": ("label in tables and figures", "-", "not a platform setting"),
    "runtime": ("sets the default concurrency per vCPU", "facts.md s.10 (Python 16, Node.js 64, Java/.NET 32)",
                "confirmed (secondary)"),
    "concurrency_per_vcpu": ("requests one vCPU's worth of environment accepts at once (None: the runtime's)",
                             "facts.md s.10", "confirmed (secondary)"),
    "instance_type": ("EC2 type of the fleet: vCPUs, memory, on-demand price",
                      "prices: facts.md s.10 (June 2026); vCPUs and memory: AWS's EC2 instance-type pages and "
                      "Price List (not in facts.md)",
                      "prices confirmed (secondary); specifications from AWS's pages, outside facts.md; "
                      "the m7g.large default is the book's ASSUMPTION"),
    "min_instances": ("instances always running (never scales to zero)", "facts.md s.10 (AWS cost guidance)",
                      "UNVERIFIED: the 3-instance minimum is not in AWS's documentation"),
    "max_instances": ("most instances at once", "-", "ASSUMPTION: a user cap; no published default"),
    "target_cpu_utilization": ("CPU the scaler aims at", "facts.md s.10 (settable, or left to Lambda)",
                               "ASSUMPTION: AWS publishes no default; 0.5 is the book's"),
    "scale_growth_factor": ("most the fleet may grow within the growth window", "facts.md s.10 ('doubling within five minutes')",
                            "confirmed as AWS's guidance; how AWS enforces it is not published"),
    "scale_growth_window_s": ("the growth window", "facts.md s.10 (five minutes)", "confirmed"),
    "scaler_period_s": ("how often the scaler re-evaluates", "-", "ASSUMPTION"),
    "scaler_window_s": ("CPU averaged over this window", "-", "ASSUMPTION"),
    "scale_in_cooldown_s": ("no scale-in this long after a scale-out", "-", "ASSUMPTION"),
    "instance_launch_s": ("a new instance takes this long to serve", "not in facts.md", "ASSUMPTION: not published"),
    "request_timeout_s": ("handler time limit", "facts.md s.3 (maximum 900 s)", "confirmed"),
    "connections_per_instance": ("database pool size of one instance", "-",
                                 "the app's design choice, not a platform fact"),
    "db_pool": ("True: each request's I/O is a query that waits, first come first served, for one of the "
                "instance's connections (False: the pool is counted, never waited for)", "-",
                "a modelling switch, not a platform setting"),
}

SOURCES = {LambdaConfig: LAMBDA_SOURCES, CloudRunConfig: CLOUDRUN_SOURCES, LambdaManagedInstancesConfig: LMI_SOURCES}


def config_table(config_cls, sources: dict | None = None) -> pd.DataFrame:
    """Every field of a config dataclass with its default, meaning, source and status (from `sources`)."""
    if config_cls not in SOURCES:
        raise ValueError(f"config_cls={config_cls!r} is not allowed; expected one of "
                         f"{', '.join(c.__name__ for c in SOURCES)}")
    sources = sources or SOURCES[config_cls]
    fields = dataclasses.fields(config_cls)
    missing = [f.name for f in fields if f.name not in sources]
    extra = sorted(set(sources) - {f.name for f in fields})
    if missing or extra:
        raise ValueError(f"the source map for {config_cls.__name__} is out of date: "
                         f"missing {missing}, no such field {extra}")
    rows = []
    for f in fields:
        meaning, source, status = sources[f.name]
        rows.append({"parameter": f.name, "default": _show(f.default), "meaning": meaning,
                     "source": source, "status": status})
    return pd.DataFrame(rows)


def _show(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.1f}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}"
    return repr(value) if isinstance(value, str) else str(value)


def coldstart_table() -> pd.DataFrame:
    """The cold-start profiles of both platforms, one row per runtime, from sim.coldstart: medians and 95th
    percentiles in ms, Lambda's first-invoke and package-size terms, Cloud Run's boost factor, sources and notes."""
    rows = []
    for runtime, p in LAMBDA_PROFILES.items():
        d = dataclasses.asdict(p)
        rows.append({"platform": "Lambda", "runtime": runtime, "median_ms": d["init_median_ms"],
                     "p95_ms": 2 * d["init_median_ms"], "first_invoke_ms": d["first_invoke_ms"],
                     "ms_per_package_mb": d["package_ms_per_mb"], "boost_factor": math.nan,
                     "source": d["source"], "note": d["note"]})
    for runtime, p in CLOUD_RUN_PROFILES.items():
        d = dataclasses.asdict(p)
        rows.append({"platform": "Cloud Run", "runtime": runtime, "median_ms": d["median_ms"], "p95_ms": d["p95_ms"],
                     "first_invoke_ms": math.nan, "ms_per_package_mb": math.nan, "boost_factor": d["boost_factor"],
                     "source": d["source"], "note": d["note"]})
    return pd.DataFrame(rows)


def prices() -> pd.DataFrame:
    """The price table (sim.prices.price_table) with the columns the appendix shows."""
    table = price_table()
    return table[["table", "item", "kind", "value", "unit", "as_of", "flag", "source"]]


def simplifications() -> pd.DataFrame:
    """What the model does where the platforms' behaviour is simplified or unknown, and what that means."""
    lam, run, lmi = LambdaConfig(), CloudRunConfig(), LambdaManagedInstancesConfig()
    rows = [
        ("Lambda dispatch", f"an arriving request takes the {lam.dispatch.replace('_', '-')} idle environment "
         "(also: oldest-idle-first, random)",
         "AWS does not document its policy; the choice changes cold-start rates by large factors"),
        ("Cloud Run routing", "a request goes to the active instance with the fewest requests in flight "
         "that has a free slot", "Google does not document its load balancing; this is the kindest reasonable rule"),
        ("Cloud Run autoscaler", f"every {run.autoscale_period_s:g} s: desired instances = max(ceil(average demand / "
         f"({run.target_concurrency_utilization:.0%} x max_concurrency)), ceil(average busy vCPUs / "
         f"({run.target_cpu_utilization:.0%} x vCPU))) over the last {run.autoscale_window_s:g} s, clamped to "
         "[min_instances, max_instances]; a request that finds no slot also starts an instance",
         "documented targets (facts.md s.6, s.9 item 8); the exact control law is Google's"),
        ("Lambda INIT cap", f"INIT is capped at {LAMBDA_INIT_CAP_MS / 1000:g} s",
         "AWS retries a longer INIT at the first invoke (facts.md s.4); the retry is not modelled"),
        ("Placement overhead", "Lambda: none beyond INIT, as Lambda reports it; Cloud Run: start-up as a client "
         "measures it, end to end",
         "short Lambda cold starts are understated against Cloud Run's: end-to-end hello-world medians are "
         "0.22-0.37 s against INIT medians of 0.05-0.23 s (facts.md s.4, two sources four years apart)"),
        ("First-invoke penalty", "JIT runtimes (Java, .NET) add a fixed time to the first request after INIT",
         "from one benchmark's hello-world functions (facts.md s.4)"),
        ("Lambda queue-fed scaling", "queue mode uses the same scale-up bucket as synchronous calls "
         f"({lam.scale_up_per_10s:,} per 10 s)",
         "the SQS poller starts with 5 concurrent batches and adds up to 300 per minute (facts.md s.3): "
         "real queue consumers scale more slowly than simulated"),
        ("Retries", "none: a refused (429) or timed-out request is counted, not retried",
         "AWS SDKs retry 429s and async invocations retry for up to 6 h (facts.md s.3)"),
        ("Cloud Run billing slices", "request-based billing rounds each busy slice of an instance up to 100 ms",
         "per-slice rounding is UNVERIFIED (facts.md TV-6)"),
        ("Shutdown", "shutdown time is neither simulated nor billed", "Cloud Run bills shutdown (facts.md s.5)"),
        ("Free tiers", "off unless asked for; bills are list prices, Tier 1 (Cloud Run), us-east-1 (Lambda)",
         "free tiers are per account per month, not per service"),
        ("Managed Instances hosts", "one EC2 instance is one pool of concurrency_per_vcpu x vCPUs request slots "
         "sharing its vCPUs", "LMI runs several execution environments per instance; their memory, the OS and "
         "the Lambda agent's CPU are not modelled"),
        ("Managed Instances scaler", f"every {lmi.scaler_period_s:g} s: ceil(average busy vCPUs over "
         f"{lmi.scaler_window_s:g} s / ({lmi.target_cpu_utilization:.0%} x vCPUs)) instances, never more than "
         f"{lmi.scale_growth_factor:g}x the smallest fleet of the last {lmi.scale_growth_window_s:g} s; "
         f"new instances serve after {lmi.instance_launch_s:g} s",
         "AWS publishes the doubling-in-5-minutes guidance (facts.md s.10), not the algorithm; period, window, "
         "target and launch time are assumptions"),
        ("Managed Instances bill", "instances billed per second from launch at the EC2 on-demand price, plus 15%, "
         "plus the request fee", "Savings Plans and Reserved Instances apply to the EC2 part and are not modelled; "
         "the 3-instance minimum fleet is UNVERIFIED (facts.md s.10)"),
    ]
    return pd.DataFrame(rows, columns=["topic", "what the model does", "why it matters"])


# ---------------------------------------------------------------- trust: closed forms, live
def _points(axis: str, values: Sequence[float], seed: int, check_at) -> pd.DataFrame:
    """Run `check_at(value, seed)` (a validation check) once per value, each with its own seed; one row each."""
    seeds = np.random.SeedSequence(seed).generate_state(len(values))
    rows = []
    for value, s in zip(values, seeds):
        check = check_at(float(value), int(s))
        rows.append({axis: float(value), "oracle": check.oracle, "simulated": check.estimate.mean,
                     "se": check.estimate.se})
    return pd.DataFrame(rows)


def erlang_b_points(servers: int = 5, offered_loads: Sequence[float] = (1.0, 2.0, 3.0, 4.0, 5.0, 7.0),
                    n_requests: int = 10_000, seed: int = SEED) -> pd.DataFrame:
    """Lambda with a concurrency limit of `servers` and no INIT delay: P(429) against offered load, theory and
    simulation (batch means, warm-up dropped), one simulation per load with its own seed."""
    return _points("offered_load", offered_loads, seed, lambda load, s: validation.erlang_b_check(
        "exponential", servers=servers, offered_load=load, n_requests=n_requests, seed=s))


def ps_points(utilisations: Sequence[float] = (0.2, 0.35, 0.5, 0.65, 0.8), mean_work_ms: float = 100.0,
              n_requests: int = 10_000, seed: int = SEED) -> pd.DataFrame:
    """One Cloud Run instance, 1 vCPU, no effective cap: mean latency against utilisation (M/G/1-PS)."""
    return _points("utilisation", utilisations, seed, lambda rho, s: validation.ps_check(
        "exponential", utilisation=rho, mean_work_ms=mean_work_ms, n_requests=n_requests, seed=s))


def keepalive_points(lambda_t: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 3.0), arrival_rate_per_s: float = 0.02,
                     n_requests: int = 10_000, seed: int = SEED) -> pd.DataFrame:
    """One Lambda function, negligible service time: P(cold start) against λT (keep-alive T), e^(−λT)."""
    return _points("lambda_t", lambda_t, seed, lambda x, s: validation.keepalive_checks(
        arrival_rate_per_s=arrival_rate_per_s, keep_alive_s=x / arrival_rate_per_s, n_requests=n_requests,
        seed=s)[0])


def within_2se(points: pd.DataFrame) -> float:
    """Share of points whose simulated value is within 2 standard errors of the theory."""
    return float((np.abs(points["simulated"] - points["oracle"]) <= 2 * points["se"]).mean())


@styled
def plot_trust(erlang: pd.DataFrame, ps: pd.DataFrame, keepalive: pd.DataFrame, servers: int = 5,
               ax=None) -> Figure:
    """Three panels: theory as a line, simulated points with ±2 SE bars (Erlang-B, M/G/1-PS, keep-alive)."""
    if ax is None:
        fig, axes = plt.subplots(3, 1, figsize=(6.5, 10.0), layout="constrained")
        plt.close(fig)
    else:
        fig, axes = ax[0].figure, ax
    lam, run, grey = platform_colour("lambda"), platform_colour("cloudrun"), "#333333"
    a = np.linspace(0.05, max(erlang["offered_load"]) * 1.05, 200)
    axes[0].plot(a, [theory.erlang_b(servers, x) for x in a], color=grey, linewidth=1.5, label="Erlang-B")
    axes[0].errorbar(erlang["offered_load"], erlang["simulated"], yerr=2 * erlang["se"], fmt="o", color=lam,
                     capsize=3, label="simulated Lambda ±2 SE")
    axes[0].set_xlabel("offered load λ·E[S] (erlangs)")
    axes[0].set_ylabel("share of requests refused (429)")
    axes[0].set_title(f"Concurrency limit {servers}", fontsize=11)
    rho = np.linspace(0.02, max(ps["utilisation"]) * 1.05, 200)
    mean_s = float(ps["oracle"].iloc[0] * (1 - ps["utilisation"].iloc[0]))
    axes[1].plot(rho, mean_s / (1 - rho) * 1000, color=grey, linewidth=1.5, label="E[S]/(1−ρ)")
    axes[1].errorbar(ps["utilisation"], ps["simulated"] * 1000, yerr=2 * ps["se"] * 1000, fmt="s", color=run,
                     capsize=3, label="simulated Cloud Run ±2 SE")
    axes[1].set_xlabel("utilisation ρ of one vCPU")
    axes[1].set_ylabel("mean latency (ms)")
    axes[1].set_title("Processor sharing, 1 vCPU", fontsize=11)
    x = np.linspace(0, max(keepalive["lambda_t"]) * 1.05, 200)
    axes[2].plot(x, np.exp(-x), color=grey, linewidth=1.5, label="e^(−λT)")
    axes[2].errorbar(keepalive["lambda_t"], keepalive["simulated"], yerr=2 * keepalive["se"], fmt="o", color=lam,
                     capsize=3, label="simulated Lambda ±2 SE")
    axes[2].set_xlabel("λT (arrival rate × keep-alive)")
    axes[2].set_ylabel("share of requests with a cold start")
    axes[2].set_title("Keep-alive, one environment", fontsize=11)
    for panel in axes:
        panel.set_ylim(bottom=0)
        panel.legend(loc="best", fontsize=8.5)
    return fig


# ---------------------------------------------------------------- laws that hold on every run
LAW_WORKLOADS = (
    ("steady", Workload(arrivals=Poisson(rate_per_s=30.0), duration_s=300.0,
                        cpu_ms=LogNormal(median_ms=40.0, p95_ms=200.0), io_ms=Exponential(mean_ms=80.0))),
    ("bursty", Workload(arrivals=OnOff(rate_on_per_s=200.0, on_s=5.0, off_s=55.0), duration_s=300.0,
                        cpu_ms=Exponential(mean_ms=30.0), io_ms=Exponential(mean_ms=120.0))),
)
LAW_CONFIGS = (LambdaConfig(name="Lambda, limit 20", concurrency_limit=20, scale_up_per_10s=15),
               CloudRunConfig(name="Cloud Run, 3 x 4 slots", max_concurrency=4, max_instances=3))


def laws(seed: int = SEED) -> pd.DataFrame:
    """Conservation, Little's law, per-environment/instance capacity and billed time checked on a few runs.
    One row per (run, law) with the two sides and whether they agree."""
    rows = []
    for label, workload in LAW_WORKLOADS:
        for config in LAW_CONFIGS:
            result = simulate(workload, config, seed=seed)
            req, end = result.requests, result.window_s[1]
            counts = req["status"].value_counts()
            run = f"{config.name}, {label}"
            in_flight = int((req["end_s"] > end).sum())
            rows.append((run, "arrivals = completed + throttled + timed out + in flight",
                         len(req), int(counts["ok"] + counts["throttled"] + counts["timed_out"]) + in_flight))
            t = np.sort(np.concatenate([req["arrival_s"], req["end_s"], [0.0, end]]))
            mid = (t[:-1] + t[1:]) / 2
            in_system = (np.searchsorted(np.sort(req["arrival_s"]), mid)
                         - np.searchsorted(np.sort(req["end_s"]), mid))
            rows.append((run, "Little's law: mean requests in system L = arrival rate λ x mean latency W",
                         float(np.sum(in_system * np.diff(t))) / end, len(req) / end * float(req["latency_s"].mean())))
            placed = req[req["instance_id"] >= 0]
            cap = 1 if config.platform == "lambda" else config.max_concurrency
            most = max((peak_open(g["start_s"].to_numpy(), g["end_s"].to_numpy())
                        for _, g in placed.groupby("instance_id")), default=0)
            what = ("never two requests in one Lambda environment" if config.platform == "lambda"
                    else "never more than max_concurrency requests on one instance")
            rows.append((run, f"{what}: most at once vs allowed", most, cap))
            if config.platform == "cloudrun":
                rows.append((run, "billed instance time ≥ time with a request in flight (s)",
                             _billed_instance_s(result), _busy_union_s(result)))
    table = pd.DataFrame(rows, columns=["run", "law", "left", "right"])
    table["holds"] = [_holds(law, left, right) for law, left, right in table[["law", "left", "right"]].itertuples(index=False)]
    return table


def laws_display(table: pd.DataFrame) -> pd.DataFrame:
    """`laws` for reading: counts as integers, times to four significant figures."""
    def show(x):
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"
    return table.assign(left=table["left"].map(show), right=table["right"].map(show)).set_index(["run", "law"])


def _busy_union_s(result) -> float:
    req = result.requests
    placed = req[req["instance_id"] >= 0]
    slices = busy_slices(placed["instance_id"], placed["start_s"], placed["end_s"])
    return float((slices["end_s"] - slices["start_s"]).sum())


def _billed_instance_s(result) -> float:
    lines = result.bill().lines
    return float(lines.loc[lines["item"].str.startswith("CPU"), "quantity"].iloc[0] / result.config.vcpu)


def _holds(law: str, left, right) -> bool:
    if law.startswith("never"):
        return bool(left <= right)
    if law.startswith("billed"):
        return bool(left >= right - 1e-9)
    return bool(math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9))


# ---------------------------------------------------------------- the providers' published examples
def published_examples() -> pd.DataFrame:
    """AWS's worked Lambda pricing examples (facts.md s.2, TV-1 and TV-3) recomputed by sim.billing.lambda_cost."""
    tv1 = lambda_cost(requests=3_000_000, duration_ms=1000.0, memory_mb=512, free_tier=True, rounding_ms=100,
                      gb_s_price=LAMBDA_PRICES["duration_x86_64_page_rounded"])
    tv3_old = lambda_cost(requests=60_000_000, duration_ms=27.4, memory_mb=1024, rounding_ms=100)
    tv3_new = lambda_cost(requests=60_000_000, duration_ms=27.55, memory_mb=1024, rounding_ms=1)
    rows = [
        ("TV-1: pricing page, legacy Example 1", "3M requests x 1 s at 512 MB, free tier, rate $0.00001667/GB-s",
         18.74, tv1.total_usd),
        ("TV-3: 1 ms billing blog, before", "60M requests x 27.4 ms at 1 GB, rounded up to 100 ms", 112.0,
         tv3_old.total_usd),
        ("TV-3: 1 ms billing blog, after", "60M requests x 27.55 ms at 1 GB, rounded up to 1 ms", 40.0,
         tv3_new.total_usd),
    ]
    table = pd.DataFrame(rows, columns=["example", "inputs", "published_usd", "computed_usd"])
    table["matches_to_the_cent"] = [round(c, 2) == p for p, c in table[["published_usd", "computed_usd"]].itertuples(index=False)]
    return table

