"""Interactive panels for the labs: sliders that re-run an experiment and redraw its figure.

A panel calls `run(**values)` and shows `show(result)` in an Output widget; with `table=` it also shows
`table(result)`, a DataFrame that `Panel.table()` returns for tests and static twins (as a DataFrame,
not drawn by matplotlib). A figure is updated from one redraw to the next rather than rebuilt
(sim.plotting.FigureReuse) and shown as a PNG at the width the page shows it (sim.plotting.page_png).
Sliders only report when released (`continuous_update=False`), so each move runs the simulation once.
With `expected_requests=` a panel first counts the requests the settings would send and refuses,
with a message, settings above its run cap (`max_requests`), so no setting can hang the kernel.
A bad combination of values shows the simulator's ValueError message instead of a traceback.
Controls for a config field take their bounds from the config's own table of ranges (`config_slider`).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image, display
from matplotlib.figure import Figure

from . import _check, heap
from .plotting import FigureReuse, page_png

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}


def slider(description: str, value: float, low: float, high: float, step: float, *,
           integer: bool = False, readout_format: str | None = None) -> widgets.ValueWidget:
    """A slider for one experiment parameter that reports only when released."""
    _check.number("value", value, low=low, high=high)
    kind = widgets.IntSlider if integer else widgets.FloatSlider
    options = {} if integer else {"readout_format": readout_format or ".1f"}
    return kind(value=value, min=low, max=high, step=step, description=description,
                continuous_update=False, style=_STYLE, layout=_LAYOUT, **options)


def choice(description: str, options: Sequence, value) -> widgets.ValueWidget:
    """A drop-down list of allowed values (options: values, or (label, value) pairs)."""
    _check.choice("value", value, [o[1] if isinstance(o, tuple) else o for o in options])
    return widgets.Dropdown(options=list(options), value=value, description=description, style=_STYLE,
                            layout=_LAYOUT)


def switch(description: str, value: bool) -> widgets.ValueWidget:
    """An on/off checkbox."""
    value = _check.flag("value", value)
    return widgets.Checkbox(value=value, description=description, style=_STYLE, layout=_LAYOUT, indent=False)


# ---------------------------------------------------------------- bounds from the configs' own tables
#: The values a config accepts for one numeric field: low, high, integer, low_open (sim._check.Range).
FieldRange = _check.Range


def config_range(config, field: str) -> FieldRange:
    """What `config`'s validation allows for `field`, given its other fields (e.g. min_instances <=
    max_instances): read from the config class's table of ranges (FIELD_RANGES, sim._check)."""
    if not dataclasses.is_dataclass(config) or field not in {f.name for f in dataclasses.fields(config)}:
        raise ValueError(f"field={field!r} is not allowed; expected a field of {type(config).__name__}")
    return _check.field_range(config, field)


def config_slider(description: str, config, field: str, step: float, *, low: float | None = None,
                  high: float | None = None, value: float | None = None,
                  readout_format: str | None = None) -> widgets.ValueWidget:
    """A slider for one config field: its bounds are the config's valid range, narrowed to [low, high]
    when given (a teaching range); its value defaults to the config's."""
    allowed = config_range(config, field)
    lowest = allowed.low + (step if allowed.low_open else 0)
    low = lowest if low is None else max(low, lowest)
    high = allowed.high if high is None else min(high, allowed.high)
    if not math.isfinite(high) or low > high:
        raise ValueError(f"{type(config).__name__}.{field} allows [{allowed.low:g}, {allowed.high:g}]; "
                         f"the slider range [{low:g}, {high:g}] is empty or unbounded")
    value = getattr(config, field) if value is None else value
    if allowed.integer:
        return slider(description, int(value), int(math.ceil(low)), int(high), int(step), integer=True)
    return slider(description, float(value), float(low), float(high), float(step), readout_format=readout_format)


def config_choices(configs: Iterable, field: str, candidates: Iterable) -> list:
    """The candidates that every config accepts for `field` (so a drop-down offers only valid values)."""
    configs = list(configs)
    allowed = []
    for candidate in candidates:
        try:
            for config in configs:
                dataclasses.replace(config, **{field: candidate})
        except ValueError:
            continue
        allowed.append(candidate)
    if not allowed:
        raise ValueError(f"no candidate value for {field!r} is accepted by every config")
    return allowed


