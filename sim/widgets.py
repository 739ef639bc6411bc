"""Interactive panels for the labs: sliders that re-run an experiment and redraw its figure.

A panel calls `run(**values)` and shows `show(result)` in an Output widget.
Sliders only report when released (`continuous_update=False`), so each move runs the simulation once.
A bad combination of values shows the simulator's ValueError message instead of a traceback.
"""
from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from IPython.display import display

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}


def slider(description: str, value: float, low: float, high: float, step: float, *,
           integer: bool = False, readout_format: str | None = None) -> widgets.ValueWidget:
    """A slider for one experiment parameter that reports only when released."""
    if not low <= value <= high:
        raise ValueError(f"value={value!r} is out of range; expected a number in [{low:g}, {high:g}]")
    kind = widgets.IntSlider if integer else widgets.FloatSlider
    options = {} if integer else {"readout_format": readout_format or ".1f"}
    return kind(value=value, min=low, max=high, step=step, description=description,
                continuous_update=False, style=_STYLE, layout=_LAYOUT, **options)


class Panel(widgets.VBox):
    """Controls on top, the experiment's figure below; redraws whenever a control changes."""

    def __init__(self, run: Callable, show: Callable, **controls: widgets.ValueWidget):
        if not controls:
            raise ValueError("controls={} is not allowed; expected at least one named control widget")
        self.run, self.show, self.controls = run, show, controls
        self.output = widgets.Output()
        super().__init__([widgets.VBox(list(controls.values())), self.output])
        for control in controls.values():
            control.observe(self._redraw, names="value")
        self._redraw()

    def values(self) -> dict:
        """The current value of every control, by the name `run` expects."""
        return {name: control.value for name, control in self.controls.items()}

    def _redraw(self, _change=None) -> None:
        self.output.clear_output(wait=True)
        with self.output:
            try:
                shown = self.show(self.run(**self.values()))
            except ValueError as error:
                print(f"These settings cannot run: {error}")
                return
            display(shown)


def explore(run: Callable, show: Callable, **controls: widgets.ValueWidget) -> Panel:
    """A Panel that runs `run(**values)` and displays `show(result)` for the controls' values."""
    return Panel(run, show, **controls)
