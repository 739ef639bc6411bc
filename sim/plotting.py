"""Figures for the book, drawn from Result tables.

One colour per platform everywhere (Okabe–Ito, colour-blind safe), a line style per platform
so figures survive greyscale, and an opaque white background so they stay readable on a dark page.
Every helper takes `ax=` (draw into an existing Axes) and returns the Figure.

Figures are drawn at the size the book's page shows them (`to_page`): PAGE_WIDTH_PX wide, every text
at least MIN_TEXT_PX high on the page, and each PNG records its smallest text in image pixels
(its PNG_TEXT_KEY text chunk), so the browser test can check it at the size the page shows.

For the labs' panels, which redraw on every move of a slider: `plain_figure` lays Axes out with fixed
margins (constrained layout measures every label again at each draw), `FigureReuse` hands a redraw the
figure of the previous one to update, and `page_png` renders a figure at the width the book's page shows.
"""
from __future__ import annotations

import contextvars
import functools
import io
import math
from collections.abc import Callable, Iterable, Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from .intervals import step_function

PLATFORM_COLOURS = {
    "lambda": "#E69F00",            # Okabe–Ito orange
    "cloudrun": "#0072B2",          # Okabe–Ito blue
    "lmi": "#009E73",               # Okabe–Ito bluish green
}
PLATFORM_LINESTYLES = {"lambda": "-", "cloudrun": "--", "lmi": "-."}
PLATFORM_LABELS = {"lambda": "AWS Lambda", "cloudrun": "Cloud Run", "lmi": "Lambda Managed Instances"}
_PLATFORM_ALIASES = {"lambda_managed_instances": "lmi", "lambda_managed": "lmi", "cloud_run": "cloudrun"}

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

#: The width the book's pages show a figure at, in CSS pixels: measured in the built book in Chromium at a
#: 1280 px window (the article column's images; tests/test_browser.py checks it), which is also the widest
#: the theme shows them (wider windows widen the margins, not the column).
PAGE_WIDTH_PX = 672
#: The smallest text a figure may show on the page, in CSS pixels.
MIN_TEXT_PX = 10.0
#: The PNG text chunk in which each figure records its smallest text, in pixels of the image.
PNG_TEXT_KEY = "smallest text px"


def smallest_text_px(figure: Figure) -> float:
    """The smallest visible non-empty text of `figure`, in pixels of the image at its current dpi."""
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=math.inf) * figure.dpi / 72.0


def raise_small_text(figure: Figure, dpi: float) -> None:
    """Raise every text of `figure` smaller than MIN_TEXT_PX on the page, printed at `dpi`, to that size.

    The page shows the image at its own width up to PAGE_WIDTH_PX, and narrower beyond it; a point is
    then min(dpi, PAGE_WIDTH_PX / width in inches) / 72 pixels on the page."""
    shown_px_per_inch = min(dpi, PAGE_WIDTH_PX / figure.get_size_inches()[0])
    floor_pt = MIN_TEXT_PX * 72.0 / shown_px_per_inch
    for text in figure.findobj(Text):
        if text.get_fontsize() < floor_pt:
            text.set_fontsize(floor_pt)