def with_settings(configs: Iterable, **settings) -> list:
    """Each config with the settings that are fields of it applied (dataclasses.replace); a setting of
    None is left alone. A setting that no config has is an error, so a misspelt name cannot pass silently."""
    configs = list(configs)
    used = set()
    out = []
    for config in configs:
        names = {f.name for f in dataclasses.fields(config)}
        changes = {k: v for k, v in settings.items() if k in names and v is not None}
        used |= set(changes) | {k for k in settings if k in names}
        out.append(dataclasses.replace(config, **changes) if changes else config)
    unknown = sorted(set(settings) - used)
    if unknown:
        raise ValueError(f"settings {unknown} are fields of none of the configs "
                         f"({', '.join(type(c).__name__ for c in configs)})")
    return out


def has_field(configs: Iterable, field: str) -> bool:
    """True if at least one config has `field` (a panel offers a control only then)."""
    return any(field in {f.name for f in dataclasses.fields(c)} for c in configs)


# ---------------------------------------------------------------- the panel
class Panel(widgets.VBox):
    """Controls on top, the experiment's table and figure below; redraws whenever a control changes.

    run(**values) -> result; show(result) -> figure; table(result) -> DataFrame (optional).
    expected_requests(**values) -> number (optional): checked against `max_requests` before running.
    After each redraw `status` is "ok", "over_cap" or "invalid" and `message` says why it did not run.
    Control names must differ from the keyword arguments below.
    """

    def __init__(self, run: Callable, show: Callable, *, table: Callable | None = None,
                 expected_requests: Callable | None = None, max_requests: int | None = None,
                 cap_hint: str = "lower the traffic", **controls: widgets.ValueWidget):
        if not controls:
            raise ValueError("controls={} is not allowed; expected at least one named control widget")
        if (expected_requests is None) != (max_requests is None):
            raise ValueError("expected_requests and max_requests go together; pass both or neither")
        self.run, self.show, self.controls = run, show, controls
        self.make_table, self.expected_requests = table, expected_requests
        self.max_requests, self.cap_hint = max_requests, cap_hint
        self.status, self.message, self.result, self.last_table = "", "", None, None
        self.shown = None           # what show() returned at the last redraw
        self.figures = FigureReuse()
        self.output = widgets.Output()
        super().__init__([widgets.VBox(list(controls.values())), self.output])
        for control in controls.values():
            control.observe(self._redraw, names="value")
        self._redraw()

    def values(self) -> dict:
        """The current value of every control, by the name `run` expects."""
        return {name: control.value for name, control in self.controls.items()}

    def table(self) -> pd.DataFrame:
        """The result table at the current settings (what the panel shows above its figure)."""
        if self.status != "ok" or self.last_table is None:
            raise ValueError(self.message or "this panel has no table (it was built without table=...)")
        return self.last_table

    def _refusal(self, values: dict) -> str:
        """The over-cap message, or "" when the settings are within the run cap."""
        if self.expected_requests is None:
            return ""
        expected = self.expected_requests(**values)
        if expected <= self.max_requests:
            return ""
        return (f"Too much traffic for an interactive run: these settings send about {expected:,.0f} requests "
                f"per platform, above this panel's cap of {self.max_requests:,}; {self.cap_hint}.")

    def _redraw(self, _change=None) -> None:
        self.output.clear_output(wait=True)
        self.result = self.last_table = self.shown = None
        heap.give_back()           # the previous run's memory back to the system before the next run
        with self.output:
            values = self.values()
            try:
                refusal = self._refusal(values)
                if refusal:
                    self.status, self.message = "over_cap", refusal
                    print(refusal)
                    return
                self.result = self.run(**values)
                self.last_table = None if self.make_table is None else self.make_table(self.result)
                with self.figures:
                    self.shown = self.show(self.result)
            except ValueError as error:
                self.status, self.message = "invalid", f"These settings cannot run: {error}"
                self.result = self.last_table = self.shown = None
                print(self.message)
                return
            self.status, self.message = "ok", ""
            if self.last_table is not None:
                display(self.last_table)
            display(Image(data=page_png(self.shown), format="png") if isinstance(self.shown, Figure) else self.shown)


def explore(run: Callable, show: Callable, **controls: widgets.ValueWidget) -> Panel:
    """A Panel that runs `run(**values)` and displays `show(result)` for the controls' values."""
    return Panel(run, show, **controls)
