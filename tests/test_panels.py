"""The lab panels, headless: build each one, move its controls in code, and read the table its callback computes."""
from __future__ import annotations

import contextlib
import inspect
import io

import pandas as pd
import pytest

from sim import widgets
from sim.config import CloudRunConfig, LambdaConfig
from sim.panels import PANELS, cold_starts, concurrency_cost, deployment_shape


@contextlib.contextmanager
def quiet():
    """Outside a kernel an Output widget does not capture what the callback displays: hide it."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def build(name: str, **kwargs) -> widgets.Panel:
    with quiet():
        return PANELS[name](**kwargs)


def set_control(panel: widgets.Panel, name: str, value) -> pd.DataFrame | None:
    """Move one control as a reader would; the panel's observer re-runs the callback."""
    with quiet():
        panel.controls[name].value = value
    return panel.table() if panel.status == "ok" else None


# ---------------------------------------------------------------- every panel
@pytest.mark.parametrize("name", sorted(PANELS))
def test_every_registered_panel_builds_at_its_defaults_and_shows_a_table_with_one_column_per_config(name):
    panel = build(name)
    assert panel.status == "ok", panel.message
    table = panel.table()
    assert isinstance(table, pd.DataFrame) and len(table) >= 5
    default_configs = inspect.signature(PANELS[name]).parameters["configs"].default
    assert list(table.columns) == [config.name for config in default_configs]
    assert all(control.continuous_update is False for control in panel.controls.values()
               if hasattr(control, "continuous_update"))


@pytest.mark.parametrize("name, module_run", [("deployment_shape", deployment_shape.run),
                                               ("cold_starts", cold_starts.run),
                                               ("concurrency", concurrency_cost.run_concurrency),
                                               ("traffic_cost", concurrency_cost.run_traffic)])
def test_the_static_twin_function_gives_the_panels_table_at_defaults(name, module_run):
    pd.testing.assert_frame_equal(build(name).table(), module_run())


@pytest.mark.parametrize("name, control", [("deployment_shape", "spike_rate_per_s"), ("cold_starts", "rate_on_per_s"),
                                           ("concurrency", "spike_rate_per_s"), ("traffic_cost", "mean_rate_per_s")])
def test_a_setting_above_the_run_cap_shows_the_message_without_running(name, control, monkeypatch):
    panel = build(name)
    calls = []
    monkeypatch.setattr(panel, "run", lambda **values: calls.append(values))
    set_control(panel, control, panel.controls[control].max)
    assert panel.status == "over_cap"
    assert "Too much traffic" in panel.message and "cap of 20,000" in panel.message
    assert calls == []                                   # refused before any simulation
    with pytest.raises(ValueError, match="Too much traffic"):
        panel.table()


def test_a_lower_run_cap_refuses_the_defaults_too():
    panel = build("cold_starts", max_requests=100)
    assert panel.status == "over_cap" and "cap of 100" in panel.message


def test_a_bad_value_shows_the_simulators_value_error_text():
    panel = build("deployment_shape")
    panel.controls["connections_per_instance"].max = 2000    # a slider widened beyond what Cloud Run allows
    set_control(panel, "connections_per_instance", 1500)
    assert panel.status == "invalid"
    assert "These settings cannot run: connections_per_instance=1500 is out of range" in panel.message
    set_control(panel, "connections_per_instance", 5)        # and it recovers
    assert panel.status == "ok"


# ---------------------------------------------------------------- sliders come from the configs' validation
def test_config_sliders_take_their_bounds_from_the_config_validation():
    assert widgets.config_range(CloudRunConfig(), "max_concurrency") == widgets.FieldRange(1, 1000, True)
    assert widgets.config_range(CloudRunConfig(max_instances=7), "min_instances").high == 7
    assert widgets.config_range(LambdaConfig(concurrency_limit=50), "provisioned_concurrency").high == 50
    assert widgets.config_slider("x", LambdaConfig(), "memory_mb", 64).max == 10_240
    assert widgets.config_slider("x", LambdaConfig(), "keep_alive_s", 30, high=1800).max == 1800
    panel = build("concurrency")                              # a doubling scale over what Cloud Run allows
    offered = [value for _label, value in panel.controls["max_concurrency"].options]
    assert (offered[0], offered[-1]) == (1, 1000) and 80 in offered


def test_runtime_choices_are_only_those_every_config_accepts():
    panel = build("cold_starts")
    offered = [value for _label, value in panel.controls["runtime"].options]
    assert offered == ["python", "nodejs", "go", "java"]   # Cloud Run has no measured .NET or SnapStart profile


def test_with_settings_refuses_a_setting_no_config_has():
    with pytest.raises(ValueError, match="memory_gb"):
        widgets.with_settings([LambdaConfig(), CloudRunConfig()], memory_gb=1)