class PageCanvas(FigureCanvasAgg):
    """The Agg canvas of the book's figures: printing one raises its small text (raise_small_text) and
    writes its smallest text size into the PNG (PNG_TEXT_KEY), however it is printed: a notebook's
    inline figure, a glued one or a panel's page_png."""

    def __init__(self, figure: Figure):
        super().__init__(figure)
        self._png_metadata: dict | None = None
        self.mpl_connect("draw_event", self._record_text_size)

    def print_figure(self, filename, dpi=None, *args, bbox_inches=None, pad_inches=None, **kwargs):
        if dpi is None or dpi == "figure":
            dpi = matplotlib.rcParams["savefig.dpi"] if dpi is None else dpi
            dpi = self.figure.dpi if dpi == "figure" else dpi
        if bbox_inches == "tight":
            dpi = self._tight_dpi(dpi, matplotlib.rcParams["savefig.pad_inches"] if pad_inches is None else pad_inches)
        raise_small_text(self.figure, dpi)
        return super().print_figure(filename, dpi, *args, bbox_inches=bbox_inches, pad_inches=pad_inches, **kwargs)

    def _tight_dpi(self, dpi: float, pad_in: float, rounds: int = 4) -> float:
        """`dpi`, lowered until the figure's tight box (a notebook's inline figure) is at most PAGE_WIDTH_PX
        wide: a label reaching past the figure's edge widens the image, which the page would then shrink."""
        for _ in range(rounds):
            raise_small_text(self.figure, dpi)
            self.figure.draw_without_rendering()
            width_in = self.figure.get_tightbbox(self.get_renderer()).width + 2 * pad_in
            if width_in * dpi <= PAGE_WIDTH_PX:
                break
            dpi = PAGE_WIDTH_PX / width_in * 0.995
        return dpi

    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_other_renderers_options):
        self._png_metadata = dict(metadata or {})     # filled in once the figure is drawn, before it is written
        try:
            return super().print_png(filename_or_obj, metadata=self._png_metadata, pil_kwargs=pil_kwargs)
        finally:
            self._png_metadata = None

    def _record_text_size(self, event) -> None:
        if self._png_metadata is not None and event.canvas is self:
            self._png_metadata[PNG_TEXT_KEY] = f"{smallest_text_px(self.figure):.2f}"


#: The margin a notebook adds on each side of an inline figure (its tight bounding box's pad_inches).
INLINE_PAD_IN = 0.1


def to_page(figure: Figure) -> Figure:
    """`figure` at the dpi that makes it PAGE_WIDTH_PX wide with a notebook's margins (INLINE_PAD_IN),
    printed on a PageCanvas (idempotent)."""
    figure.set_dpi(PAGE_WIDTH_PX / (figure.get_size_inches()[0] + 2 * INLINE_PAD_IN))
    if not isinstance(figure.canvas, PageCanvas):
        PageCanvas(figure)
    return figure


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
    return to_page(fig), ax


def page_png(figure: Figure) -> bytes:
    """The figure as a PNG as wide as the page shows it (PAGE_WIDTH_PX), on a PageCanvas (no tight
    bounding box, which draws the figure twice, and so no margin around it)."""
    to_page(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PAGE_WIDTH_PX / figure.get_size_inches()[0])
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
    """Run a plotting helper under the book's rcParams, so lines and text match whichever Axes it draws on;
    the Figure it returns is drawn at the size the page shows it (to_page)."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            drawn = draw(*args, **kwargs)
        return to_page(drawn) if isinstance(drawn, Figure) else drawn
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
    times, alive = step_function(created, inst["retired_s"].to_numpy(dtype=float), origin_s=start_s)
    return np.append(times, max(end_s, times[-1])), np.append(alive, alive[-1]).astype(int)


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


# ---------------------------------------------------------------- honest value axes
#: The gid of the mark that says a value axis does not start at zero (mark_axis_break).
AXIS_BREAK_GID = "axis-break-{axis}"
_NUMBER_DECORATION = str.maketrans("", "", "$,%×x ")


def from_zero(ax, axis: str = "y") -> None:
    """Start a linear value axis at zero (or end it there, for negative values): from zero to the data's far
    end plus the axis's margin. Call it once the data is drawn; data on both sides of zero is left as it is."""
    _check_axis(axis)
    low, high = ax.dataLim.intervaly if axis == "y" else ax.dataLim.intervalx
    margin = ax.get_ymargin() if axis == "y" else ax.get_xmargin()
    setter = ax.set_ylim if axis == "y" else ax.set_xlim
    if not (np.isfinite(low) and np.isfinite(high)):
        return
    if low >= 0 and high > 0:
        setter(0, high * (1 + margin))
    elif high <= 0 and low < 0:
        setter(low * (1 + margin), 0)


def mark_axis_break(ax, axis: str = "y") -> None:
    """Mark that a value axis does not start at zero: two short slanted strokes across its start, as a
    printed figure breaks an axis (for a range that zero would flatten, e.g. 205-211 ms)."""
    _check_axis(axis)
    size, gap = 0.018, 0.012
    for offset in (-gap, gap):
        if axis == "y":
            xs, ys = (-size, size), (0.03 + offset - size / 2, 0.03 + offset + size / 2)
        else:
            xs, ys = (0.03 + offset - size / 2, 0.03 + offset + size / 2), (-size, size)
        ax.plot(xs, ys, transform=ax.transAxes, color="#333333", linewidth=1.2, clip_on=False,
                gid=AXIS_BREAK_GID.format(axis=axis))


