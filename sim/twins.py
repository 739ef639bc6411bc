"""HTML twins: charts that move in the built book with no kernel.

A twin is a Vega-Lite chart (built with Altair) whose controls (sliders, radio buttons, drop-downs,
check boxes) select among results precomputed by `sim` when the notebook executes.
Its data is one long table: a row per grid point, platform and metric, holding the number (or text)
that the panel's `run(**point)` returned for it.

In the built book, Vega, Vega-Lite and vega-embed are served by the book itself
(`_ext/twins_js.py` adds them only to the pages that hold a twin).
Elsewhere (JupyterLab, Binder) the script does not run and the twin's box says, in one line,
that the live panel above it is the one to use there.
Element ids come from the twin's name, so re-executing a notebook changes no byte.
"""
from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from .cpus import default_workers
from .plotting import PLATFORM_COLOURS, PLATFORM_LABELS
from .sweep import grid_points, map_in_order

#: Colours shared with the matplotlib figures (Okabe-Ito, colour-blind safe), by platform label.
PLATFORM_DOMAIN = [PLATFORM_LABELS[k] for k in PLATFORM_COLOURS]
PLATFORM_RANGE = list(PLATFORM_COLOURS.values())
#: Text and axes take the page's text colour, so a twin reads in light and dark mode alike.
_INK = "currentColor"
_CONFIG = {
    "background": "transparent",
    "view": {"stroke": None},
    "axis": {"labelColor": _INK, "titleColor": _INK, "domainColor": "#888888", "tickColor": "#888888",
             "gridColor": "#888888", "gridOpacity": 0.35, "labelFontSize": 12, "titleFontSize": 12},
    "legend": {"labelColor": _INK, "titleColor": _INK, "labelFontSize": 12, "titleFontSize": 12},
    "title": {"color": _INK, "fontSize": 13, "anchor": "start"},
    "text": {"color": _INK, "fontSize": 12},
    "header": {"labelColor": _INK, "titleColor": _INK},
}
#: The width a twin must fit in: the book's text column at 1280 px.
TEXT_WIDTH_PX = 620
#: Most worker processes a twin's grid uses (a container may report many more CPUs than it may use).
MAX_WORKERS = 2


def workers() -> int:
    """Worker processes for a grid: the CPUs this process may use (sim.cpus), at most MAX_WORKERS."""
    return default_workers(cap=MAX_WORKERS)


# ---------------------------------------------------------------- controls
@dataclass(frozen=True)
class Control:
    """One control of a twin: the setting it selects, its label, the grid values and the default.

    kind: "slider" (evenly spaced numbers), "radio" (a few values, any spacing), "select" (a drop-down)
    or "checkbox" (False/True). labels: what a radio button or drop-down shows for each value.
    """
    name: str
    label: str
    values: tuple
    default: object
    kind: str = "slider"
    labels: tuple | None = None

    def __post_init__(self):
        values = tuple(self.values)
        object.__setattr__(self, "values", values)
        if self.kind not in ("slider", "radio", "select", "checkbox"):
            raise ValueError(f"kind={self.kind!r} is not allowed; expected 'slider', 'radio', 'select' or 'checkbox'")
        if self.default not in values:
            raise ValueError(f"default={self.default!r} of {self.name} is not among its values {values}")
        if self.kind == "checkbox" and (values != (False, True) or not all(isinstance(v, bool) for v in values)):
            raise ValueError(f"values={values!r} of checkbox {self.name} must be (False, True)")
        if self.kind == "slider":
            if len(values) < 5:
                raise ValueError(f"slider {self.name} has {len(values)} values; expected at least 5")
            steps = {round(b - a, 9) for a, b in zip(values, values[1:])}
            if len(steps) != 1 or next(iter(steps)) <= 0:
                raise ValueError(f"slider {self.name} values {values} are not evenly spaced and increasing; "
                                 "use kind='radio' or 'select' for other spacings")
        if self.labels is not None and len(self.labels) != len(values):
            raise ValueError(f"labels of {self.name} has {len(self.labels)} entries; expected {len(values)}")

    def binding(self, element: str):
        """The Vega-Lite input for this control, placed in the page element `element` (a CSS selector)."""
        if self.kind == "slider":
            step = self.values[1] - self.values[0]
            return alt.binding_range(min=self.values[0], max=self.values[-1], step=step, name=self.label + " ",
                                     element=element)
        if self.kind == "checkbox":
            return alt.binding_checkbox(name=self.label + " ", element=element)
        labels = [str(v) for v in self.values] if self.labels is None else list(self.labels)
        make = alt.binding_radio if self.kind == "radio" else alt.binding_select
        return make(options=list(self.values), labels=labels, name=self.label + " ", element=element)

    def param(self, prefix: str):
        """The chart's parameter for this control; its input goes above the chart of twin `prefix`."""
        return alt.param(name=f"{prefix}_{self.name}", value=self.default,
                         bind=self.binding(f"#{controls_id(prefix)}"))


