"""The lab panels' controls (sim.controls): fixed label column, reachable defaults, percent and stepped controls,
and unknown settings refused with the valid names."""
from __future__ import annotations

import contextlib
import io

import ipywidgets as ipw
import pandas as pd
import pytest

from sim import controls
from sim.panels import PANELS, cold_starts, concurrency_cost, deployment_shape

LAB_PANELS = ("deployment_shape", "cold_starts", "concurrency", "traffic_cost")


@contextlib.contextmanager
def quiet():
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def build(name):
    with quiet():
        return PANELS[name]()


def move(panel, control, value, inner=False):
    with quiet():
        (panel.controls[control].inner if inner else panel.controls[control]).value = value
    assert panel.status == "ok", panel.message
    return panel.table()


def sliders(panel):
    """Every slider students move (a percent control's inner slider included)."""
    for name, control in panel.controls.items():
        control = getattr(control, "inner", control)
        if isinstance(control, (ipw.IntSlider, ipw.FloatSlider, ipw.SelectionSlider)):
            yield name, control


@pytest.mark.parametrize("name", LAB_PANELS)
def test_every_control_has_the_fixed_label_column_and_its_default_on_its_steps(name):
    panel = build(name)
    for control_name, control in sliders(panel):
        assert control.style.description_width == f"{controls.DESCRIPTION_PX}px", control_name
        assert control.layout.width == f"{controls.DESCRIPTION_PX + controls.TRACK_PX + 60}px", control_name
        if isinstance(control, ipw.SelectionSlider):
            assert control.value in [v for _label, v in control.options], control_name
        else:
            assert controls.reachable(control.value, control.min, control.max, control.step), control_name


def test_a_default_off_the_steps_is_refused():
    with pytest.raises(ValueError, match=r"value=25 is not reachable; expected one of 10, 20, \.\.\. up to 500"):
        controls.slider("database connection limit", 25, 10, 500, 10, integer=True)


def test_the_database_limit_returns_to_its_default_and_gives_the_default_table():
    panel = build("deployment_shape")
    moved = move(panel, "db_max_connections", 50)
    assert moved.loc["refused a DB connection", "Lambda"] < deployment_shape.run().loc["refused a DB connection", "Lambda"]
    back = move(panel, "db_max_connections", deployment_shape.DEFAULTS["db_max_connections"])
    pd.testing.assert_frame_equal(back, deployment_shape.run())


def test_a_percent_control_takes_whole_percents_and_keeps_the_fraction_as_its_value():
    panel = build("traffic_cost")
    share = panel.controls["on_fraction"]
    assert (share.inner.value, share.inner.min, share.inner.max, share.inner.step) == (10, 1, 100, 1)
    assert share.inner.description.endswith("(%)")
    typed = move(panel, "on_fraction", 30, inner=True)             # what "30" or "30%" typed in the readout sets
    assert share.value == 0.3
    pd.testing.assert_frame_equal(typed, concurrency_cost.run_traffic(on_fraction=0.3))
    move(panel, "on_fraction", 0.05)                                # code sets the fraction, the track follows
    assert share.inner.value == 5
    io_share = panel.controls["io_share"]
    ends = [move(panel, "io_share", pct, inner=True).loc["per 30-day month (USD)", "Cloud Run"] for pct in (0, 98)]
    assert io_share.value == 0.98 and ends[0] != ends[1]


def test_the_concurrency_control_doubles_from_1_to_1000_with_the_default_80():
    assert controls.doubling(1, 1000, 80) == [1, 2, 4, 8, 16, 32, 64, 80, 128, 256, 512, 1000]
    for name in ("concurrency", "deployment_shape"):
        panel = build(name)
        control = panel.controls["max_concurrency"]
        assert isinstance(control, ipw.SelectionSlider)
        assert [v for _label, v in control.options] == controls.doubling(1, 1000, 80)
        assert control.value == 80
    panel = build("concurrency")
    cloud_run = "Cloud Run, 1 vCPU"
    one = move(panel, "max_concurrency", 1)
    top = move(panel, "max_concurrency", 1000)
    # One request per instance: an instance per request in flight; the top cap: far fewer instances.
    assert one.loc["environments / instances started", cloud_run] > top.loc["environments / instances started", cloud_run]
    pd.testing.assert_frame_equal(one, concurrency_cost.run_concurrency(max_concurrency=1))
    pd.testing.assert_frame_equal(top, concurrency_cost.run_concurrency(max_concurrency=1000))


def test_a_stepped_control_refuses_a_value_it_does_not_offer():
    with pytest.raises(ValueError, match="value=3 is not allowed; expected one of 1, 2, 4"):
        controls.stepped("x", [1, 2, 4], 3)


@pytest.mark.parametrize("call, names", [
    (lambda: cold_starts.run(gap=300.0), ["'gap'", "gap_s", "keep_alive_s", "min_instances"]),
    (lambda: cold_starts.experiment(keepalive_s=60.0), ["'keepalive_s'", "keep_alive_s", "idle_timeout_s"]),
    (lambda: deployment_shape.run(pool=True), ["'pool'", "pooler", "pooler_max_connections", "db_max_connections"]),
    (lambda: concurrency_cost.run_concurrency(concurrency=4), ["'concurrency'", "max_concurrency", "cpu_ms"]),
    (lambda: concurrency_cost.run_traffic(share=0.5), ["'share'", "on_fraction", "io_share", "mean_rate_per_s"]),
])
def test_an_unknown_setting_is_refused_with_the_valid_names(call, names):
    with pytest.raises(ValueError) as error:
        call()
    for name in names:
        assert name in str(error.value)
