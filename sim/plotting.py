"""Figures for the book, drawn from Result tables.

One colour per platform everywhere (Okabe–Ito, colour-blind safe), a line style per platform
so figures survive greyscale, and an opaque white background so they stay readable on a dark page.
Every helper takes `ax=` (draw into an existing Axes) and returns the Figure.

For the labs' panels, which redraw on every move of a slider: `plain_figure` lays Axes out with fixed
margins (constrained layout measures every label again at each draw), `FigureReuse` hands a redraw the
figure of the previous one to update, and `page_png` renders a figure at the width the book's page shows.
"""
from __future__ import annotations

import contextvars
import functools
import io
from collections.abc import Callable, Iterable, Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

PLATFORM_COLOURS = {
    "lambda": "#E69F00",            # Okabe–Ito orange
    "cloudrun": "#0072B2",          # Okabe–Ito blue
    "lambda_managed": "#009E73",    # Okabe–Ito bluish green
}
PLATFORM_LINESTYLES = {"lambda": "-", "cloudrun": "--", "lambda_managed": "-."}
PLATFORM_LABELS = {"lambda": "AWS Lambda", "cloudrun": "Cloud Run", "lambda_managed": "Lambda Managed Instances"}
_PLATFORM_ALIASES = {"lambda_managed_instances": "lambda_managed", "lmi": "lambda_managed", "cloud_run": "cloudrun"}

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "text.color": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "font.size": 11.0,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "svg.hashsalt": "the-workload-decides",
}


def platform_key(platform: str) -> str:
    """Normalise a config's `.platform` to a key of PLATFORM_COLOURS."""
    key = _PLATFORM_ALIASES.get(platform, platform)
    if key not in PLATFORM_COLOURS:
        raise ValueError(f"platform={platform!r} has no colour; expected one of {', '.join(map(repr, PLATFORM_COLOURS))}")
    return key


def platform_colour(platform: str) -> str:
    """The colour used for `platform` in every figure of the book."""
    return PLATFORM_COLOURS[platform_key(platform)]


#: Margins of a plain-layout figure, as fractions of it: room for the tick labels, axis labels and titles of
#: the book's two-panel figures, fixed once instead of measured at every draw.
PLAIN_MARGINS = {"left": 0.08, "right": 0.98, "bottom": 0.2, "top": 0.88, "wspace": 0.3}

#: The widest a figure is shown on the book's pages, in CSS pixels: the article column of the theme's widest
#: page (88rem) without its left sidebar (25%) and right sidebar (17rem), less the output's margins.
PAGE_WIDTH_PX = 760


def new_figure(ax=None, *, ncols: int = 1, figsize: tuple[float, float] | None = None):
    """Return (fig, ax): `ax`'s figure if given (one Axes or a sequence of them), else a new book-styled
    figure with `ncols` Axes side by side, in constrained layout.

    New figures are closed in pyplot so a notebook shows them once: as the cell's value or via display().
    """
    if ax is not None:
        first = ax[0] if isinstance(ax, (list, tuple, np.ndarray)) else ax
        return first.figure, ax
    width, height = figsize or STYLE["figure.figsize"]
    return _reusable(("constrained", ncols, width, height), lambda: _subplots(ncols, (width, height), "constrained"))


def plain_figure(ncols: int = 1, figsize: tuple[float, float] = (9.0, 3.4)):
    """(fig, axes): a book-styled figure with `ncols` Axes side by side and fixed margins (PLAIN_MARGINS),
    which draws in half the time of constrained layout."""
    width, height = figsize
    return _reusable(("plain", ncols, width, height), lambda: _subplots(ncols, (width, height), None))


def _subplots(ncols: int, figsize: tuple[float, float], layout: str | None):
    with matplotlib.rc_context(STYLE):
        fig, ax = plt.subplots(1, ncols, figsize=figsize, layout=layout)
    plt.close(fig)
    if layout is None:
        fig.subplots_adjust(**PLAIN_MARGINS)
    return fig, ax


def page_png(figure: Figure) -> bytes:
    """The figure as a PNG no wider than the page shows it (PAGE_WIDTH_PX), on the figure's own canvas
    (no tight bounding box, which draws the figure twice)."""
    width_in = figure.get_size_inches()[0]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=min(figure.dpi, PAGE_WIDTH_PX / width_in))
    return buffer.getvalue()


# ---------------------------------------------------------------- figures reused from one redraw to the next
_REUSE: contextvars.ContextVar = contextvars.ContextVar("figure_reuse", default=None)


class FigureReuse:
    """The figures a panel drew at its last redraw, handed back to the next one to update.

    Inside `with reuse:`, new_figure() and plain_figure() return the figure of the same shape made at the
    previous redraw (the first, second, ... of each shape in turn), every Axes emptied but its tick objects
    kept: making the ticks is a third of drawing a figure. The PNG is the same, pixel for pixel, as a new
    figure's (tests/test_panels.py). Only what lives on the Axes is emptied, so a figure drawn this way
    must keep its artists on its Axes (no figure-level legend or title).
    """

    def __init__(self):
        self._kept: dict[tuple, list] = {}
        self._taken: dict[tuple, int] = {}
        self._token = None

    def __enter__(self) -> FigureReuse:
        self._taken = {}
        self._token = _REUSE.set(self)
        return self

    def __exit__(self, *_exc) -> None:
        _REUSE.reset(self._token)

    def figure(self, key: tuple, make: Callable):
        """The kept figure for the next request of shape `key`, emptied; or a new one from `make()`, kept."""
        taken = self._taken.get(key, 0)
        self._taken[key] = taken + 1
        kept = self._kept.setdefault(key, [])
        if taken < len(kept):
            fig, axes = kept[taken]
            for ax in fig.axes:
                _empty(ax)
            return fig, axes
        kept.append(make())
        return kept[-1]


