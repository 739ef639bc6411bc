"""Capstone lab "Your workload decides": your traffic on three platforms, a verdict, and a map around it.

`workload_from_csv` and `shape_workload` turn your request timestamps, or a traffic shape you pick, into a
Workload; `read_traffic` and `workload_from_trace` do so for any file sim.traffic reads (access logs, load
balancer and platform logs, counts per interval), each request with its own logged duration when the file
has one; `reconcile_lambda` sets your Lambda REPORT lines' bill beside the simulated platforms'.
`verdict` runs a workload on AWS Lambda, Google Cloud Run and Lambda Managed Instances with the same
arrivals and lines up what a practitioner decides on: the monthly cost (with the date of the prices),
p50 and p99 latency, cold starts, throttles, peak instances and peak database connections.
`decision_map` sweeps the traffic around yours (mean rate x burstiness x I/O share) with replications,
on any concurrent.futures executor, and `map_cells` says per cell which platform is cheapest and whether
the replications can tell it from the runner-up (95% intervals that do not overlap).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .. import _check
from .. import traffic
from ..arrivals import Diurnal, Poisson, Replay, Spike
from ..config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from ..distributions import Distribution, Exponential
from ..plotting import PLATFORM_LABELS, new_figure, platform_colour, platform_key, styled
from ..prices import MONTH_S
from ..run import compare
from ..state import connections_per_instance, db_connections
from ..sweep import summarise, sweep, t_quantile_975
from ..traffic import reconcile
from ..traffic.trace import Trace
from ..windows import LongWorkload, compare_chunks, compare_windows
from ..workload import CPU_SHARE, MAX_REQUESTS, Workload, recorded_work
from .concurrency_cost import on_off

SEED = 1
CONFIGS = (LambdaConfig(name="Lambda"), CloudRunConfig(name="Cloud Run"),
           LambdaManagedInstancesConfig(name="Lambda MI"))
SHAPES = ("steady", "daily cycle", "bursts", "spike")
#: Bursts: traffic during the first tenth of every 10 minutes; a spike: 5x the mean rate for 2 minutes
#: (menu shapes, design choices). The daily cycle's peak is twice its trough: the aggregate daily swing of
#: Azure Functions' invocations, a baseline of about 50% of the peak (facts.md s.7, Shilkov 2020-05-05).
BURST_ON_FRACTION, BURST_CYCLE_S = 0.1, 600.0
SPIKE_FACTOR, SPIKE_DURATION_S = 5.0, 120.0
DAILY_PEAK_TO_TROUGH = 2.0


# ---------------------------------------------------------------- your traffic
def work(cpu_ms, io_ms) -> tuple[Distribution, Distribution]:
    """Per-request work: CPU time (ms of one vCPU) and I/O wait (ms), each a number (the mean of an exponential
    time) or a sim.distributions Distribution (e.g. LogNormal(median_ms=..., p95_ms=...) for a measured tail)."""
    return _work("cpu_ms", cpu_ms, 60_000), _work("io_ms", io_ms, 600_000)


def _work(name: str, value, high_ms: float) -> Distribution:
    if isinstance(value, Distribution):
        return value
    _check.number(name, value, low=0, low_open=True, high=high_ms)
    return Exponential(mean_ms=value)


def shape_arrivals(shape: str, mean_rate_per_s: float, duration_s: float = 1800.0):
    """The arrival process of a named traffic shape whose mean rate over a window of `duration_s` is
    `mean_rate_per_s`: steady; a daily cycle squeezed into the window (trough at both ends, peak in the
    middle, so the window stands for a day); bursts (whole ten-minute cycles for an exact mean); or a spike
    of SPIKE_FACTOR times the base rate for SPIKE_DURATION_S, a third of the way in."""
    _check.choice("shape", shape, SHAPES)
    _check.number("mean_rate_per_s", mean_rate_per_s, low=0, low_open=True, high=10_000)
    spike = shape == "spike"   # the spike must fit in the window
    _check.number("duration_s", duration_s, low=1.5 * SPIKE_DURATION_S if spike else 0, low_open=not spike,
                  high=366 * 86_400)
    if shape == "steady":
        return Poisson(rate_per_s=mean_rate_per_s)
    if shape == "daily cycle":
        return Diurnal(mean_rate_per_s=mean_rate_per_s, peak_to_trough=DAILY_PEAK_TO_TROUGH, period_s=duration_s,
                       peak_at_s=duration_s / 2)
    if shape == "bursts":
        return on_off(mean_rate_per_s, BURST_ON_FRACTION, BURST_CYCLE_S)
    base_rate_per_s = mean_rate_per_s * duration_s / (duration_s + (SPIKE_FACTOR - 1) * SPIKE_DURATION_S)
    return Spike(base_rate_per_s=base_rate_per_s, spike_rate_per_s=SPIKE_FACTOR * base_rate_per_s,
                 spike_start_s=duration_s / 3, spike_duration_s=SPIKE_DURATION_S)


def shape_workload(shape: str = "steady", mean_rate_per_s: float = 2.0, duration_s: float = 1800.0,
                   cpu_ms: float = 20.0, io_ms: float = 180.0, max_requests: int = MAX_REQUESTS) -> Workload:
    """A workload of a named shape (steady, daily cycle, bursts, spike); raises ValueError over `max_requests`."""
    cpu, io = work(cpu_ms, io_ms)
    return Workload(shape_arrivals(shape, mean_rate_per_s, duration_s), duration_s=duration_s, cpu_ms=cpu,
                    io_ms=io, max_requests=max_requests)


def workload_from_csv(source, cpu_ms: float = 20.0, io_ms: float = 180.0, column: int | str = 0,
                      unit: str = "auto", duration_s: float | None = None,
                      max_requests: int = MAX_REQUESTS) -> Workload:
    """Your request timestamps (a CSV path, text or file object; see sim.Replay.from_csv) as a workload, each
    request with the work `cpu_ms` and `io_ms` give (see `work`). The window ends just after the last timestamp
    unless `duration_s` says how long the export covers (from its first timestamp): the monthly projection
    scales the window, so a window that cuts a cycle short over-weights the busy part. A CSV with more rows
    than `max_requests` (plus a header) is refused before it is parsed; an implausible reading is warned about
    (sim.traffic.TrafficWarning)."""
    trace = read_traffic(source, format="timestamps", max_requests=max_requests, column=column, unit=unit)
    return replay_workload(trace.replay(), cpu_ms=cpu_ms, io_ms=io_ms, duration_s=duration_s,
                           max_requests=max_requests)


def replay_workload(replay: Replay, cpu_ms: float = 20.0, io_ms: float = 180.0, duration_s: float | None = None,
                    max_requests: int = MAX_REQUESTS) -> Workload | LongWorkload:
    """Timestamps already read (a sim.Replay) as a workload; `duration_s` as in `workload_from_csv`. A trace of
    more than WINDOWS_ABOVE_REQUESTS requests (read with a larger max_requests) becomes a sim.windows.LongWorkload,
    which `verdict` runs in windows of a day."""
    if duration_s is not None:
        _check.number("duration_s", duration_s, low=replay.natural_duration_s, high=366 * 86_400)
    cpu, io = work(cpu_ms, io_ms)
    if replay.timestamps_s.size > WINDOWS_ABOVE_REQUESTS:
        return LongWorkload(replay, duration_s=duration_s, cpu_ms=cpu, io_ms=io)
    return Workload(replay, duration_s=duration_s, cpu_ms=cpu, io_ms=io, max_requests=max_requests)


#: A file of another format than timestamps may hold this many lines per request it is allowed (START, END and
#: the function's own lines around each Lambda REPORT line), then it is refused before parsing.
LINES_PER_REQUEST = 10


def read_traffic(source, format: str = "auto", max_requests: int = MAX_REQUESTS, **options) -> Trace:
    """Your traffic from a file in any format sim.traffic reads (format="auto" detects it; see sim.traffic.FORMATS);
    a timestamps CSV longer than `max_requests` rows plus a header, or another file over LINES_PER_REQUEST lines
    per allowed request, is refused before it is parsed."""
    text = traffic.read_text(source)
    name = traffic.detect(text) if format == "auto" else format
    max_rows = max_requests + 1 if name == "timestamps" else LINES_PER_REQUEST * max_requests
    return traffic.read(text, format=name, max_rows=max_rows, **options)


def trace_work(trace: Trace, cpu_ms=20.0, io_ms=180.0, per_request: bool = True, cpu_share: float = CPU_SHARE):
    """The work per request of a trace: each request's own logged duration split by `cpu_share` (see
    sim.workload.recorded_work; REPORT lines' CPU part scaled to one vCPU from their Memory Size) when
    `per_request` and the trace has durations, else the distributions `cpu_ms` and `io_ms` give (see `work`)."""
    if not (per_request and trace.duration_ms is not None):
        return work(cpu_ms, io_ms)
    slowdown = 1.0
    if trace.format == "lambda_report":
        slowdown = LambdaConfig(memory_mb=reconcile.logged_memory_mb(trace)).cpu_slowdown
    return recorded_work(trace.duration_ms, cpu_share, slowdown)


def workload_from_trace(trace: Trace, cpu_ms=20.0, io_ms=180.0, per_request: bool = True,
                        cpu_share: float = CPU_SHARE, duration_s: float | None = None,
                        max_requests: int = MAX_REQUESTS) -> Workload:
    """A trace read by sim.traffic as a workload, with the work `trace_work` gives; `duration_s` as in
    `workload_from_csv`."""
    cpu, io = trace_work(trace, cpu_ms, io_ms, per_request, cpu_share)
    return replay_workload(trace.replay(), cpu_ms=cpu, io_ms=io, duration_s=duration_s, max_requests=max_requests)


def configs_for_trace(trace: Trace, configs: Sequence = CONFIGS) -> tuple:
    """The platforms for a trace: with Lambda REPORT lines, Lambda at the logged Memory Size."""
    if trace.format != "lambda_report":
        return tuple(configs)
    memory_mb = reconcile.logged_memory_mb(trace)
    return tuple(dataclasses.replace(c, memory_mb=memory_mb) if c.platform == "lambda" else c for c in configs)


RECONCILE_COLUMNS = ("requests", "request charge (USD)", "compute charge (USD)", "window total (USD)",
                     "monthly (USD)", "cold-start share")


def reconcile_lambda(trace: Trace, cpu_share: float = CPU_SHARE, architecture: str = "x86_64",
                     configs: Sequence = CONFIGS, seed: int = SEED) -> pd.DataFrame:
    """Your Lambda bill from REPORT lines beside the simulator's bills for the same traffic (each request's own
    duration, Lambda at the logged memory): one row each, over the same window (the simulated Lambda's), with the
    request charge, the compute charge (Lambda: duration GB-s; Cloud Run: CPU and memory; Lambda MI: instances),
    the window's total, its 30-day-month projection and the cold-start share (logged: lines with an Init
    Duration)."""
    configs = tuple(dataclasses.replace(c, architecture=architecture) if c.platform == "lambda" else c
                    for c in configs_for_trace(trace, configs))
    runs = compare(workload_from_trace(trace, cpu_share=cpu_share), *configs, seed=seed)
    window_s = next(r.window_s[1] for r in runs.values() if r.config.platform == "lambda")
    rows = {"your REPORT lines": _bill_row(reconcile.logged_bill(trace, architecture, window_s), len(trace),
                                           reconcile.logged_cold_share(trace))}
    for name, result in runs.items():
        s = result.summary()
        rows[f"{name} (simulated)"] = _bill_row(result.bill(), s["requests"], s["cold_start_rate"])
    return pd.DataFrame(rows).T.loc[:, list(RECONCILE_COLUMNS)]


def _bill_row(bill, requests: int, cold_share: float) -> dict:
    lines = bill.lines
    request_usd = float(lines.loc[lines["item"].str.startswith("requests"), "amount_usd"].sum())
    return {"requests": int(requests), "request charge (USD)": round(request_usd, 6),
            "compute charge (USD)": round(bill.total_usd - request_usd, 6),
            "window total (USD)": round(bill.total_usd, 6), "monthly (USD)": round(bill.monthly_usd, 2),
            "cold-start share": round(float(cold_share), 4)}


def configs_text(configs: Sequence = CONFIGS) -> str:
    """The platform settings a verdict assumes, one line per config (printed above the lab's assumptions)."""
    lines = []
    for config in configs:
        if config.platform == "lambda":
            detail = f"{config.memory_mb:,} MB of memory"
        elif config.platform == "cloudrun":
            detail = (f"{config.vcpu:g} vCPU and {config.memory_gib:g} GiB per instance, "
                      f"up to {config.max_concurrency} requests each")
        else:
            detail = f"{config.instance_type} instances, a minimum fleet of {config.min_instances}"
        lines.append(f"{config.name}: {detail}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the verdict
VERDICT_ROWS = ("requests", "window (hours)", "monthly cost (USD)", "prices as of", "p50 latency (ms)",
                "p99 latency (ms)", "cold-start share", "throttled share", "peak instances", "peak DB connections")


#: A workload of more requests than this runs in windows of a day (sim.windows), whose tables are never built.
WINDOWS_ABOVE_REQUESTS = MAX_REQUESTS


def verdict(workload: Workload | LongWorkload, configs: Sequence = CONFIGS, seed: int = SEED, progress=True,
            executor="process") -> pd.DataFrame:
    """The workload on each platform with the same arrivals: one column per platform, VERDICT_ROWS as rows.
    A sim.windows.LongWorkload, or a workload of more than WINDOWS_ABOVE_REQUESTS requests, runs in windows of a
    day on `executor` (a local process pool by default, or e.g. a Dask client's get_executor()), with a progress
    bar over the windows (`progress`: True, None or a callable(done, total)); its peak DB connections are the peak
    instances times each one's pool (no connection limit), its percentiles within 1% (sim.aggregate)."""
    windowed = isinstance(workload, LongWorkload) or \
        workload.arrivals.expected_count(workload.duration_s) > WINDOWS_ABOVE_REQUESTS
    runs = (compare_windows(workload, *configs, seed=seed, executor=executor, progress=progress) if windowed
            else compare(workload, *configs, seed=seed))
    return verdict_table(runs, windowed)


def file_verdict(source, configs: Sequence = CONFIGS, cpu_ms=20.0, io_ms=180.0, format: str = "auto",
                 seed: int = SEED, progress=True, executor="process", max_requests: int = MAX_REQUESTS,
                 chunk_rows: int = traffic.chunks.CHUNK_ROWS, lookback_s: float | None = None,
                 **options) -> pd.DataFrame:
    """The verdict on a traffic file of any size (a path). A file of at most `max_requests` requests is read
    whole, each request's logged duration its work (`workload_from_trace`, `configs_for_trace`); a larger one,
    which the tables cannot hold, is streamed (sim.traffic.read_chunks: once for its span, once into
    sim.windows.compare_chunks, in windows of a day with a progress bar), never all in memory, its work drawn
    from `cpu_ms` and `io_ms`. `options` go to the format's reader."""
    requests, duration_s = traffic.extent(source, format=format, chunk_rows=chunk_rows, lookback_s=lookback_s,
                                          **options)
    if requests <= max_requests:
        trace = traffic.read(source, format=format, **options)
        return verdict(workload_from_trace(trace, cpu_ms, io_ms, max_requests=max_requests),
                       configs_for_trace(trace, configs), seed=seed, progress=progress, executor=executor)
    cpu, io = work(cpu_ms, io_ms)
    chunks = traffic.read_chunks(source, format=format, chunk_rows=chunk_rows, lookback_s=lookback_s, **options)
    runs = compare_chunks(chunks, *configs, duration_s=duration_s, cpu_ms=cpu, io_ms=io, seed=seed,
                          executor=executor, progress=progress)
    return verdict_table(runs, windowed=True)


def verdict_table(runs, windowed: bool) -> pd.DataFrame:
    """The verdict's table of a comparison: one column per platform, VERDICT_ROWS as rows (`windowed`: the runs
    are sim.windows aggregates, whose peak DB connections are the peak instances times each one's pool)."""
    columns = {}
    for name, result in runs.items():
        s = result.summary()
        bill = result.bill()
        columns[name] = {
            "requests": s["requests"],
            "window (hours)": round(bill.window_length_s / 3600, 3),   # what the monthly cost is projected from
            "monthly cost (USD)": round(bill.monthly_usd, 2),
            "prices as of": bill.price_dates,
            "p50 latency (ms)": round(s["latency_p50_ms"], 1),
            "p99 latency (ms)": round(s["latency_p99_ms"], 1),
            "cold-start share": round(s["cold_start_rate"], 4),
            "throttled share": round(s["throttle_rate"], 4),
            "peak instances": s["peak_instances"],
            "peak DB connections": (s["peak_instances"] * connections_per_instance(result.config) if windowed
                                    else db_connections(result).peak),
        }
    return pd.DataFrame(columns).loc[list(VERDICT_ROWS)]


#: A platform that refuses more than this share of the requests is not ranked on cost or latency: a cheap bill
#: that comes from turning requests away is not a saving.
MAX_REFUSED_SHARE = 0.01


#: Runs behind a verdict's "cheapest" and "lowest p99" (seeds SEED, SEED + 1, ...; `verdict_spread`).
VERDICT_REPLICATIONS = 5
#: The verdict rows ranked, and the `verdict_spread` column each is replicated in.
RANKED = {"monthly cost (USD)": "monthly_usd", "p99 latency (ms)": "latency_p99_ms"}


def verdict_spread(workload: Workload, configs: Sequence = CONFIGS, seed: int = SEED,
                   replications: int = VERDICT_REPLICATIONS) -> pd.DataFrame:
    """The run-to-run spread of a verdict: the workload on each platform `replications` times, with seeds seed,
    seed + 1, ... (the first is the verdict's own run); one row per replication and config, with its monthly cost,
    p99 latency and throttled share. Within a replication the platforms share their random draws."""
    _check.number("replications", replications, low=2, high=100, integer=True)
    rows = []
    for k in range(int(replications)):
        for name, result in compare(workload, *configs, seed=seed + k).items():
            s = result.summary()
            rows.append({"replication": k, "config": name, "monthly_usd": result.bill().monthly_usd,
                         "latency_p99_ms": s["latency_p99_ms"], "throttle_rate": s["throttle_rate"]})
    return pd.DataFrame(rows)


def separated(spread: pd.DataFrame, metric: str, best: str, other: str) -> bool:
    """Whether `best` is lower than `other` by more than the run-to-run spread: the 95% interval (Student t) of
    their paired difference over the replications (other minus best, same seed) lies above zero."""
    values = spread.pivot(index="replication", columns="config", values=metric)
    missing = sorted({best, other} - set(values.columns))
    if missing:
        raise ValueError(f"spread has no {missing} column; it has {sorted(values.columns)}")
    difference = (values[other] - values[best]).to_numpy(dtype=float)
    if difference.size < 2:
        raise ValueError(f"spread has {difference.size} replications; expected at least 2")
    half_width = t_quantile_975(difference.size - 1) * difference.std(ddof=1) / math.sqrt(difference.size)
    return bool(difference.mean() - half_width > 0)


def lowest(values: pd.Series, spread: pd.DataFrame, metric: str) -> list[str]:
    """The platform lowest in `values` (a verdict row, by platform), alone when it is `separated` from every other,
    else followed by those the run-to-run spread cannot tell from it (they are "about equal")."""
    ranked = values.astype(float).sort_values()
    best = ranked.index[0]
    return [best, *(name for name in ranked.index[1:] if not separated(spread, metric, best, name))]


def lowest_text(values: pd.Series, spread: pd.DataFrame, metric: str, unit) -> str:
    """`lowest` in words: "A (figure)" or "about equal, A (figure) and B (figure): the margin is inside the
    run-to-run spread of N runs"; `unit(name, value)` formats a figure."""
    names = lowest(values, spread, metric)
    figures = " and ".join(f"{name} ({unit(name, float(values[name]))})" for name in names)
    if len(names) == 1:
        return figures
    return f"about equal, {figures}: the margin is inside the run-to-run spread of {spread['replication'].nunique()} runs"


def serving(table: pd.DataFrame) -> pd.Index:
    """The platforms of a verdict that refused at most MAX_REFUSED_SHARE of the requests (the ones it ranks)."""
    throttled = table.loc["throttled share"].astype(float)
    return throttled.index[throttled <= MAX_REFUSED_SHARE]


def verdict_text(table: pd.DataFrame, spread: pd.DataFrame) -> str:
    """One sentence: the cheapest platform and the one with the lowest p99 among those that refuse at most
    MAX_REFUSED_SHARE of the requests, with their figures; then the platforms that refused any.
    A platform is named cheapest (or lowest p99) only when its margin over each other platform exceeds the
    run-to-run spread (`spread`, from `verdict_spread`): the 95% interval of their paired difference over the
    replications excludes zero (`separated`). Otherwise the verdict says "about equal" and names them all."""
    cost = table.loc["monthly cost (USD)"].astype(float)
    p99 = table.loc["p99 latency (ms)"].astype(float)
    throttled = table.loc["throttled share"].astype(float)
    ranked = serving(table)
    if len(ranked) == 0:
        text = f"Every platform refused more than {MAX_REFUSED_SHARE:.0%} of the requests: none serves this traffic."
    else:
        dated = lambda name, usd: f"${usd:,.2f} a month, prices as of {table.loc['prices as of', name]}"
        text = (f"Cheapest: {lowest_text(cost[ranked], spread, RANKED['monthly cost (USD)'], dated)}. "
                f"Lowest p99: {lowest_text(p99[ranked], spread, RANKED['p99 latency (ms)'], lambda _, ms: f'{ms:,.0f} ms')}.")
        if len(ranked) < len(throttled):
            text += f" Not ranked, as they refused more than {MAX_REFUSED_SHARE:.0%} of the requests:"
            text += ", ".join(f" {name} (${cost[name]:,.2f} a month)" for name in throttled.index if name not in ranked)
            text += "."
    refusing = [f"{name} ({share:.1%})" for name, share in throttled.items() if share > 0]
    if refusing:
        text += " Throttled: " + ", ".join(refusing) + "."
    if "window (hours)" in table.index and float(table.loc["window (hours)"].iloc[0]) < 24:
        hours = float(table.loc["window (hours)"].iloc[0])
        text += (f" The month is projected from {hours:g} hours of traffic (x{MONTH_S / 3600 / hours:,.0f}): "
                 "they must be typical of the whole month.")
    return text


# ---------------------------------------------------------------- the map around your traffic
MAP_ON_FRACTIONS = (1.0, 0.3, 0.1)
MAP_IO_SHARES = (0.2, 0.9)
MAP_TOTAL_MS = 200.0
MAP_CYCLE_S = 600.0


def map_rates_per_s(mean_rate_per_s: float) -> tuple[float, float, float]:
    """The map's columns: a tenth of your mean rate, your rate, and ten times it."""
    _check.number("mean_rate_per_s", mean_rate_per_s, low=0, low_open=True, high=1_000)
    return (mean_rate_per_s / 10, mean_rate_per_s, mean_rate_per_s * 10)


def map_window_s(rate_per_s: float, target_requests: int) -> float:
    """Whole burst cycles long enough for about `target_requests` requests (one cycle at least, a day at most)."""
    wanted = min(max(target_requests / rate_per_s, MAP_CYCLE_S), 86_400.0)
    return MAP_CYCLE_S * math.ceil(wanted / MAP_CYCLE_S - 1e-9)


def map_point(rate_per_s: float, on_fraction: float, io_share: float, seed: int = SEED,
              target_requests: int = 1000) -> list[dict]:
    """One map cell, one replication: a row per platform with its monthly cost, p99 and throttled share."""
    cpu, io = work(MAP_TOTAL_MS * (1 - io_share), MAP_TOTAL_MS * io_share)
    workload = Workload(on_off(rate_per_s, on_fraction, MAP_CYCLE_S), duration_s=map_window_s(rate_per_s, target_requests),
                        cpu_ms=cpu, io_ms=io)
    rows = []
    for name, result in compare(workload, *CONFIGS, seed=seed).items():
        s = result.summary()
        rows.append({"config": name, "monthly_usd": result.bill().monthly_usd,
                     "latency_p99_ms": s["latency_p99_ms"], "throttle_rate": s["throttle_rate"]})
    return rows


def decision_map(mean_rate_per_s: float, on_fractions: Sequence[float] = MAP_ON_FRACTIONS,
                 io_shares: Sequence[float] = MAP_IO_SHARES, replications: int = 3, executor="process",
                 progress=None, seed: int = SEED) -> pd.DataFrame:
    """The sweep behind the map (a sim.sweep table: one row per cell, replication and platform)."""
    grid = {"rate_per_s": map_rates_per_s(mean_rate_per_s), "on_fraction": tuple(on_fractions),
            "io_share": tuple(io_shares)}
    return sweep(map_point, grid, replications=replications, executor=executor, progress=progress, seed=seed)


def map_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Per map cell: each platform's mean monthly cost with its 95% interval; among the platforms that refuse at
    most MAX_REFUSED_SHARE of the requests (on average), the cheapest, how many times cheaper than the runner-up,
    and whether the intervals separate them (`sure`); `refusing` names the others. With one platform left its
    factor is NaN; with none, `cheapest` is empty."""
    cell_keys = ["rate_per_s", "on_fraction", "io_share"]
    est = summarise(table, metrics=["monthly_usd"], by=[*cell_keys, "config"])
    refused = table.groupby([*cell_keys, "config"])["throttle_rate"].mean()
    rows = []
    for key, group in est.groupby(cell_keys, sort=False):
        over = refused.loc[key].reindex(group["config"]).to_numpy() > MAX_REFUSED_SHARE
        ranked = group[~over].sort_values("mean")
        row = dict(zip(cell_keys, key))
        row.update({f"usd_{r.config}": r.mean for r in group.itertuples()})
        row["refusing"] = ", ".join(group["config"][over])
        if len(ranked) >= 2:
            best, second = ranked.iloc[0], ranked.iloc[1]
            row.update({"cheapest": best.config, "runner_up": second.config, "factor": second["mean"] / best["mean"],
                        "sure": bool(best.ci95_high < second.ci95_low) if best.n >= 2 else False})
        else:
            row.update({"cheapest": ranked["config"].iloc[0] if len(ranked) else "", "runner_up": "",
                        "factor": math.nan, "sure": len(ranked) == 1})
        rows.append(row)
    return pd.DataFrame(rows)


def _factor_text(cheapest: str, factor: float, sure: bool, times: str = "x", unsure: str = " ?") -> str:
    """How a map cell ranks: its factor over the runner-up ("?" if unsure), "only", or "all refuse"."""
    if not cheapest:
        return "all refuse"
    return "only" if math.isnan(factor) else f"{factor:.1f}{times}" + ("" if sure else unsure)


def _cell_label(cheapest: str, factor: float, sure: bool, refusing: str) -> str:
    """A map cell's text: the cheapest platform that serves the traffic and how it ranks."""
    if not cheapest:
        return _factor_text(cheapest, factor, sure)
    return f"{cheapest} {_factor_text(cheapest, factor, sure)}" + (f"; {refusing} refuses" if refusing else "")


def map_display(cells: pd.DataFrame) -> pd.DataFrame:
    """The map as a table: rows (I/O share, share of time with traffic), columns rates; each cell names the
    cheapest platform and its factor over the runner-up, with "?" where the replications cannot tell."""
    text = cells.assign(
        verdict=[_cell_label(c, f, s, r) for c, f, s, r in zip(cells.cheapest, cells.factor, cells.sure, cells.refusing)],
        rows=[f"I/O {io:.0%}, traffic {f:.0%} of time" for io, f in zip(cells.io_share, cells.on_fraction)],
        rate=[f"{r:g}/s" for r in cells.rate_per_s])
    return text.pivot_table(index="rows", columns="rate", values="verdict", aggfunc="first", sort=False)


@styled
def plot_map(cells: pd.DataFrame, ax=None) -> Figure:
    """One panel per I/O share: columns are mean rates, rows the share of time with traffic (steady at the
    bottom). A cell's colour is the cheapest platform's, pale where the replications cannot tell it from the
    runner-up; its label is how many times cheaper it is than the runner-up (among the platforms that refuse at
    most MAX_REFUSED_SHARE of the requests; "*" where one refused more)."""
    io_shares = sorted(cells["io_share"].unique())
    fig, axes = new_figure(ax, ncols=len(io_shares), figsize=(3.4 * len(io_shares), 3.2))
    axes = np.atleast_1d(axes)
    rates = sorted(cells["rate_per_s"].unique())
    fractions = sorted(cells["on_fraction"].unique())
    names = {name: key for name, key in zip([c.name for c in CONFIGS], [platform_key(c.platform) for c in CONFIGS])}
    for axis, io_share in zip(axes, io_shares):
        part = cells[np.isclose(cells["io_share"], io_share)]
        for cell in part.itertuples():
            x, y = rates.index(cell.rate_per_s), fractions.index(cell.on_fraction)
            colour = platform_colour(names[cell.cheapest]) if cell.cheapest else "0.6"
            axis.add_patch(_cell_patch(x, y, colour, cell.sure))
            label = _factor_text(cell.cheapest, cell.factor, cell.sure, times="×", unsure="?")
            axis.text(x, y, label + ("*" if cell.refusing else ""), ha="center", va="center", fontsize=9)
        axis.set_xlim(-0.5, len(rates) - 0.5)
        axis.set_ylim(-0.5, len(fractions) - 0.5)
        axis.set_xticks(range(len(rates)), [f"{r:g}/s" for r in rates])
        axis.set_yticks(range(len(fractions)), [f"{f:.0%}" for f in fractions])
        axis.set_title(f"{io_share:.0%} of each request waits on I/O", fontsize=10)
        axis.set_xlabel("mean requests per second")
        axis.grid(False)
    axes[0].set_ylabel("share of time with traffic")
    handles = [Patch(facecolor=platform_colour(key), label=f"{PLATFORM_LABELS[key]} cheapest")
               for key in dict.fromkeys(names.values())]
    handles.append(Patch(facecolor="white", edgecolor="0.5", hatch="//", label="? intervals overlap"))
    if cells["refusing"].astype(bool).any():
        handles.append(Patch(facecolor="white", edgecolor="white",
                             label=f"* a platform refused over {MAX_REFUSED_SHARE:.0%}: not ranked"))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig


def _cell_patch(x: float, y: float, colour: str, sure: bool):
    from matplotlib.patches import Rectangle
    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, alpha=0.85 if sure else 0.35,
                     hatch=None if sure else "//", edgecolor="white", linewidth=1.5)


# ---------------------------------------------------------------- an example export
SAMPLE_START = "2026-11-02 09:00:00"


def sample_export(duration_s: float = 1800.0, seed: int = SEED) -> str:
    """A made-up CloudWatch Logs Insights export (`@timestamp,@message`, one request per row) of bursty
    traffic at about 1 request per second: what the lab's sample file holds, to show the format."""
    from datetime import datetime, timedelta

    times = shape_arrivals("bursts", 1.0, duration_s).times(np.random.default_rng(seed), duration_s)
    start = datetime.fromisoformat(SAMPLE_START)
    lines = ['"@timestamp","@message"']
    for k, t in enumerate(times):
        stamp = (start + timedelta(seconds=round(float(t), 3))).isoformat(sep=" ", timespec="milliseconds")
        lines.append(f'"{stamp}","GET /orders/{k % 97}"')
    return "\n".join(lines) + "\n"
