"""The labs' result sentences: what a run found, in words, with its numbers.

A lab's own code displays them as Markdown (its input hidden in JupyterLab and removed in the book), so
they read with their numbers wherever the lab is opened: in the built book, in JupyterLab, on Binder and in
the student copies, which have no glue. Each function takes the table the lab just computed, so a
sentence always quotes the run above it; semantic lines (one clause per line) as in the book's prose.
`glue` is myst-nb's when it is installed (the book build), and otherwise records nothing, so that a
student's install needs no book tooling.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from IPython.display import Markdown
from IPython.display import display as _display

try:
    from myst_nb import glue
except ImportError:                       # a student's install: nothing builds the book, nothing to record
    def glue(name: str, variable, display: bool = True) -> None:
        """Show `variable` when display=True; a student's install has no book to glue it into."""
        if display:
            _display(variable)


def text(*lines: str) -> Markdown:
    """Lines of Markdown as one displayable block (one sentence or clause per line)."""
    return Markdown("\n".join(lines))


def _columns(table: pd.DataFrame, count: int) -> list[str]:
    """The table's first `count` config columns, refused with the columns it has if it has fewer."""
    columns = list(table.columns)
    if len(columns) < count:
        raise ValueError(f"table has columns {columns}; expected at least {count} (one per platform)")
    return columns[:count]


def _count(count, noun: str, plural: str | None = None) -> str:
    """'1 instance', '2 instances', '1,000 requests' (plural: noun + 's' unless given)."""
    count = int(count)
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def deployment_shape_scenario(scenario: str, defaults: Mapping) -> Markdown:
    """Lab 1's Predict: the burst and the database (`scenario`), and Cloud Run's pool size."""
    return text(*scenario.splitlines(),
                f"Each Cloud Run instance keeps a pool of {defaults['connections_per_instance']} connections "
                "that its requests share.")


def deployment_shape(table: pd.DataFrame, defaults: Mapping) -> Markdown:
    """Lab 1's result: environments against instances, the database's refusals and the warm cache."""
    lam, run = _columns(table, 2)
    t = table
    return text(
        f"Of {int(t.loc['requests', lam]):,} requests, the spike made {lam} start "
        f"{_count(t.loc['environments / instances started', lam], 'execution environment')}, one per request in flight.",
        f"{run} served the same traffic with {_count(t.loc['environments / instances started', run], 'instance')}, "
        f"holding {_count(t.loc['DB connections, peak', run], 'connection')} at the peak.",
        f"{run}'s requests queue for their instance's {defaults['connections_per_instance']} connections (p99 latency "
        f"{t.loc['p99 latency (ms)', run]:,.0f} ms against {lam}'s {t.loc['p99 latency (ms)', lam]:,.0f} ms), "
        "and the waiting requests fill its slots, so it starts more instances, each with its own pool.",
        f"With a limit of {defaults['db_max_connections']} connections, the database refused "
        f"{_count(t.loc['refused a DB connection', lam], lam + ' environment')}, and the "
        f"{_count(t.loc['requests failed (DB full)', lam], 'request')} they served failed; "
        f"it refused {_count(t.loc['refused a DB connection', run], run + ' instance')}, "
        f"whose {_count(t.loc['requests failed (DB full)', run], 'request')} failed.",
        f"The warm cache tells the same story from the other side: {lam}'s requests found what they needed in "
        f"memory {t.loc['cache hit rate', lam]:.0%} of the time, {run}'s {t.loc['cache hit rate', run]:.0%},",
        "because a few busy instances warm their caches much faster than many environments do.")


def _platform_columns(runs, *platforms: str) -> list[str]:
    """The first config name of each platform in `runs` (a sim.run.Comparison), in the order asked."""
    names = []
    for platform in platforms:
        found = [name for name, result in runs.items() if result.config.platform == platform]
        if not found:
            raise ValueError(f"runs have no {platform!r} config; they have {list(runs)}")
        names.append(found[0])
    return names


def cold_starts(table: pd.DataFrame, runs, defaults: Mapping) -> Markdown:
    """Lab 2's result: the gap against each platform's keep-alive, the cold starts, the tail and the month."""
    lam, run = _platform_columns(runs, "lambda", "cloudrun")
    keep_alive_s, idle_timeout_s = runs[lam].config.keep_alive_s, runs[run].config.idle_timeout_s
    t, gap_s = table, float(defaults["gap_s"])

    def outlasts(limit_s: float, name: str, what: str) -> str:
        if gap_s > limit_s:
            return (f"The gap ({gap_s / 60:g} minutes) is longer than {name}'s {what} ({limit_s / 60:g} minutes), "
                    "so every burst met no warm environment or instance:")
        return (f"{name}'s {what} ({limit_s / 60:g} minutes) outlasts the gap ({gap_s / 60:g} minutes), "
                "so what the last burst started stayed up for the next:")

    return text(
        outlasts(keep_alive_s, lam, "keep-alive"),
        f"{lam} had {_count(t.loc['cold starts', lam], 'cold start')} and a p99 of {t.loc['p99 latency (ms)', lam]:,.0f} ms, "
        f"against a median of {t.loc['p50 latency (ms)', lam]:,.0f} ms.",
        outlasts(idle_timeout_s, run, "idle timeout"),
        f"{_count(t.loc['cold starts', run], 'cold start')}, a p99 of {t.loc['p99 latency (ms)', run]:,.0f} ms.",
        f"Projected to a 30-day month, this traffic costs ${t.loc['per 30-day month (USD)', lam]:,.2f} on {lam} "
        f"and ${t.loc['per 30-day month (USD)', run]:,.2f} on {run}.")


