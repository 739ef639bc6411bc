"""Capstone panel: your traffic (a shape from the menu, pasted timestamps or an uploaded CSV) on all three
platforms, with the verdict table and a bar chart of monthly cost and p99.

Without widgets: `run(**DEFAULTS)` returns the verdict table (sim.experiments.capstone.verdict).
Timestamps take precedence over the menu: an uploaded file first, then pasted text, else the shape.
"""
from __future__ import annotations

import csv
from collections.abc import Sequence

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from .. import widgets
from ..arrivals import Replay, is_timestamp
from ..experiments import capstone
from ..plotting import platform_colour
from ._common import PANEL_MAX_REQUESTS, check_configs, figure

DEFAULTS = {"shape": "bursts", "mean_rate_per_s": 2.0, "duration_min": 30.0, "cpu_ms": 20.0, "io_ms": 180.0,
            "pasted": "", "upload": ()}


def uploaded_text(upload) -> str:
    """The text of the first file in an ipywidgets FileUpload value ("" when none)."""
    if not upload:
        return ""
    first = upload[0] if isinstance(upload, (tuple, list)) else next(iter(upload.values()))
    content = first["content"]
    return bytes(content).decode("utf-8-sig")


def workload(shape: str, mean_rate_per_s: float, duration_min: float, cpu_ms: float, io_ms: float,
             pasted: str = "", upload=(), max_requests: int = PANEL_MAX_REQUESTS):
    """The workload the settings describe: uploaded or pasted timestamps if any (the window then says how long
    the export covers, at least up to its last timestamp), else the chosen shape."""
    text = uploaded_text(upload) or pasted.strip()
    if text:
        replay = Replay.from_csv(text)
        return capstone.replay_workload(replay, cpu_ms=cpu_ms, io_ms=io_ms, max_requests=max_requests,
                                        duration_s=max(duration_min * 60.0, replay.natural_duration_s))
    return capstone.shape_workload(shape, mean_rate_per_s, duration_s=duration_min * 60.0, cpu_ms=cpu_ms,
                                   io_ms=io_ms, max_requests=max_requests)


def run(configs: Sequence = capstone.CONFIGS, seed: int = capstone.SEED, max_requests: int = PANEL_MAX_REQUESTS,
        **settings):
    """The verdict table at these settings (DEFAULTS for any left out)."""
    values = {**DEFAULTS, **settings}
    return capstone.verdict(workload(**values, max_requests=max_requests), check_configs(configs), seed=seed)


def expected_requests(shape: str, mean_rate_per_s: float, duration_min: float, pasted: str = "", upload=(),
                      **_ignored) -> float:
    """Requests the settings send to each platform (timestamps: one per non-empty line)."""
    text = uploaded_text(upload) or pasted.strip()
    if text:
        lines = [line for line in text.splitlines() if line.strip()]
        header = not is_timestamp(next(csv.reader(lines[:1]))[0].strip())   # Replay.from_csv skips a header
        return float(len(lines) - header)
    arrivals = capstone.shape_arrivals(shape, mean_rate_per_s, duration_min * 60.0)
    return arrivals.expected_count(duration_min * 60.0)


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
    """The capstone's panel: traffic source and work per request in, verdict table and chart out."""
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
                                      "(seconds or ISO 8601; a header line is fine)",
                                      description="timestamps", continuous_update=False,
                                      layout={"width": "420px", "height": "80px"}),
        "upload": ipywidgets.FileUpload(accept=".csv,.txt", multiple=False, description="upload a CSV"),
    }
    return widgets.Panel(
        lambda **values: run(configs=configs, max_requests=max_requests, **values),
        lambda table: plot_verdict(table, configs), table=lambda table: table, expected_requests=expected_requests, max_requests=max_requests,
        cap_hint="lower the rate or the window, or use fewer timestamps", **controls)