def value_axis_problems(figure: Figure) -> list[str]:
    """Each value axis of `figure` that hides where zero is: linear, not reaching zero, with no break mark.

    A value axis is an Axes' y axis, or its x axis when its y axis holds categories (horizontal bars);
    an axis whose tick labels are not numbers holds categories, and Axes showing an image (a heatmap)
    or a colour bar have none. Log axes cannot show zero and are not counted. Draws the figure once."""
    figure.canvas.draw()
    problems = []
    for number, ax in enumerate(figure.axes):
        if ax.images or hasattr(ax, "_colorbar") or not (ax.lines or ax.patches or ax.collections):
            continue
        categorical = {name: _holds_categories(getattr(ax, f"{name}axis")) for name in ("x", "y")}
        value_axes = ["x"] if categorical["y"] else ["y"]
        for name in value_axes:
            axis = getattr(ax, f"{name}axis")
            if axis.get_scale() != "linear":
                continue
            low, high = sorted(axis.get_view_interval())
            marked = any(line.get_gid() == AXIS_BREAK_GID.format(axis=name) for line in ax.lines)
            if not low <= 0 <= high and not marked:
                title = ax.get_title() or f"Axes {number}"
                problems.append(f"{title!r}: {name} axis {low:g} to {high:g} ({axis.get_label_text()!r}) "
                                "does not reach zero and has no break mark")
    return problems


def spacing_problems(figure: Figure) -> list[str]:
    """Each linear axis of `figure` whose numeric ticks are not placed at their values (e.g. I/O shares
    0%, 50%, 90%, 98% equally apart) and whose label does not say how it is spaced ("log", "categories");
    panels side by side may share one label, so any x (or y) label of the figure can say it.

    Ticks are at their values when the labels are a straight-line function of the positions (to 2% of their
    range, for rounded labels). Axes showing an image (a heatmap) or a colour bar, and log axes, are not
    counted. Draws the figure once."""
    figure.canvas.draw()
    labels = {name: " ".join(getattr(ax, f"{name}axis").get_label_text().lower() for ax in figure.axes)
              for name in ("x", "y")}
    problems = []
    for number, ax in enumerate(figure.axes):
        if ax.images or hasattr(ax, "_colorbar") or not (ax.lines or ax.patches or ax.collections):
            continue
        for name in ("x", "y"):
            axis = getattr(ax, f"{name}axis")
            ticks = _numeric_ticks(axis)
            said = "log" in labels[name] or "categor" in labels[name]
            if axis.get_scale() != "linear" or ticks is None or len(ticks) < 3 or said:
                continue
            positions, values = np.array(ticks, dtype=float).T
            slope, intercept = np.polyfit(positions, values, 1)
            off = np.abs(values - (slope * positions + intercept)).max()
            if off > 0.02 * (values.max() - values.min()):
                title = ax.get_title() or f"Axes {number}"
                shown = ", ".join(t.get_text() for t in axis.get_ticklabels() if t.get_text())
                problems.append(f"{title!r}: {name} axis ticks {shown} are not placed at their values and its "
                                f"label {axis.get_label_text()!r} does not say how it is spaced")
    return problems


def _numeric_ticks(axis) -> list[tuple[float, float]] | None:
    """(position, value) of the axis's labelled ticks in view; None if a label is not a number."""
    low, high = sorted(axis.get_view_interval())
    ticks = []
    for tick in axis.get_major_ticks():
        text = tick.label1.get_text() if tick.label1.get_visible() else ""
        if not text.strip() or not low <= tick.get_loc() <= high:
            continue
        try:
            ticks.append((tick.get_loc(), _number_of(text)))
        except ValueError:
            return None
    return ticks


def _number_of(label: str) -> float:
    return float(label.translate(_NUMBER_DECORATION).replace("\u2212", "-"))


def _holds_categories(axis) -> bool:
    labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text().strip()]
    if not labels:
        return False
    try:
        [_number_of(label) for label in labels]
    except ValueError:
        return True
    return False


def _check_axis(axis: str) -> None:
    if axis not in ("x", "y"):
        raise ValueError(f"axis={axis!r} is not allowed; expected 'x' or 'y'")
