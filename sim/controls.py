"""Controls fitted to how students use them, for the lab panels (built on sim.widgets).

- Every control has the same fixed description width, so a long label never squeezes its track:
  the track keeps TRACK_PX pixels whatever the label says.
- `slider` refuses a default that its steps cannot reach (low + k * step), so every default can be set again.
- `percent` shows and accepts whole percents: its track is in percent (typing "30" or "30%" both set 30%),
  while its `value` stays the fraction that the experiment takes (0.3).
- `stepped` is a doubling scale (1, 2, 4, ..., with the default and the top added: ..., 64, 80, 128, ..., 1,000),
  so that a range over three orders of magnitude gives its low end as much track as its high end.
- `check_settings` refuses an unknown setting with the list of valid names.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import ipywidgets as ipw
import traitlets

from . import widgets

#: Every control's label column and track (pixels): the widest lab label fits in DESCRIPTION_PX.
DESCRIPTION_PX, TRACK_PX = 260, 300
STYLE = {"description_width": f"{DESCRIPTION_PX}px"}


def _fit(control: ipw.Widget) -> ipw.Widget:
    """The fixed label column and a track of TRACK_PX beside it (readout included)."""
    control.style.description_width = STYLE["description_width"]
    control.layout = ipw.Layout(width=f"{DESCRIPTION_PX + TRACK_PX + 60}px")
    return control


def reachable(value: float, low: float, high: float, step: float) -> bool:
    """True if `value` is one of low, low + step, ..., high (to within rounding)."""
    k = (value - low) / step
    return low <= value <= high and math.isclose(k, round(k), abs_tol=1e-9)


def slider(description: str, value: float, low: float, high: float, step: float, *, integer: bool = False,
           readout_format: str | None = None) -> ipw.ValueWidget:
    """A sim.widgets slider with the fixed label column; its default must lie on its steps."""
    if not reachable(value, low, high, step):
        raise ValueError(f"value={value!r} is not reachable; expected one of {low:g}, {low + step:g}, ... "
                         f"up to {high:g} (steps of {step:g})")
    return _fit(widgets.slider(description, value, low, high, step, integer=integer, readout_format=readout_format))


def config_slider(description: str, config, field: str, step: float, **bounds) -> ipw.ValueWidget:
    """A sim.widgets.config_slider with the fixed label column; its default must lie on its steps."""
    control = widgets.config_slider(description, config, field, step, **bounds)
    if not reachable(control.value, control.min, control.max, control.step):
        raise ValueError(f"{field}={control.value!r} is not reachable on [{control.min:g}, {control.max:g}] in steps of "
                         f"{control.step:g}; pass low= so that the default lies on the steps")
    return _fit(control)


def choice(description: str, options: Sequence, value) -> ipw.ValueWidget:
    return _fit(widgets.choice(description, options, value))


def switch(description: str, value: bool) -> ipw.ValueWidget:
    control = widgets.switch(description, value)
    control.layout = ipw.Layout(width=f"{DESCRIPTION_PX + TRACK_PX + 60}px")
    return control


class Scaled(ipw.HBox):
    """A control whose `value` (what the experiment takes) maps onto an inner slider's value (what it shows).

    `inner` is the slider students move or type into; `to_value(inner.value)` is the control's value and
    `to_inner(value)` the other way. Setting either one moves the other, so code and students agree.
    """
    value = traitlets.Any()

    def __init__(self, inner: ipw.ValueWidget, to_value, to_inner, value):
        self.inner, self._to_value, self._to_inner = inner, to_value, to_inner
        self._syncing = False
        super().__init__([inner])
        self.value = value
        inner.observe(self._from_inner, names="value")
        self.observe(self._from_outer, names="value")

    @property
    def continuous_update(self) -> bool:
        return self.inner.continuous_update

    @property
    def description(self) -> str:
        return self.inner.description

    def _from_inner(self, change) -> None:
        if not self._syncing:
            self._syncing = True
            try:
                self.value = self._to_value(change["new"])
            finally:
                self._syncing = False

    def _from_outer(self, change) -> None:
        if not self._syncing:
            self._syncing = True
            try:
                self.inner.value = self._to_inner(change["new"])
            finally:
                self._syncing = False


def percent(description: str, value: float, low: float, high: float, step: float) -> Scaled:
    """A share (0.1 is 10%) on a track of whole percents: it shows "10" and takes "30" or "30%" as typed.
    low, high, step and value are fractions; the description gets "(%)"."""
    pct = [round(v * 100, 6) for v in (value, low, high, step)]
    if not all(float(p).is_integer() for p in pct):
        raise ValueError(f"value, low, high, step = {value!r}, {low!r}, {high!r}, {step!r}; expected whole percents")
    inner = slider(f"{description} (%)", int(pct[0]), int(pct[1]), int(pct[2]), int(pct[3]), integer=True)
    return Scaled(inner, lambda p: round(p / 100, 6), lambda v: int(round(v * 100)), value)


def doubling(low: int, high: int, *extra: int) -> list[int]:
    """low, 2 low, 4 low, ... below high, with high and the `extra` values (e.g. a default) added, sorted."""
    if not 1 <= low <= high:
        raise ValueError(f"low={low!r}, high={high!r}; expected 1 <= low <= high")
    steps, v = [], low
    while v < high:
        steps.append(v)
        v *= 2
    return sorted(set(steps) | {high} | set(extra))


def stepped(description: str, options: Iterable[int], value: int) -> ipw.SelectionSlider:
    """A slider over the given values only (e.g. `doubling(1, 1000, 80)`), reporting when released."""
    options = list(options)
    if value not in options:
        raise ValueError(f"value={value!r} is not allowed; expected one of {', '.join(map(str, options))}")
    control = ipw.SelectionSlider(options=[(f"{o:,}", o) for o in options], value=value, description=description,
                                  continuous_update=False)
    return _fit(control)


def config_stepped(description: str, config, field: str, value: int | None = None, *extra: int) -> ipw.SelectionSlider:
    """A doubling `stepped` control over what `config` allows for `field` (its default always an option)."""
    allowed = widgets.config_range(config, field)
    low, high = int(math.ceil(allowed.low + (1 if allowed.low_open else 0))), int(allowed.high)
    value = getattr(config, field) if value is None else value
    return stepped(description, doubling(max(low, 1), high, value, *extra), value)


def check_settings(values: Mapping, allowed: Iterable[str], what: str = "setting") -> None:
    """Refuse names not in `allowed`, listing the valid ones (so a misspelt name cannot pass silently)."""
    allowed = list(allowed)
    unknown = [name for name in values if name not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"expected one of {', '.join(allowed)}")