def _reusable(key: tuple, make: Callable):
    reuse = _REUSE.get()
    return make() if reuse is None else reuse.figure(key, make)


def _empty(ax) -> None:
    """Back to the state of a new Axes, keeping its Axis objects and their ticks: no artists, legend,
    titles or labels; linear scales, default locators and margins, limits from the data to come."""
    for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images, *ax.tables, *ax.artists]:
        artist.remove()
    ax.containers.clear()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for loc in ("center", "left", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_prop_cycle(None)
    with matplotlib.rc_context(STYLE):
        ax.set_xscale("linear")
        ax.set_yscale("linear")
        ax.set_xmargin(matplotlib.rcParams["axes.xmargin"])
        ax.set_ymargin(matplotlib.rcParams["axes.ymargin"])
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_autoscale_on(True)


def styled(draw):
    """Run a plotting helper under the book's rcParams, so lines and text match whichever Axes it draws on."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)
    return wrapper


def _results(results) -> list:
    """Accept one Result, a list of them, or a dict-like Comparison; return a list of Results."""
    if hasattr(results, "instances") and hasattr(results, "config"):
        return [results]
    if isinstance(results, Mapping) or (hasattr(results, "values") and callable(results.values)):
        return list(results.values())
    if isinstance(results, Iterable):
        return list(results)
    raise ValueError(f"results={results!r} is not allowed; expected a Result, a list of Results or a Comparison")


def _style(result) -> dict:
    key = platform_key(result.config.platform)
    return {"color": PLATFORM_COLOURS[key], "linestyle": PLATFORM_LINESTYLES[key], "label": result.config.name}


def _time_axis(end_s: float) -> tuple[float, str]:
    """Divisor and label for a time axis: seconds for short windows, minutes or hours for long ones."""
    if end_s > 3 * 3600:
        return 3600.0, "time (h)"
    if end_s > 1200:
        return 60.0, "time (min)"
    return 1.0, "time (s)"


def instances_over_time(result) -> tuple[np.ndarray, np.ndarray]:
    """Step function of instances alive (starting, busy or idle): returns (times_s, alive).

    `alive[i]` holds from `times_s[i]` until `times_s[i + 1]`; the last point is the window's end.
    """
    start_s, end_s = result.window_s
    inst = result.instances
    created = np.clip(inst["created_s"].to_numpy(dtype=float), start_s, None)
    retired = inst["retired_s"].to_numpy(dtype=float)
    retired = retired[~np.isnan(retired)]
    times = np.concatenate([[start_s], created, retired])
    delta = np.concatenate([[0.0], np.ones(created.size), -np.ones(retired.size)])
    order = np.argsort(times, kind="stable")
    times, delta = times[order], delta[order]
    unique_times, first = np.unique(times, return_index=True)
    alive = np.cumsum(np.add.reduceat(delta, first))
    times_s = np.append(unique_times, max(end_s, unique_times[-1]))
    return times_s, np.append(alive, alive[-1]).astype(int)


@styled
def plot_instances(results, ax=None, *, title: str | None = None) -> Figure:
    """Instances (Cloud Run) or execution environments (Lambda) alive over time, one line per platform."""
    fig, ax = new_figure(ax)
    runs = _results(results)
    end_s = max(r.window_s[1] for r in runs)
    scale, xlabel = _time_axis(end_s)
    for result in runs:
        times_s, alive = instances_over_time(result)
        ax.step(times_s / scale, alive, where="post", **_style(result))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("environments / instances alive")
    ax.set_xlim(0, end_s / scale)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return fig


@styled
def plot_latency_cdf(results, ax=None, *, title: str | None = None) -> Figure:
    """Empirical distribution of the latency of served requests, one line per platform (log time axis)."""
    fig, ax = new_figure(ax)
    lowest_ms = []
    for result in _results(results):
        requests = result.requests
        latency_s = np.sort(requests.loc[requests["status"] == "ok", "latency_s"].to_numpy(dtype=float))
        share = np.arange(1, latency_s.size + 1) / max(latency_s.size, 1)
        shown = latency_s > 0                    # a log axis cannot show zero
        if not shown.any():
            continue
        latency_s, share = latency_s[shown], share[shown]
        ax.step(latency_s * 1000.0, share, where="post", **_style(result))
        lowest_ms.append(np.percentile(latency_s, 1) * 1000.0)
    ax.set_xscale("log")
    if lowest_ms:
        ax.set_xlim(left=min(lowest_ms) / 2)   # the fastest 1% would stretch the axis over decades
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("share of requests at or below")
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return fig


@styled
def plot_overview(results) -> Figure:
    """Two panels for a first look at a comparison: instances alive over time, and the latency distribution."""
    fig, (left, right) = plain_figure(ncols=2, figsize=(9.0, 3.6))
    plot_instances(results, ax=left, title="Capacity over time")
    plot_latency_cdf(results, ax=right, title="Latency of served requests")
    return fig
