"""Capstone panel: your traffic (a shape from the menu, or pasted or uploaded text in any format sim.traffic
reads: timestamps, access logs, load balancer and platform logs, counts per interval) on all three platforms,
with the verdict table, a bar chart of monthly cost and p99, and the summary of what was read.

Without widgets: `run(**DEFAULTS)` returns the verdict table (sim.experiments.capstone.verdict).
A file takes precedence over the menu: an uploaded file first, then pasted text, else the shape; while a file is
used the shape menu and the rate slider are disabled, and "clear the file" empties the upload and the pasted text
(the shape runs again). Timestamps are read in the `unit` chosen (sim.traffic.timestamps.NUMERIC_UNITS; "ms" for
milliseconds since the start) from the `column` given (its number from 0, or its header's name). With a file whose
lines carry each request's duration, `per_request` replays those (split by `cpu_share`) instead of the CPU and I/O
sliders' exponential times. Above the run cap the panel shows the one-line call that runs a longer trace in a cell.
"""
from __future__ import annotations

from collections.abc import Sequence

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from .. import traffic, widgets
from ..experiments import capstone
from ..traffic.timestamps import NUMERIC_UNITS, is_timestamp
from ..workload import CPU_SHARE
from ..plotting import platform_colour
from ._common import PANEL_MAX_REQUESTS, check_configs, figure

DEFAULTS = {"shape": "bursts", "mean_rate_per_s": 2.0, "duration_min": 30.0, "cpu_ms": 20.0, "io_ms": 180.0,
            "pasted": "", "upload": (), "format": "auto", "unit": "auto", "column": "0", "per_request": True,
            "cpu_share": CPU_SHARE}
FORMAT_OPTIONS = [("detect", "auto")] + [(f"{name}: {f.label}", name) for name, f in traffic.FORMATS.items()]


def uploaded_text(upload) -> str:
    """The text of the first file in an ipywidgets FileUpload value ("" when none)."""
    if not upload:
        return ""
    first = upload[0] if isinstance(upload, (tuple, list)) else next(iter(upload.values()))
    content = first["content"]
    return bytes(content).decode("utf-8-sig")


#: The timestamps reader's units, as the unit menu offers them.
UNIT_OPTIONS = [("detect (by size)" if unit == "auto" else unit, unit) for unit in NUMERIC_UNITS]
#: The call a student runs in a cell for a trace above the panel's cap (any format sim.traffic reads).
CODE_ROUTE = ('capstone.verdict(capstone.workload_from_trace(capstone.read_traffic("your_file", '
              'max_requests=2_000_000), duration_s=...))')


def cap_hint() -> str:
    """What the panel says above its cap: how to lower the traffic, the one-line call for a longer trace and the
    formats it reads (sim.traffic.FORMATS)."""
    return (f"lower the rate or the window, or use fewer timestamps; for a longer trace, run "
            f"{CODE_ROUTE} in a cell (formats: {', '.join(traffic.FORMATS)})")


def column_value(column) -> int | str:
    """The timestamp column as the reader takes it: a number from 0 (typed as digits) or a header's name."""
    text = str(column).strip()
    if not text:
        raise ValueError("column='' is not allowed; expected a column number from 0 or a header's name")
    return int(text) if text.isdigit() else text


def read(text: str, format: str = "auto", max_requests: int = PANEL_MAX_REQUESTS, unit: str = "auto",
         column="0"):
    """The trace in pasted or uploaded text (sim.experiments.capstone.read_traffic); `unit` and `column` are the
    timestamps reader's and are refused, if changed, for a file of another format."""
    name = traffic.detect(text) if format == "auto" else format
    if name == "timestamps":
        return capstone.read_traffic(text, format=name, max_requests=max_requests, unit=unit,
                                     column=column_value(column))
    if unit != "auto" or column_value(column) != 0:
        raise ValueError(f"unit={unit!r} and column={column!r} are the timestamps reader's; this file reads as "
                         f"{name!r} (leave them at 'auto' and 0, or choose the timestamps format)")
    return capstone.read_traffic(text, format=name, max_requests=max_requests)