def controls_id(prefix: str) -> str:
    """The id of the element that holds a twin's controls, above its chart."""
    return f"twin-{prefix.replace('_', '-')}-controls"


def _filter(controls: Sequence[Control], prefix: str) -> str:
    """A Vega expression true for the rows of the point the controls select."""
    terms = []
    for c in controls:
        p = f"{prefix}_{c.name}"
        if c.kind == "checkbox" or not all(isinstance(v, (int, float)) for v in c.values):
            terms.append(f"datum[{json.dumps(c.name)}] == {p}")
        else:       # numbers: a slider's value may carry rounding from its step arithmetic
            terms.append(f"abs(datum[{json.dumps(c.name)}] - {p}) < 1e-9 * max(1, abs({p}))")
    return " && ".join(terms)


# ---------------------------------------------------------------- the output object
@dataclass
class Twin:
    """A chart for the static page: `_repr_html_` is what the notebook stores and the book shows."""
    name: str
    chart: alt.TopLevelMixin
    alt_text: str
    data: pd.DataFrame = field(repr=False)

    @functools.cached_property
    def spec(self) -> dict:
        spec = self.chart.to_dict()
        spec["description"] = self.alt_text
        return spec

    def _repr_html_(self) -> str:
        element = f"twin-{self.name}"
        spec = json.dumps(self.spec, sort_keys=True, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        return (
            f'<figure class="twin" id="{element}-figure">\n'
            f'<div class="twin-controls" id="{controls_id(self.name)}"></div>\n'
            f'<div class="twin-chart" id="{element}" role="figure" aria-label="{html.escape(self.alt_text)}">'
            '<p class="twin-fallback">This chart moves in the built HTML book; '
            'here, use the live panel or the code above it.</p></div>\n'
            f'<figcaption class="twin-alt">{html.escape(self.alt_text)}</figcaption>\n'
            f'<script type="application/json" id="{element}-spec">{spec}</script>\n'
            "<script>(function () {\n"
            f'  var el = document.getElementById("{element}");\n'
            '  if (!el || typeof window.vegaEmbed !== "function") { return; }\n'
            f'  var spec = JSON.parse(document.getElementById("{element}-spec").textContent);\n'
            '  window.vegaEmbed(el, spec, {renderer: "svg", actions: false}).then(function () {\n'
            '    el.setAttribute("data-twin-ready", "true");\n'
            "  });\n"
            "})();</script>\n"
            "</figure>"
        )

    def __repr__(self) -> str:
        return f"<Twin {self.name}: {self.alt_text}>"


# ---------------------------------------------------------------- a panel's grid
def _cell(value):
    """A table cell as JSON-able (number, text), keeping what the run returned."""
    if isinstance(value, bool):
        return None, str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if isinstance(value, float) else int(value)
        if isinstance(number, float) and not math.isfinite(number):
            return None, "n/a"
        return number, None
    if hasattr(value, "item"):          # numpy scalar
        return _cell(value.item())
    return None, str(value)


def _table_at(run: Callable[..., pd.DataFrame], point: dict) -> pd.DataFrame:
    return run(**point)


def grid_tables(run: Callable[..., pd.DataFrame], controls: Sequence[Control], *, parallel: bool = True) -> list:
    """(point, run(**point)) for every point of the controls' grid, in grid order."""
    points = grid_points({c.name: c.values for c in controls})
    task = functools.partial(_table_at, run)
    if parallel and workers() > 1 and len(points) > 1:
        with ProcessPoolExecutor(max_workers=workers()) as pool:
            tables = map_in_order(task, points, pool)
    else:
        tables = map_in_order(task, points, None)
    return list(zip(points, tables))


def long_table(results: Sequence[tuple[dict, pd.DataFrame]], platforms: Mapping[str, str]) -> pd.DataFrame:
    """One row per point, config and metric: the settings, `config`, `platform` (its label), `metric`,
    `num` (a number, or None) and `txt` (text, or None)."""
    rows = []
    for point, table in results:
        for metric, values in table.iterrows():
            for config, value in values.items():
                num, txt = _cell(value)
                rows.append({**point, "config": config, "platform": platforms[config], "metric": metric,
                             "num": num, "txt": txt})
    return pd.DataFrame(rows)


def _bar_chart(metric: str, domain_max: float, configs: list[str], where: str, width: int, name: str) -> alt.Chart:
    base = alt.Chart().transform_filter(where).transform_filter(alt.datum.metric == metric)
    x = alt.X("config:N", sort=configs, title=None,
              axis=alt.Axis(labelAngle=0, labelLimit=140, labelExpr="split(datum.label, ', ')"))
    y = alt.Y("num:Q", title=None, scale=alt.Scale(domain=[0, domain_max], nice=False))
    bars = base.mark_bar().encode(
        x=x, y=y, color=alt.Color("platform:N", scale=alt.Scale(domain=PLATFORM_DOMAIN, range=PLATFORM_RANGE),
                                  legend=None),
        tooltip=[alt.Tooltip("config:N"), alt.Tooltip("num:Q", title=metric, format=",")]).properties(name=name)
    labels = base.mark_text(dy=-6, baseline="bottom").encode(x=x, y=y, text=alt.Text("num:Q", format=","))
    return alt.layer(bars, labels).properties(title=metric, width=width, height=150)


#: Mark names a browser test finds the drawn marks by: `<prefix>_bars`, `<prefix>_table`, `<prefix>_points`.
BARS, TABLE, POINTS = "bars", "table", "points"


def _table_chart(metrics: list[str], configs: list[str], where: str, name: str) -> alt.LayerChart:
    """The panel's table as text marks: the metric names in the first column (inside the plot, so the bars
    above start at the left edge), one column per config."""
    label_px, column_px = 230, 120
    width = label_px + column_px * len(configs)
    y = alt.Y("metric:N", sort=metrics, title=None, axis=None)
    base = alt.Chart().transform_filter(where)
    names = (base.transform_filter(alt.datum.config == configs[0])
             .mark_text(align="left", x=0, limit=label_px - 10)
             .encode(y=y, text="metric:N"))
    cells = (base.transform_calculate(shown="datum.num != null ? format(datum.num, ',') : datum.txt")
             .mark_text(align="right", dx=column_px / 2 - 12)
             .encode(y=y, text="shown:N",
                     x=alt.X("config:N", sort=configs, title=None, scale=alt.Scale(range=[label_px, width]),
                             axis=alt.Axis(orient="top", domain=False, ticks=False, labelAngle=0, labelLimit=160)))
             .properties(name=name))
    return alt.layer(names, cells).properties(width=width, height=22 * len(metrics),
                                              title="The panel's table at these settings")


def panel_twin(name: str, run: Callable[..., pd.DataFrame], controls: Sequence[Control], bars: Sequence[str],
               platforms: Mapping[str, str], what: str, *, parallel: bool = True) -> Twin:
    """The twin of a lab panel: `controls` span the grid; for each point, `run(**point)` gives the table
    (one column per config, one row per metric); `bars` name the rows drawn as bars, `platforms` map each
    config (column) to its platform label; `what` says in words what the panel shows (for the text alternative)."""
    if len(controls) < 2:
        raise ValueError(f"a panel twin needs at least 2 controls; got {len(controls)}")
    results = grid_tables(run, controls, parallel=parallel)
    data = long_table(results, platforms)
    metrics = list(results[0][1].index)
    configs = list(results[0][1].columns)
    missing = [b for b in bars if b not in metrics]
    if missing:
        raise ValueError(f"bars={missing} are not rows of the table; expected some of {metrics}")
    prefix = name.replace("-", "_")
    where = _filter(controls, prefix)
    width = max(62 * len(configs), (TEXT_WIDTH_PX - 80 * len(bars)) // len(bars))
    per_row = max(1, TEXT_WIDTH_PX // (width + 80))
    panels = []
    for metric in bars:
        peak = data.loc[data["metric"] == metric, "num"].astype(float).max()
        panels.append(_bar_chart(metric, float(peak) * 1.15 if peak > 0 else 1.0, configs, where, width,
                                 f"{prefix}_{BARS}_{len(panels)}"))
    rows = [alt.hconcat(*panels[k:k + per_row]) for k in range(0, len(panels), per_row)]
    chart = (alt.vconcat(*rows, _table_chart(metrics, configs, where, f"{prefix}_{TABLE}"), data=data)
             .add_params(*(c.param(prefix) for c in controls))
             .configure(**_CONFIG))
    settings = ", ".join(f"{c.label} ({_value_range(c)})" for c in controls)
    alt_text = (f"Interactive chart: {what}. Controls: {settings}. "
                f"Bars: {', '.join(bars)} for each platform; below them the panel's table for the chosen settings, "
                f"{len(results)} precomputed settings in all.")
    return Twin(name, chart, alt_text, data)


def _value_range(control: Control) -> str:
    if control.kind == "checkbox":
        return "off or on"
    labels = control.labels or tuple(f"{v:g}" if isinstance(v, float) else str(v) for v in control.values)
    if control.kind == "slider":
        return f"{labels[0]} to {labels[-1]}, {len(labels)} values"
    return ", ".join(labels)


# ---------------------------------------------------------------- a chapter's sweep
def sweep_twin(name: str, table: pd.DataFrame, *, x: str, x_title: str, y: str, y_title: str,
               series: str, controls: Sequence[Control], what: str, colour_by: str = "platform",
               x_scale: str = "linear", y_format: str = ",", band: tuple[str, str] | None = None,
               reference: str | None = None, reference_title: str = "", y_domain: str = "fixed",
               y_scale: str = "linear") -> Twin:
    """An explorable line figure over a chapter's sweep: `y` against `x`, one line per `series`, for the
    rows the controls select (each control names a column of `table`). `band=(low, high)` columns draw an
    interval around each point; `reference` a column drawn as a grey dashed line (e.g. the theory).
    y_domain "fixed": from zero to the largest value of the whole table, so a move shows growth as growth;
    "auto": from zero to what the selected rows need (for a control that switches between metrics).
    y_scale "log" (values that span decades, all above zero): the axis from the smallest value to the largest,
    of the whole table ("fixed") or of the selected rows ("auto"); `y_title` should say the scale is logarithmic."""
    if y_domain not in ("fixed", "auto"):
        raise ValueError(f"y_domain={y_domain!r} is not allowed; expected 'fixed' or 'auto'")
    if y_scale not in ("linear", "log"):
        raise ValueError(f"y_scale={y_scale!r} is not allowed; expected 'linear' or 'log'")
    table = table.copy()
    missing = [c for c in [x, y, series, colour_by, *(c.name for c in controls)] if c not in table.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the table; it has {list(table.columns)}")
    if colour_by == "platform":
        table["platform"] = [PLATFORM_LABELS.get(p, p) for p in table["platform"]]
    prefix = name.replace("-", "_")
    where = _filter(controls, prefix)
    series_order = list(dict.fromkeys(table[series]))
    xe = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type=x_scale, nice=False))
    shown = pd.concat([table[y]] + ([table[band[0]], table[band[1]]] if band else [])
                      + ([table[reference]] if reference else []))
    peak = float(shown.max())
    if y_scale == "log":
        if not (shown.dropna() > 0).all():   # a missing value is left out of the chart
            raise ValueError(f"y_scale='log' needs every value of {y!r} above zero; the smallest is {shown.min()!r}")
        value_scale = (alt.Scale(type="log", domain=[float(shown.min()) / 1.05, peak * 1.05]) if y_domain == "fixed"
                       else alt.Scale(type="log", zero=False))
    else:
        value_scale = alt.Scale(domain=[0, peak * 1.05]) if y_domain == "fixed" else alt.Scale(zero=True)
    ye = alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=value_scale)
    if colour_by == "platform":     # each series in its platform's colour, the legend naming the series
        platform_of = dict(zip(table[series], table["platform"]))
        scale = alt.Scale(domain=series_order,
                          range=[PLATFORM_RANGE[PLATFORM_DOMAIN.index(platform_of[s])] for s in series_order])
    else:
        scale = alt.Scale(domain=series_order, scheme="dark2")
    colour = alt.Color(f"{series}:N", title=None, scale=scale,
                       legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=420))
    base = alt.Chart().transform_filter(where)
    tooltip = [alt.Tooltip(f"{series}:N", title="series"), alt.Tooltip(f"{x}:Q", title=x_title),
               alt.Tooltip(f"{y}:Q", title=y_title, format=y_format)]
    layers = [base.mark_line(strokeWidth=2).encode(
        x=xe, y=ye, color=colour, detail=f"{series}:N", strokeDash=alt.StrokeDash(f"{series}:N", legend=None,
                                                                                   sort=series_order)),
              base.mark_point(filled=True, size=40).encode(   # the axis's format off: its values readable exactly
                  x=xe, y=alt.Y(f"{y}:Q", title=y_title, axis=None), color=colour, tooltip=tooltip)
              .properties(name=f"{prefix}_{POINTS}")]
    if band:
        layers.insert(0, base.mark_errorbar(ticks=True).encode(
            x=xe, y=alt.Y(f"{band[0]}:Q", title=y_title, axis=None), y2=f"{band[1]}:Q", color=colour,
            detail=f"{series}:N"))
    if reference:
        layers.append(base.mark_line(color="#888888", strokeDash=[2, 2]).encode(
            x=xe, y=alt.Y(f"{reference}:Q", axis=None), detail=f"{series}:N",
            tooltip=[alt.Tooltip(f"{reference}:Q", title=reference_title, format=y_format)]))
    metric = next((c for c in controls if c.name == "metric"), None)
    titled = {"title": alt.TitleParams(text=alt.ExprRef(f"{prefix}_metric"))} if metric is not None else {}
    # One y scale for every layer, and one y axis, the lines': the other layers draw none (the points' marks
    # then carry their values unformatted), and merged axes would take the points' "none" for all.
    chart = (alt.layer(*layers, data=table).resolve_axis(y="independent")
             .properties(width=TEXT_WIDTH_PX - 80, height=300, **titled)
             .add_params(*(c.param(prefix) for c in controls)).configure(**_CONFIG))
    settings = ", ".join(f"{c.label} ({_value_range(c)})" for c in controls)
    alt_text = (f"Interactive chart: {what}. {y_title[:1].upper() + y_title[1:]} against {x_title}, one line per {series.replace('_', ' ')}"
                + (f", with {reference_title} as a dashed grey line" if reference else "")
                + f". Controls: {settings}.")
    return Twin(name, chart, alt_text, table)
