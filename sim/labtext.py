"""The labs' result sentences: what a run found, in words, with its numbers.

A lab's own code displays them as Markdown (its input hidden in JupyterLab and removed in the book), so
they read with their numbers wherever the lab is opened: in the built book, in JupyterLab, on Binder and in
the student copies, which have no glue. Each function takes the table the lab just computed, so a
sentence always quotes the run above it; semantic lines (one clause per line) as in the book's prose.
`glue` is myst-nb's when it is installed (the book build), and otherwise records nothing, so that a
student's install needs no book tooling.
"""
from __future__ import annotations

import re
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


#: sphinx-design's chevron (octicon chevron-right), as its dropdowns draw it.
_CHEVRON = ('<svg version="1.1" width="1.5em" height="1.5em" class="sd-octicon sd-octicon-chevron-right" '
            'viewBox="0 0 24 24" aria-hidden="true"><path d="M8.72 18.78a.75.75 0 0 1 0-1.06L14.44 12 8.72 6.28a.751.751 '
            '0 0 1 .018-1.042.751.751 0 0 1 1.042-.018l6.25 6.25a.75.75 0 0 1 0 1.06l-6.25 6.25a.75.75 0 0 1-1.06 0Z">'
            '</path></svg>')
#: An answer folded until opened: sphinx-design's dropdown markup, so that in the book it looks and opens like the
#: labs' {dropdown} answers; JupyterLab renders the same <details> as a fold. Each part is an HTML block of its own
#: line, and the answer's Markdown sits between them after a blank line, so both renderers parse it as Markdown.
FOLD_OPEN = ('<details class="sd-sphinx-override sd-dropdown sd-card sd-mb-3">\n'
             '<summary class="sd-summary-title sd-card-header"><span class="sd-summary-text">{title}</span>'
             '<span class="sd-summary-state-marker sd-summary-chevron-right">' + _CHEVRON + '</span></summary>\n'
             '<div class="sd-summary-content sd-card-body">\n')
FOLD_CLOSE = "\n</div>\n</details>"
_FOLD = re.compile(re.escape(FOLD_OPEN).replace(re.escape("{title}"), "(?P<title>[^<]+)")
                   + r"\n(?P<body>.*)" + re.escape(FOLD_CLOSE) + r"\Z", re.DOTALL)


def text(*lines: str) -> Markdown:
    """Lines of Markdown as one displayable block (one sentence or clause per line)."""
    return Markdown("\n".join(lines))


def answer(*lines: str, title: str = "Answer") -> Markdown:
    """Lines of Markdown folded behind `title` until a reader opens them: a Think! answer or a note on a worked
    solution whose numbers the lab's code computes (in a cell the student copy leaves out)."""
    if not title.strip() or "<" in title:
        raise ValueError(f"title={title!r}: expected a short plain text, without '<'")
    return Markdown(FOLD_OPEN.format(title=title) + "\n" + "\n".join(lines) + "\n" + FOLD_CLOSE)


def unfold(markdown: str) -> tuple[str, str] | None:
    """(title, Markdown body) of an `answer`, or None for any other Markdown (the answer keys quote the body)."""
    match = _FOLD.match(markdown)
    return (match["title"], match["body"].strip("\n")) if match else None


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


def capstone_metric_answer(metric_requests: int, verdict: pd.DataFrame, spread: pd.DataFrame,
                           single: pd.DataFrame, single_spread: pd.DataFrame) -> Markdown:
    """Lab 4's Think! on the Invocations metric: its verdict (`verdict`, `spread`) against the REPORT lines' verdict
    with the default work (`single`, `single_spread`), and why a count cannot carry the work."""
    from .experiments import capstone

    def cheapest(table, runs):
        row = "monthly cost (USD)"
        return capstone.lowest(table.loc[row, capstone.serving(table)].astype(float), runs, capstone.RANKED[row])

    same = cheapest(verdict, spread) == cheapest(single, single_spread)
    return answer(
        f"From the metric, {_lowest_phrase(verdict, spread, 'monthly cost (USD)', 'the cheapest', _usd)}, "
        + ("as with the REPORT lines given the default work." if same else
           "unlike the REPORT lines given the default work."),
        f"The metric keeps the arrivals per minute exactly, {metric_requests:,} requests, "
        "and spreads each minute's count uniformly over it (a stated, seeded rule), so the traffic is nearly the same;",
        "but a count carries no duration, so each request gets the default work, "
        "and it is the work, not the arrivals, that turned the verdict of the `REPORT` lines.",
        "To decide from a metric export, measure the work per request elsewhere "
        "(a `REPORT` line's `Duration`, a latency percentile) and pass it as `cpu_ms` and `io_ms`, "
        "for example a `LogNormal` with your median and p95.")