def workload(shape: str, mean_rate_per_s: float, duration_min: float, cpu_ms: float, io_ms: float,
             pasted: str = "", upload=(), format: str = "auto", per_request: bool = True,
             cpu_share: float = CPU_SHARE, max_requests: int = PANEL_MAX_REQUESTS, trace=None,
             unit: str = "auto", column="0"):
    """The workload the settings describe: an uploaded or pasted file if any (the window then says how long the
    export covers, at least up to its last arrival), else the chosen shape."""
    text = uploaded_text(upload) or pasted.strip()
    if text:
        trace = trace if trace is not None else read(text, format, max_requests, unit, column)
        return capstone.workload_from_trace(
            trace, cpu_ms=cpu_ms, io_ms=io_ms, per_request=per_request, cpu_share=cpu_share,
            max_requests=max_requests, duration_s=max(duration_min * 60.0, trace.replay().natural_duration_s))
    return capstone.shape_workload(shape, mean_rate_per_s, duration_s=duration_min * 60.0, cpu_ms=cpu_ms,
                                   io_ms=io_ms, max_requests=max_requests)


def run(configs: Sequence = capstone.CONFIGS, seed: int = capstone.SEED, max_requests: int = PANEL_MAX_REQUESTS,
        **settings):
    """The verdict table at these settings (DEFAULTS for any left out)."""
    return run_with_summary(configs, seed, max_requests, **settings)["verdict"]


def run_with_summary(configs: Sequence = capstone.CONFIGS, seed: int = capstone.SEED,
                     max_requests: int = PANEL_MAX_REQUESTS, **settings) -> dict:
    """The verdict table and, for a file, the summary of what was read (None for a shape). With Lambda REPORT
    lines, Lambda runs at their Memory Size."""
    values = {**DEFAULTS, **settings}
    text = uploaded_text(values["upload"]) or values["pasted"].strip()
    trace = read(text, values["format"], max_requests, values["unit"], values["column"]) if text else None
    configs = check_configs(configs)
    if trace is not None:
        configs = capstone.configs_for_trace(trace, configs)
    table = capstone.verdict(workload(**values, max_requests=max_requests, trace=trace), configs, seed=seed)
    return {"verdict": table, "summary": None if trace is None else traffic.summary_text(trace)}


def expected_requests(shape: str, mean_rate_per_s: float, duration_min: float, pasted: str = "", upload=(),
                      format: str = "auto", unit: str = "auto", column="0", **_ignored) -> float:
    """Requests the settings send to each platform (timestamps: one per non-empty line but a header; other
    formats: the requests read)."""
    text = uploaded_text(upload) or pasted.strip()
    if text:
        name = traffic.detect(text) if format == "auto" else format
        lines = [line for line in text.splitlines() if line.strip()]
        if name != "timestamps":
            if len(lines) > capstone.LINES_PER_REQUEST * PANEL_MAX_REQUESTS:
                return float(len(lines))
            return float(len(read(text, name, capstone.MAX_REQUESTS, unit, column)))
        first = traffic.timestamps.cells(lines[0]).iloc[0, 0]
        header = not is_timestamp(str(first).strip())   # a header is not a request
        return float(len(lines) - header)
    arrivals = capstone.shape_arrivals(shape, mean_rate_per_s, duration_min * 60.0)
    return arrivals.expected_count(duration_min * 60.0)


def show(result: dict, configs: Sequence = capstone.CONFIGS) -> Figure:
    """The figure of a run, after the summary of what was read (for a file)."""
    if result["summary"] is not None:
        print(result["summary"])
    return plot_verdict(result["verdict"], configs)


def plot_verdict(table, configs: Sequence = capstone.CONFIGS) -> Figure:
    """Monthly cost and p99 latency per platform (the verdict's columns), in each platform's colour."""
    fig, (cost_ax, p99_ax) = figure(ncols=2, figsize=(8.0, 2.8))
    names = list(table.columns)
    platform = {config.name: config.platform for config in configs}
    colours = [platform_colour(platform[name]) for name in names]
    y = np.arange(len(names))
    for axis, row, label in ((cost_ax, "monthly cost (USD)", "monthly cost (USD, 30-day month)"),
                             (p99_ax, "p99 latency (ms)", "p99 latency (ms)")):
        values = table.loc[row].astype(float).to_numpy()
        axis.barh(y, values, color=colours)
        axis.set_yticks(y, names)
        axis.invert_yaxis()
        axis.set_xlabel(label)
        for k, v in enumerate(values):
            axis.text(v, k, f" {v:,.2f}" if row.startswith("monthly") else f" {v:,.0f}", va="center", fontsize=8)
        axis.margins(x=0.25)
    fig.subplots_adjust(left=0.15, wspace=0.45, bottom=0.22)
    return fig