# ---------------------------------------------------------------- each control moves the table the way it must
def test_lab1_a_pooler_caps_the_connections_lambda_opens_and_no_request_fails():
    panel = build("deployment_shape")
    direct = panel.table()
    assert direct.loc["DB connections, peak", "Lambda"] == 25            # Lambda fills the database ...
    assert direct.loc["requests failed (DB full)", "Lambda"] > 0          # ... and requests fail
    set_control(panel, "pooler", True)
    for size in (5, 15, 40):
        pooled = set_control(panel, "pooler_max_connections", size)
        assert pooled.loc["DB connections, peak", "Lambda"] <= min(size, 25)
        assert pooled.loc["requests failed (DB full)", "Lambda"] == 0


def test_lab1_a_bigger_cloud_run_pool_serves_the_spike_on_fewer_instances():
    panel = build("deployment_shape")
    small = panel.table()["Cloud Run"]
    big = set_control(panel, "connections_per_instance", 20)["Cloud Run"]
    assert small["environments / instances started"] > 1 and small["DB connections, peak"] == 25
    assert (big["environments / instances started"], big["DB connections, peak"], big["requests failed (DB full)"]) == (1, 20, 0)
    assert big["p99 latency (ms)"] < small["p99 latency (ms)"]

def test_lab1_a_bigger_spike_starts_more_lambda_environments():
    panel = build("deployment_shape")
    before = panel.table().loc["environments / instances started", "Lambda"]
    after = set_control(panel, "spike_rate_per_s", 600.0).loc["environments / instances started", "Lambda"]
    assert after > before


def test_lab2_more_provisioned_concurrency_never_raises_lambda_cold_starts():
    panel = build("cold_starts")
    cold = [set_control(panel, "provisioned_concurrency", n).loc["cold starts", "Lambda"] for n in range(0, 7)]
    assert cold == sorted(cold, reverse=True) and cold[-1] < cold[0]


def test_lab2_more_minimum_instances_never_raise_the_cloud_run_cold_start_share():
    panel = build("cold_starts")
    set_control(panel, "gap_s", 1800.0)                # long gaps: scale to zero between bursts
    share = [set_control(panel, "min_instances", n).loc["cold-start share", "Cloud Run"] for n in range(0, 4)]
    assert share == sorted(share, reverse=True) and share[-1] < share[0]


def test_lab2_a_bigger_lambda_package_means_a_slower_tail_and_a_keep_alive_longer_than_the_gap_saves_cold_starts():
    panel = build("cold_starts")
    p99_big = panel.table().loc["p99 latency (ms)", "Lambda"]
    p99_small = set_control(panel, "package_mb", 0.5).loc["p99 latency (ms)", "Lambda"]
    assert p99_small < p99_big
    cold_short = panel.table().loc["cold starts", "Lambda"]
    cold_long = set_control(panel, "keep_alive_s", 900.0).loc["cold starts", "Lambda"]   # > the 600 s gap
    assert cold_long < cold_short


def test_lab3_a_higher_concurrency_cap_never_raises_the_number_of_cloud_run_instances():
    panel = build("concurrency")
    for cpu_ms, io_ms in ((20.0, 100.0), (200.0, 10.0)):
        set_control(panel, "cpu_ms", cpu_ms)
        set_control(panel, "io_ms", io_ms)
        started = [set_control(panel, "max_concurrency", cap).loc["environments / instances started",
                                                                   "Cloud Run, 1 vCPU"]
                   for cap in (1, 4, 16, 80, 1000)]
        assert started == sorted(started, reverse=True) and started[-1] < started[0]


def test_lab3_the_concurrency_cap_does_not_change_lambda():
    panel = build("concurrency")
    before = panel.table()["Lambda, 1 vCPU"]
    after = set_control(panel, "max_concurrency", 4)["Lambda, 1 vCPU"]
    pd.testing.assert_series_equal(before, after)


def test_lab3_burstier_traffic_lowers_cloud_runs_monthly_cost_and_barely_changes_lambdas():
    panel = build("traffic_cost")
    set_control(panel, "on_fraction", 1.0)
    steady = panel.table().loc["per 30-day month (USD)"]
    bursty = set_control(panel, "on_fraction", 0.05).loc["per 30-day month (USD)"]
    assert bursty["Cloud Run"] < steady["Cloud Run"]                    # idle time is not billed either ...
    assert abs(bursty["Lambda"] - steady["Lambda"]) / steady["Lambda"] < 0.1   # ... Lambda bills per request


# ---------------------------------------------------------------- general over a list of configs
def test_a_third_config_adds_a_third_column():
    configs = (*deployment_shape.CONFIGS, LambdaConfig(name="Lambda, 2 GB", memory_mb=2048))
    panel = build("deployment_shape", configs=configs)
    assert list(panel.table().columns) == ["Lambda", "Cloud Run", "Lambda, 2 GB"]