def concurrency(table: pd.DataFrame, defaults: Mapping, window_s: float, base_rate_per_s: float) -> Markdown:
    """Lab 3's burst: environments against shared instances, the tail, the window's cost, and the fleet."""
    lam, run, mi = _columns(table, 3)
    t = table
    started, p99, cost = (t.loc["environments / instances started"], t.loc["p99 latency (ms)"],
                          t.loc["cost of the window (USD)"])
    cpu_demand = defaults["spike_rate_per_s"] * defaults["cpu_ms"] / 1000
    return text(
        f"{lam} started {_count(started[lam], 'environment')}, one per request in flight, and kept its p99 at {p99[lam]:,.0f} ms.",
        f"{run} took the burst on {_count(started[run], 'instance')}, and its p99 was {p99[run]:,.0f} ms:",
        f"during the spike the requests need {cpu_demand:g} vCPUs of CPU work, and up to "
        f"{defaults['max_concurrency']} requests share one instance's vCPU until the autoscaler adds more.",
        f"The whole {window_s / 60:g}-minute window ({base_rate_per_s:g} request per second before and after the "
        f"spike) cost ${cost[lam]:.4f} on {lam} and ${cost[run]:.4f} on {run}, at list prices.",
        f"The third column is Lambda Managed Instances, the third shape of the chapter: its "
        f"{_count(started[mi], 'always-on instance')} (2 vCPUs each, the default minimum fleet) were already running when the spike came,",
        f"so no request waited for a start and the p99 was {p99[mi]:,.0f} ms;",
        f"the price is that the fleet is billed whether requests come or not: ${cost[mi]:.4f} for the same window.")


def traffic_cost(table: pd.DataFrame, defaults: Mapping) -> Markdown:
    """Lab 3's traffic: the projected month on each platform at the default shape of the traffic."""
    lam, run, mi = _columns(table, 3)
    month = table.loc["per 30-day month (USD)"]
    rate = defaults["mean_rate_per_s"]
    return text(
        f"At a mean of {rate:g} request{'' if rate == 1 else 's'} per second arriving in "
        f"{defaults['on_fraction']:.0%} of each cycle, the projected month costs ${month[lam]:,.2f} on {lam} "
        f"and ${month[run]:,.2f} on {run}.",
        f"Lambda Managed Instances cost ${month[mi]:,.2f}: their minimum fleet of three instances runs all month, "
        "so at this volume the shape of the traffic hardly matters to them.")


def cheaper_with_intervals(summary: pd.DataFrame, settings: Mapping[str, float], first: str, second: str,
                           metric: str = "monthly_usd", by: str = "on_fraction") -> Markdown:
    """Which of two configs costs less at each setting of a `sim.sweep.summarise` table, and whether their 95%
    intervals overlap (settings: a label per value of `by`). "About equal" where they overlap."""
    rows = summary[summary["metric"] == metric]
    lines = []
    for value, label in settings.items():
        one = rows[rows[by] == value].set_index("config")
        missing = sorted({first, second} - set(one.index))
        if missing:
            raise ValueError(f"{by}={value!r}: configs {missing} are not in the summary; it has {sorted(one.index)}")
        cheaper, other = one.loc[[first, second], "mean"].sort_values().index
        if one.loc[cheaper, "ci95_high"] < one.loc[other, "ci95_low"]:
            lines.append(f"{label}: {cheaper} is cheaper (${one.loc[cheaper, 'mean']:,.2f} against "
                         f"${one.loc[other, 'mean']:,.2f} a month; the 95% intervals do not overlap).")
        else:
            lines.append(f"{label}: {first} and {second} cost about the same (${one.loc[first, 'mean']:,.2f} and "
                         f"${one.loc[second, 'mean']:,.2f} a month; the 95% intervals overlap).")
    return text(*lines)


# ---------------------------------------------------------------- lab 4: your workload decides
def _lowest_phrase(table: pd.DataFrame, spread: pd.DataFrame, row: str, what: str, unit) -> str:
    """"X is <what> (figure; next, Y at figure)" when the margin exceeds the run-to-run spread, else "A and B are
    about equal (...)"
    (sim.experiments.capstone.lowest, among the platforms the verdict ranks); `unit(value)` formats a figure."""
    from .experiments import capstone

    values = table.loc[row, capstone.serving(table)].astype(float)
    names = capstone.lowest(values, spread, capstone.RANKED[row])
    figures = " and ".join(unit(values[name]) for name in names)
    if len(names) == 1:
        others = values.drop(names[0]).sort_values()
        after = f"; next, {others.index[0]} at {unit(others.iloc[0])}" if len(others) else ""
        return f"{names[0]} is {what} ({figures}{after})"
    return (f"{' and '.join(names)} are about equal ({figures}: the margin is inside the run-to-run spread "
            f"of {spread['replication'].nunique()} runs)")


