"""What the lab panels share: the interactive run cap, plain-layout figures and tables with one column per config.

Every panel is general over a list of platform configs: it runs the same workload on each (common random
numbers) and its table has one column per config, so a third platform adds a third column.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd

from .. import _check
from ..arrivals import Spike
from ..controls import check_settings
from ..plotting import STYLE, plain_figure, platform_colour, platform_key
from ..run import Comparison, compare
from ..workload import Workload

#: Run cap of an interactive panel, in requests per platform: a few tenths of a second per platform.
PANEL_MAX_REQUESTS = 20_000


@dataclass(frozen=True)
class SpikeWindow:
    """A panel's burst: `base_rate_per_s` with one spike of `spike_duration_s` from `spike_start_s`,
    simulated over `window_s`; the spike's rate is the panel's slider."""
    base_rate_per_s: float
    spike_start_s: float
    spike_duration_s: float
    window_s: float

    def arrivals(self, spike_rate_per_s: float) -> Spike:
        return Spike(base_rate_per_s=self.base_rate_per_s, spike_rate_per_s=spike_rate_per_s,
                     spike_start_s=self.spike_start_s, spike_duration_s=self.spike_duration_s)

    def expected_requests(self, spike_rate_per_s: float, **_ignored) -> float:
        """Requests the burst sends to each platform (checked against the run cap before running)."""
        return self.arrivals(spike_rate_per_s).expected_count(self.window_s)


#: What a panel's run() takes besides its DEFAULTS' settings.
RUN_OPTIONS = ("seed", "max_requests")


def table_at(experiment: Callable, table: Callable, defaults: dict, configs: Sequence, values: dict) -> pd.DataFrame:
    """A panel's table without widgets: `values` over `defaults`; an unknown name is refused with the valid ones."""
    check_settings(values, [*defaults, *RUN_OPTIONS])
    return table(experiment(configs=configs, **{**defaults, **values}))


def check_configs(configs: Sequence) -> list:
    """The panel's configs as a list: at least one, with distinct names (they head the table's columns)."""
    configs = list(configs)
    if not configs:
        raise ValueError("configs=() is not allowed; expected at least one platform config")
    names = [getattr(c, "name", None) for c in configs]
    if len(set(names)) != len(names):
        raise ValueError(f"configs have names {names}; expected distinct names (set name=... on each)")
    return configs


def run_configs(workload: Workload, configs: Sequence, seed: int) -> Comparison:
    """The workload on each config with the same random draws."""
    return compare(workload, *configs, seed=seed)


def limited(workload_kwargs: dict, max_requests: int) -> Workload:
    """A Workload with the panel's run cap (the Workload itself refuses anything above it)."""
    _check.number("max_requests", max_requests, low=1, integer=True)
    return Workload(**workload_kwargs, max_requests=max_requests)


class RunCache:
    """One run and its summary and bill, each computed once however many table rows read them."""

    def __init__(self, result):
        self.result, self.config = result, result.config

    @functools.cached_property
    def summary(self) -> dict:
        return self.result.summary()

    @functools.cached_property
    def bill(self):
        return self.result.bill()


#: The rows the panels' tables share, by label: metric(RunCache of a run), rounded as every panel shows them.
STANDARD_ROWS: dict[str, Callable] = {
    "requests": lambda f: int(f.summary["requests"]),
    "environments / instances started": lambda f: int(f.summary["instances_started"]),
    "peak alive": lambda f: int(f.summary["peak_instances"]),
    "cold starts": lambda f: int(f.summary["cold_starts"]),
    "cold-start share": lambda f: round(float(f.summary["cold_start_rate"]), 4),
    "mean latency (ms)": lambda f: round(float(f.summary["latency_mean_ms"]), 1),
    "p50 latency (ms)": lambda f: round(float(f.summary["latency_p50_ms"]), 1),
    "p99 latency (ms)": lambda f: round(float(f.summary["latency_p99_ms"]), 1),
}


def standard_rows(*labels: str) -> dict[str, Callable]:
    """The STANDARD_ROWS named, in that order (a panel adds its own rows around them)."""
    unknown = [label for label in labels if label not in STANDARD_ROWS]
    if unknown:
        raise ValueError(f"rows {unknown} are not standard rows; expected some of {list(STANDARD_ROWS)}")
    return {label: STANDARD_ROWS[label] for label in labels}


def column_table(runs: Comparison, rows: dict[str, Callable]) -> pd.DataFrame:
    """One column per config, one row per named metric: rows maps a row label to metric(RunCache of a run)."""
    facts = {name: RunCache(result) for name, result in runs.items()}
    data = {name: [metric(f) for metric in rows.values()] for name, f in facts.items()}
    table = pd.DataFrame(data, index=list(rows), dtype=object)    # object: each cell keeps its int or float
    table.index.name = "metric"
    return table


def figure(ncols: int = 1, figsize: tuple[float, float] = (9.0, 3.4)):
    """A book-styled figure with plain layout (sim.plotting.plain_figure), the previous redraw's when a
    panel redraws (sim.plotting.FigureReuse)."""
    return plain_figure(ncols, figsize)


def bar_colours(runs: Comparison) -> list[str]:
    """The book's colour of each config's platform, in the runs' order."""
    return [platform_colour(result.config.platform) for result in runs.values()]


def bars(ax, runs: Comparison, values: Sequence[float], ylabel: str, fmt: str = "{:,.0f}") -> None:
    """One bar per config in its platform's colour, labelled with its value."""
    names = list(runs)
    x = np.arange(len(names))
    hatches = {"lambda": "", "cloudrun": "//", "lmi": ".."}
    with matplotlib.rc_context(STYLE):
        drawn = ax.bar(x, values, color=bar_colours(runs), edgecolor="#333333", width=0.6)
        for bar, result in zip(drawn, runs.values()):
            bar.set_hatch(hatches.get(platform_key(result.config.platform), ""))
        for xi, v in zip(x, values):
            if np.isfinite(v):
                ax.annotate(fmt.format(v), (xi, v), ha="center", va="bottom", fontsize=9,
                            xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(x, [n.replace(", ", ",\n") for n in names], fontsize=9)
        ax.set_ylabel(ylabel)
        top = max([v for v in values if np.isfinite(v)], default=1.0)
        ax.set_ylim(0, top * 1.2 if top > 0 else 1.0)