def panel(configs: Sequence = capstone.CONFIGS, max_requests: int = PANEL_MAX_REQUESTS) -> widgets.Panel:
    """The capstone's panel: traffic source and work per request in, verdict table and chart out. While a file is
    used (uploaded or pasted) the shape menu and rate slider are disabled; `panel.clear` empties both."""
    configs = check_configs(configs)
    controls = {
        "shape": widgets.choice("traffic shape", list(capstone.SHAPES), DEFAULTS["shape"]),
        "mean_rate_per_s": widgets.slider("mean requests per second", DEFAULTS["mean_rate_per_s"], 0.1, 50.0, 0.1),
        "duration_min": widgets.slider("window (minutes; timestamps: how long the export covers)",
                                       DEFAULTS["duration_min"], 10.0, 120.0, 10.0, readout_format=".0f"),
        "cpu_ms": widgets.slider("CPU per request (ms)", DEFAULTS["cpu_ms"], 1.0, 500.0, 1.0, readout_format=".0f"),
        "io_ms": widgets.slider("I/O wait per request (ms)", DEFAULTS["io_ms"], 1.0, 2000.0, 1.0,
                                readout_format=".0f"),
        "pasted": ipywidgets.Textarea(value="", placeholder="or paste timestamps, one per line "
                                      "(seconds or ISO 8601; a header line is fine), or log lines",
                                      description="timestamps", continuous_update=False,
                                      layout={"width": "420px", "height": "80px"}),
        "upload": ipywidgets.FileUpload(accept=".csv,.txt,.log,.json,.jsonl", multiple=False,
                                        description="upload a file"),
        "format": widgets.choice("file format", FORMAT_OPTIONS, DEFAULTS["format"]),
        "unit": widgets.choice("timestamp unit", UNIT_OPTIONS, DEFAULTS["unit"]),
        "column": ipywidgets.Text(value=DEFAULTS["column"], description="timestamp column (number from 0, or name)",
                                  continuous_update=False, style={"description_width": "initial"},
                                  layout={"width": "420px"}),
        "per_request": ipywidgets.Checkbox(value=DEFAULTS["per_request"],
                                           description="each request's own duration (when the file has one)"),
        "cpu_share": widgets.slider("CPU share of a logged duration", DEFAULTS["cpu_share"], 0.0, 1.0, 0.05),
    }
    shape_controls = (controls["shape"], controls["mean_rate_per_s"])

    def follow_the_file(_change=None) -> None:
        """The shape controls are disabled while a file is used, and enabled again when it is cleared."""
        used = bool(uploaded_text(controls["upload"].value) or controls["pasted"].value.strip())
        for control in shape_controls:
            control.disabled = used

    # Observed before the panel's own redraw, so the controls say what the redraw uses.
    for name in ("upload", "pasted"):
        controls[name].observe(follow_the_file, names="value")
    built = widgets.Panel(
        lambda **values: run_with_summary(configs=configs, max_requests=max_requests, **values),
        lambda result: show(result, configs), table=lambda result: result["verdict"],
        expected_requests=expected_requests, max_requests=max_requests, cap_hint=cap_hint(), **controls)
    clear = ipywidgets.Button(description="clear the file", tooltip="empty the upload and the pasted text; "
                              "the traffic shape runs again", icon="times")

    def clear_file(_button=None) -> None:
        controls["upload"].value = ()
        controls["pasted"].value = ""

    clear.on_click(clear_file)
    built.clear = clear_file
    inputs, output = built.children
    built.children = (ipywidgets.VBox([*inputs.children, clear]), output)
    return built
