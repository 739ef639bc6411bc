"""What the chapters' experiments share: running many simulations as rows, traffic and work shapes, and the
figures' styles, ticks and legends.

Each chapter module (concurrency_cost, managed_instances, decision) keeps its own experiments and imports
these; a row of a run is picked from `sim.result.Result.figures`, so every chapter's table reads the same figures.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import _check
from ..arrivals import ArrivalProcess, OnOff, Poisson
from ..config import LambdaManagedInstancesConfig
from ..display import money
from ..distributions import Exponential, Fixed
from ..plotting import PLATFORM_LINESTYLES, from_zero, platform_colour, platform_key
from ..run import simulate
from ..sweep import map_in_order
from ..workload import Workload

#: Lambda Managed Instances' one display name in tables, figures and prose (the config's default name);
#: in code they are `lmi` (the config's platform).
LMI_NAME = LambdaManagedInstancesConfig().name


# ---------------------------------------------------------------- running the simulations
def run_all(task: Callable, items: Iterable, executor=None) -> list:
    """`task(item)` for every item, in order: one after another, or on a concurrent.futures executor
    (sim.sweep.map_in_order, which sim.sweep.sweep also runs on).

    `task` must be a module-level function (so a process pool can pickle it); results keep the items' order.
    """
    return map_in_order(task, items, executor)


@dataclass(frozen=True)
class Run:
    """One simulation to run: a workload on a config with a seed, plus labels carried into the row."""
    workload: Workload
    config: object
    seed: int
    labels: tuple = ()


#: The figures (sim.result.Result.figures) in a row of `run_metrics`, after the run's labels, config and seed.
RUN_COLUMNS = ("requests", "throttle_rate", "cold_start_rate", "latency_mean_ms", "latency_p99_ms", "wait_max_s",
               "mean_instances", "peak_instances", "window_s", "cost_usd", "monthly_usd")


def run_row(run: Run, figures: dict, columns: Sequence[str] = RUN_COLUMNS) -> dict:
    """`run`'s labels, config name, platform and seed, then `columns` of `figures` (a Result.figures dict)."""
    return {**dict(run.labels), "config": run.config.name, "platform": run.config.platform, "seed": run.seed,
            **{column: figures[column] for column in columns}}


def run_metrics(run: Run) -> dict:
    """Simulate `run` and return its labels plus headline figures (latency in ms, cost in USD)."""
    return run_row(run, simulate(run.workload, run.config, seed=run.seed).figures())


# ---------------------------------------------------------------- traffic and work
def on_off(mean_rate_per_s: float, on_fraction: float, cycle_s: float) -> ArrivalProcess:
    """Traffic with mean `mean_rate_per_s` that arrives only during the first `on_fraction` of every cycle
    (at mean_rate / on_fraction); on_fraction 1 is steady Poisson traffic."""
    _check.number("mean_rate_per_s", mean_rate_per_s, low=0, low_open=True)
    _check.number("on_fraction", on_fraction, low=0, low_open=True, high=1)
    _check.number("cycle_s", cycle_s, low=1)
    if on_fraction == 1:
        return Poisson(rate_per_s=mean_rate_per_s)
    return OnOff(rate_on_per_s=mean_rate_per_s / on_fraction, on_s=cycle_s * on_fraction,
                 off_s=cycle_s * (1 - on_fraction))


def io_ms_for_share(io_share: float, cpu_ms: float) -> float:
    """Mean I/O wait that makes `io_share` of a request's work (cpu_ms of one vCPU + io_ms) waiting."""
    _check.number("io_share", io_share, low=0, high=0.999)
    return cpu_ms * io_share / (1 - io_share)


def io_share_workload(rate_per_s: float, io_share: float, cpu_ms: float = 20.0, duration_s: float = 300.0) -> Workload:
    """Steady Poisson traffic; each request has `cpu_ms` of CPU, then an exponential I/O wait whose mean
    makes `io_share` of its work waiting."""
    _check.number("cpu_ms", cpu_ms, low=0, low_open=True)
    return Workload(arrivals=Poisson(rate_per_s=rate_per_s), duration_s=duration_s, cpu_ms=Fixed(ms=cpu_ms),
                    io_ms=Exponential(mean_ms=io_ms_for_share(io_share, cpu_ms)))


# ---------------------------------------------------------------- figures
def line_style(config_name: str, platform: str, variant: int = 0) -> dict:
    """Platform colour, line style and marker; a second variant of the same platform gets a dotted line."""
    linestyle = PLATFORM_LINESTYLES[platform_key(platform)] if variant == 0 else ":"
    marker = ("o", "s", "^", "D")[variant % 4]
    return {"color": platform_colour(platform), "linestyle": linestyle, "marker": marker, "label": config_name}


def config_order(df: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(config name, platform, variant index within its platform) in first-seen order."""
    seen, counts = [], {}
    for name, platform in df[["config", "platform"]].drop_duplicates().itertuples(index=False):
        seen.append((name, platform, counts.get(platform, 0)))
        counts[platform] = counts.get(platform, 0) + 1
    return seen


def money_tick(x, _pos=None) -> str:
    """A money axis tick: sim.display.money, whole amounts without cents (a matplotlib FuncFormatter function)."""
    return money(x, short=True)


def number_tick(x, _pos=None) -> str:
    """A plain number axis tick: thousands separated from 1 up (1,000), the shortest form below (0.5)."""
    return f"{x:,.0f}" if x >= 1 else f"{x:g}"


def value_axis(axis, values, formatter=number_tick) -> None:
    """A log axis with plain labels (1-2-5 ticks) when `values` span more than a factor of 3, else a linear
    axis from zero (sim.plotting.from_zero), so that a change looks as large as it is."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size and values.max() / values.min() > 3:
        if axis is axis.axes.yaxis:
            axis.axes.set_yscale("log")
        else:
            axis.axes.set_xscale("log")
        subs = (1.0, 2.0, 5.0) if values.max() / values.min() > 10 else (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
        axis.set_major_locator(LogLocator(base=10, subs=subs))
        axis.set_minor_locator(NullLocator())
    else:
        from_zero(axis.axes, "y" if axis is axis.axes.yaxis else "x")
    axis.set_major_formatter(FuncFormatter(formatter))


def legend_below(fig, axes, ncols: int = 4) -> None:
    """One legend for the whole figure, under the panels (each label once)."""
    entries = {}
    for panel in np.atleast_1d(axes):
        for handle, label in zip(*panel.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries.keys()), loc="outside lower center", ncols=ncols, fontsize=9)