def test_lab3_panels_carry_lambda_managed_instances_as_a_third_column():
    from sim.billing import lmi_cost_rate_per_s
    from sim.panels import concurrency_cost as cc
    burst = cc.run_concurrency()
    assert list(burst.columns)[-1] == "Lambda MI, 2 vCPU"
    assert burst.loc["cold starts", "Lambda MI, 2 vCPU"] == 0                 # the fleet runs before the spike
    assert burst.loc["environments / instances started", "Lambda MI, 2 vCPU"] == 3
    traffic = cc.run_traffic()
    floor_usd = lmi_cost_rate_per_s(3) * 30 * 86_400
    assert traffic.loc["per 30-day month (USD)", "Lambda MI"] >= round(floor_usd, 2)
    # Burstier traffic at the same mean changes nothing for a fleet that never scales down below its minimum.
    bursty = cc.run_traffic(on_fraction=0.03)
    assert bursty.loc["per 30-day month (USD)", "Lambda MI"] == pytest.approx(
        traffic.loc["per 30-day month (USD)", "Lambda MI"], rel=0.01)


# ---------------------------------------------------------------- settings printed for JupyterLab (no glue there)
def test_printed_settings_describe_the_workload_the_labs_run():
    lab1 = deployment_shape.scenario(spike_rate_per_s=150, db_max_connections=40)
    assert "150 requests per second arrive" in lab1 and "accepts 40 connections" in lab1
    text = concurrency_cost.traffic_settings(mean_rate_per_s=5.0, on_fraction=0.25, io_share=0.9)
    run = concurrency_cost.traffic_experiment(mean_rate_per_s=5.0, on_fraction=0.25, io_share=0.9)
    io_ms = run["Lambda"].workload.io_ms.mean_ms
    assert io_ms == pytest.approx(180.0)                               # 20 ms x 0.9 / 0.1
    assert f"averaging {io_ms:g} ms (90% of its work)" in text
    assert "first 25% of each 10-minute cycle, for 30 minutes" in text
    assert "arrives steadily" in concurrency_cost.traffic_settings(on_fraction=1.0)


# ---------------------------------------------------------------- the figure: updated in place, shown at page width
#: A setting per panel that changes its figure (other lines, bars, limits and tick labels).
OTHER_SETTINGS = {"deployment_shape": {"spike_rate_per_s": 600.0, "pooler": True},
                  "cold_starts": {"gap_s": 120.0, "min_instances": 2},
                  "concurrency": {"cpu_ms": 200.0, "max_concurrency": 4},
                  "traffic_cost": {"on_fraction": 1.0, "mean_rate_per_s": 5.0},
                  "capstone": {"shape": "steady", "mean_rate_per_s": 10.0}}


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.mark.parametrize("name", sorted(OTHER_SETTINGS))
def test_a_redraw_updates_the_previous_figure_and_draws_what_a_new_figure_draws(name):
    from sim.plotting import page_png
    panel = build(name)
    first = panel.shown
    defaults = {control: panel.controls[control].value for control in OTHER_SETTINGS[name]}
    for settings in (OTHER_SETTINGS[name], defaults):
        for control, value in settings.items():
            set_control(panel, control, value)
        assert panel.status == "ok" and panel.shown is first          # the same Figure, emptied and redrawn
        fresh = panel.show(panel.result)                               # outside a redraw: a new figure
        assert fresh is not first
        assert page_png(panel.shown) == page_png(fresh)               # pixel for pixel


def test_a_panel_figure_is_rendered_no_wider_than_the_page_shows_it():
    from sim.plotting import PAGE_WIDTH_PX, page_png
    panel = build("concurrency")
    width_px, height_px = png_size(page_png(panel.shown))
    width_in, height_in = panel.shown.get_size_inches()
    assert width_px == pytest.approx(PAGE_WIDTH_PX, abs=1)             # 9 inches at 672/9 dpi, not 900 px
    assert height_px == pytest.approx(height_in * PAGE_WIDTH_PX / width_in, abs=1)


def test_freed_memory_goes_back_to_the_system_and_every_panel_run_starts_by_giving_it_back(monkeypatch):
    """glibc keeps freed small blocks in its heap; sim.heap.give_back returns them (malloc_trim), and each lab
    panel's redraw (sim.widgets.Panel) calls it before its run, so a kernel's size follows what it holds, not what it once held."""
    import psutil

    from sim import heap

    process = psutil.Process()
    blocks = [bytes(1000) + bytes([k % 256]) for k in range(150_000)]   # 150 MB in small heap blocks
    held_mb = process.memory_info().rss / 1e6
    del blocks
    assert heap.give_back()
    assert process.memory_info().rss / 1e6 < held_mb - 100
    calls = []
    monkeypatch.setattr(heap, "give_back", lambda: calls.append(1) or True)
    for name, control in [("deployment_shape", "spike_rate_per_s"), ("cold_starts", "gap_s"),
                          ("concurrency", "cpu_ms"), ("traffic_cost", "mean_rate_per_s"),
                          ("capstone", "mean_rate_per_s")]:
        panel = build(name)
        before = len(calls)
        set_control(panel, control, panel.controls[control].min)
        assert panel.status == "ok" and len(calls) == before + 1, name
