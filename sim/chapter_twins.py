"""Each chapter's explorable figure: its central sweep as an HTML twin (sim.twins.sweep_twin).

The data are the sweeps the chapters already run (or, for chapter 2, the keep-alive sweep over several
keep-alives); the controls pick which slice the figure shows. One function per chapter.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from .experiments import cold_starts
from .experiments import managed_instances as mi
from .twins import Control, Twin, sweep_twin

#: Chapter 2's keep-alives (s): Lambda's default (360 s) in the middle, a slider's even steps.
KEEP_ALIVES_S = (120.0, 240.0, 360.0, 480.0, 600.0, 720.0)
#: Mean gaps between requests (s) at which chapter 2's keep-alive grid is simulated.
KEEPALIVE_GAPS_S = (30.0, 60.0, 120.0, 240.0, 360.0, 600.0, 900.0, 1500.0)


def state_twin(sweep: pd.DataFrame) -> Twin:
    """Chapter 1: cache hit rate and database connections against the request rate, per platform."""
    metrics = {"cache_hit_rate": "cache hit rate", "mean_db_connections": "mean DB connections",
               "mean_alive": "environments / instances alive (mean)"}
    long = sweep.melt(id_vars=["config", "platform", "rate_per_s"], value_vars=list(metrics),
                      var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(metrics)
    control = Control("metric", "show", tuple(metrics.values()), "cache hit rate", kind="radio")
    return sweep_twin("ch1-state", long, x="rate_per_s", x_title="requests per second", y="value",
                      y_title="the value chosen above", series="config", controls=[control], x_scale="log", y_domain="auto",
                      what="what lives across requests on each platform as the request rate grows")


def keepalive_grid(keep_alives_s=KEEP_ALIVES_S, mean_gaps_s=KEEPALIVE_GAPS_S) -> pd.DataFrame:
    """Chapter 2's keep-alive sweep (simulated cold share and e^(-λT)) for each keep-alive T."""
    tables = [cold_starts.keepalive_sweep(mean_gaps_s, config=dataclasses.replace(cold_starts.LAMBDA_KEEPALIVE,
                                                                                  keep_alive_s=t))
              for t in keep_alives_s]
    grid = pd.concat(tables, ignore_index=True)
    grid["low"] = (grid["cold_share"] - 2 * grid["cold_share_se"]).clip(lower=0)
    grid["high"] = (grid["cold_share"] + 2 * grid["cold_share_se"]).clip(upper=1)
    grid["series"] = "simulated (±2 SE)"
    return grid


def keepalive_twin(grid: pd.DataFrame) -> Twin:
    """Chapter 2: the share of cold requests against the mean gap, simulated and e^(-λT), per keep-alive."""
    control = Control("keep_alive_s", "Lambda keep-alive T (s)", tuple(sorted(grid["keep_alive_s"].unique())),
                      float(cold_starts.LAMBDA_KEEPALIVE.keep_alive_s))
    return sweep_twin("ch2-keepalive", grid, x="mean_gap_s", x_title="mean gap between requests (s)",
                      y="cold_share", y_title="share of requests that start cold", series="series",
                      controls=[control], x_scale="log", y_format=".0%", band=("low", "high"),
                      reference="theory", reference_title="e^(−λT)",
                      what="Lambda's cold-start share against the mean gap between Poisson requests, for a chosen keep-alive")


def burstiness_twin(burstiness: pd.DataFrame) -> Twin:
    """Chapter 3: monthly cost (or p99) against the share of each cycle with traffic, per mean rate."""
    metrics = {"monthly_usd": "USD per 30-day month", "latency_p99_ms": "p99 latency (ms)"}
    long = burstiness.melt(id_vars=["config", "platform", "mean_rate_per_s", "on_fraction"],
                           value_vars=list(metrics), var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(metrics)
    long["share_pct"] = long["on_fraction"] * 100
    rates = tuple(sorted(long["mean_rate_per_s"].unique()))
    controls = [Control("mean_rate_per_s", "mean requests per second", rates, rates[0], kind="radio",
                        labels=tuple(f"{r:g}/s" for r in rates)),
                Control("metric", "show", tuple(metrics.values()), metrics["monthly_usd"], kind="radio")]
    return sweep_twin("ch3-burstiness", long, x="share_pct", x_title="share of each cycle with traffic (%)",
                      y="value", y_title="the value chosen above", series="config", controls=controls, x_scale="log",
                      y_domain="auto",
                      what="the same mean traffic made burstier: cost and tail latency on each platform")


def fleet_twin(table: pd.DataFrame) -> Twin:
    """Chapter 3b: monthly cost (or p99) of steady traffic against its rate on Lambda, Cloud Run and a managed fleet
    of at least the chosen minimum (`mi.with_min_fleet`'s table), both axes logarithmic."""
    metrics = {"monthly_usd": "USD per 30-day month", "latency_p99_ms": "p99 latency after the warm-up (ms)"}
    long = table.melt(id_vars=["config", "platform", "rate_per_s", "min_fleet"], value_vars=list(metrics),
                      var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(metrics)
    fleets = tuple(int(m) for m in sorted(long["min_fleet"].unique()))
    controls = [Control("min_fleet", "Lambda MI minimum fleet (instances)", fleets,
                        mi.LMI_DEFAULT.min_instances if mi.LMI_DEFAULT.min_instances in fleets else fleets[0]),
                Control("metric", "show", tuple(metrics.values()), metrics["monthly_usd"], kind="radio")]
    return sweep_twin("ch3b-fleet", long, x="rate_per_s", x_title="steady requests per second", y="value",
                      y_title="the value chosen above (log scale)", series="config", controls=controls, x_scale="log",
                      y_scale="log", y_domain="auto",
                      what="steady traffic on Lambda, Cloud Run and Lambda Managed Instances whose minimum fleet "
                           "(UNVERIFIED) you choose")


def decision_twin(cells: pd.DataFrame) -> Twin:
    """Chapter 4: Cloud Run's cost (or p99) over Lambda's against the mean rate, per burstiness, per request kind;
    above the dashed line at 1 Lambda is the better one."""
    metrics = {"cost_ratio": "Cloud Run cost / Lambda cost", "p99_ratio": "Cloud Run p99 / Lambda p99"}
    long = cells.melt(id_vars=["profile", "rate_per_hour", "on_fraction"], value_vars=list(metrics),
                      var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(metrics)
    long["request"] = long["profile"].str.split(":").str[0]
    long["traffic"] = long["on_fraction"].map(lambda f: f"traffic in {f:.0%} of each hour")
    long["break_even"] = 1.0
    kinds = tuple(dict.fromkeys(long["request"]))
    controls = [Control("request", "request", kinds, kinds[0], kind="radio"),
                Control("metric", "show", tuple(metrics.values()), metrics["cost_ratio"], kind="radio")]
    return sweep_twin("ch4-map", long, x="rate_per_hour", x_title="mean requests per hour", y="value",
                      y_title="ratio (above 1, Lambda is better)", series="traffic", colour_by="traffic",
                      controls=controls, x_scale="log", y_domain="auto", reference="break_even",
                      reference_title="break-even (1)",
                      what="the decision map: where Lambda or Cloud Run is cheaper or faster, by rate and burstiness")