def _usd(value: float) -> str:
    return f"${value:,.2f} a month"


def capstone_sample(verdict: pd.DataFrame, spread: pd.DataFrame, duration_s: float, cpu_ms: float,
                    lambda_config) -> Markdown:
    """Lab 4's sample verdict: cheapest and lowest p99 (only beyond the run-to-run spread), the fleet, the medians
    and Lambda's share of a vCPU, and the peaks."""
    from .config import LAMBDA_MB_PER_VCPU

    lam, run, mi = _columns(verdict, 3)
    t = verdict
    return text(
        f"The sample holds {int(t.loc['requests', lam]):,} requests over {duration_s / 60:.0f} minutes.",
        f"For it, {_lowest_phrase(t, spread, 'monthly cost (USD)', 'the cheapest', _usd)};",
        f"{mi} cost {_usd(float(t.loc['monthly cost (USD)', mi]))}, almost all of it the minimum fleet, "
        "which runs whether requests come or not.",
        f"At the p99, {_lowest_phrase(t, spread, 'p99 latency (ms)', 'the fastest', lambda ms: f'{ms:,.0f} ms')}.",
        f"Notice the medians too: {t.loc['p50 latency (ms)', lam]:,.0f} ms on {lam} against "
        f"{t.loc['p50 latency (ms)', run]:,.0f} ms on {run}, for the same {cpu_ms:g} ms of CPU work.",
        f"{lam} runs at {lambda_config.memory_mb:,} MB here, which comes with "
        f"{lambda_config.memory_mb / LAMBDA_MB_PER_VCPU:.2f} of a vCPU, so {cpu_ms:g} ms of one vCPU's work takes "
        f"about {cpu_ms * lambda_config.cpu_slowdown:.0f} ms.",
        f"And the peaks: {lam} ran up to {_count(t.loc['peak instances', lam], 'environment')} where {run} needed "
        f"{_count(t.loc['peak instances', run], 'instance')}.")


def capstone_reconcile(report, reconciled: pd.DataFrame, own: pd.DataFrame, own_spread: pd.DataFrame,
                       single: pd.DataFrame, single_spread: pd.DataFrame, memory_mb: int) -> Markdown:
    """Lab 4's REPORT lines: the logged bill against the simulated Lambda's, then the verdict with each request's
    own duration and with the default work (cheapest only beyond the run-to-run spread)."""
    import numpy as np

    logged, simulated = reconciled.loc["your REPORT lines"], reconciled.loc["Lambda (simulated)"]
    return text(
        f"The {len(report):,} lines were billed ${logged['window total (USD)']:.4f} for their "
        f"{report.span_s / 60:.0f} minutes, ${logged['monthly (USD)']:,.2f} a month at that pace;",
        f"the simulator's Lambda, replaying each request's own duration at {memory_mb:,} MB, bills "
        f"${simulated['monthly (USD)']:,.2f}, and it starts {simulated['cold-start share']:.2%} of the requests cold "
        f"where the logs show {logged['cold-start share']:.2%}.",
        f"With those durations, a median of {np.median(report.duration_ms):,.0f} ms and a p99 of "
        f"{np.percentile(report.duration_ms, 99):,.0f} ms, "
        f"{_lowest_phrase(own, own_spread, 'monthly cost (USD)', 'the cheapest', _usd)}.",
        "Give every request the lab's default work instead, exponential times of 20 ms CPU and 180 ms I/O, and "
        f"{_lowest_phrase(single, single_spread, 'monthly cost (USD)', 'the cheapest', _usd)}.")


def capstone_map(cells: pd.DataFrame, table: pd.DataFrame, mi: str = "Lambda MI") -> Markdown:
    """Lab 4's map: its cells and runs, how many the replications settle, where Lambda Managed Instances (`mi`)
    win, and the cheapest at the highest rate with I/O-heavy requests."""
    runs = table.groupby(["rate_per_s", "on_fraction", "io_share", "replication"]).ngroups
    won = int((cells["cheapest"] == mi).sum())
    fast = cells[(cells["io_share"] == cells["io_share"].max()) & (cells["rate_per_s"] == cells["rate_per_s"].max())]
    return text(
        f"The map holds {len(cells)} cells ({runs:,} simulations of {table['config'].nunique()} platforms each).",
        f"In {int(cells['sure'].sum())} of them the replications separate the cheapest platform from the runner-up; "
        "in the rest, the honest verdict is \"either\".",
        (f"Lambda Managed Instances are cheapest in none of its cells: at these rates their minimum fleet costs more "
         "than the whole bill of the others." if won == 0 else
         f"Lambda Managed Instances are cheapest in {_count(won, 'cell')} of this map."),
        f"At the highest rate, with I/O-heavy requests ({cells['io_share'].max():.0%} I/O), the cheapest is "
        f"{', '.join(sorted(set(fast['cheapest'])))}.")