def capstone_sample_answers(verdict: pd.DataFrame, memory_mb: int, bigger: pd.DataFrame,
                            bigger_spread: pd.DataFrame, bigger_memory_mb: int) -> Markdown:
    """Lab 4's Think! on the sample and the map: what a bigger Lambda (`bigger`, at `bigger_memory_mb` against the
    verdict's `memory_mb`) does to the verdict, why CPU-heavy cells stay unsure, and how much of the tail the cold
    starts are."""
    from .experiments import capstone

    lam, run, mi = _columns(verdict, 3)
    cost, cold = verdict.loc["monthly cost (USD)"].astype(float), verdict.loc["cold-start share"].astype(float)
    cpu_heavy, io_heavy = min(capstone.MAP_IO_SHARES), max(capstone.MAP_IO_SHARES)
    return answer(
        f"- {lam}'s memory size, for one: it sets both {lam}'s price per second and its CPU share.",
        f"  At {bigger_memory_mb:,} MB instead of {memory_mb:,} MB each request finishes its CPU work sooner "
        f"but pays {'twice' if bigger_memory_mb == 2 * memory_mb else f'{bigger_memory_mb / memory_mb:g} times'} "
        "the rate per second,",
        f"  so the sample's {lam} bill moves from {_usd(cost[lam])} to "
        f"{_usd(float(bigger.loc['monthly cost (USD)', lam]))} against {run}'s {_usd(cost[run])};",
        f"  with it, {_lowest_phrase(bigger, bigger_spread, 'monthly cost (USD)', 'the cheapest', _usd)}.",
        "  The prices and the other platform settings can flip it too. "
        f"The {mi} column is dominated by its minimum fleet (UNVERIFIED at 3 instances): "
        "with one instance it would cost a third as much, still more than the others at this volume.",
        f"  {run}'s minimum instances and concurrency set how much idle time it bills; "
        "change them in the configs (section 3 shows how) and the order can swap.",
        f"- With {cpu_heavy:.0%} I/O, a request is mostly CPU, and both platforms bill CPU time at similar prices per vCPU-second "
        "(chapter 3 compares them), so where requests rarely overlap the two bills come close "
        "and three replications cannot separate them.",
        f"  With {io_heavy:.0%} I/O the bills differ by a wide margin in either direction, far more than the noise: "
        f"at low rates the waits rarely overlap, and {run} bills a whole 1-vCPU instance for every lone wait "
        f"while {lam} bills only its memory, so {lam} wins clearly;",
        f"  at higher rates or in bursts the waits overlap on one instance, {run} bills them once "
        f"while {lam} bills every request's wait, and {run} wins clearly.",
        f"- Mostly not: {cold[lam]:.1%} of the requests on {lam} and {cold[run]:.1%} on {run} met a cold start, "
        + ("and none on Managed Instances," if cold[mi] == 0 else f"and {cold[mi]:.1%} on {mi},")
        + " whose p99 is still far above its p50.",
        "  A p99 is decided by the slowest 1% of requests, so cold starts contribute, but the main cause is the "
        "exponential work: with a mean of 180 ms of I/O, one request in a hundred waits more than "
        "4.6 × 180 ≈ 830 ms.",
        "  Use `Fixed` or `LogNormal` work (`sim.distributions`) to see how much of the tail is the platform "
        "and how much is your own service.")


def capstone_minimum_fleet(steady: pd.DataFrame, mi: str = "Lambda MI") -> Markdown:
    """Lab 4's exercise 4.2, about its solution: the first rate on the grid where the managed fleet (`mi`) is the
    cheapest, and the peak fleet and throttled share at the highest rate (`steady`: a row per rate)."""
    cheapest = steady.drop(columns=[f"{mi} peak instances", f"{mi} throttled"]).astype(float).idxmin(axis=1)
    top = steady.index.max()
    first = (f"on this grid the managed fleet is first the cheapest at {cheapest.index[cheapest == mi].min():g} "
             "requests per second." if (cheapest == mi).any() else
             "on this grid the managed fleet is never the cheapest.")
    return answer(
        "At low rates the minimum fleet is a fixed cost that the per-request bills of Lambda and Cloud Run stay under.",
        "As the rate grows, Lambda's bill grows in proportion to the requests, Cloud Run's with its busy instances, "
        "and the managed fleet's only once its CPU target forces more instances:",
        first,
        f"At {top:g} requests per second three instances are no longer enough: the scaler starts from three "
        "and may at most double the fleet in five minutes,",
        f"so it reached {_count(steady.loc[top, mi + ' peak instances'], 'instance')} and refused "
        f"{steady.loc[top, mi + ' throttled']:.1%} of the requests in the meantime; a cost that comes with refusals is not a saving.",
        "Chapter 3b, on Lambda Managed Instances, runs the same comparison from a fleet sized for the load.",
        title="About the solution")
