"""The capstone: your traffic on three platforms (sim.experiments.capstone) and its panel (sim.panels.capstone)."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments import capstone
from sim.panels import PANELS
from sim.panels import capstone as lab

ROOT = Path(__file__).resolve().parents[1]


def test_the_labs_sample_file_is_what_sample_export_makes():
    assert (ROOT / "labs" / "data" / "sample_requests.csv").read_text() == capstone.sample_export()


def test_the_sample_reads_back_to_the_arrivals_it_was_made_from():
    workload = capstone.workload_from_csv(ROOT / "labs" / "data" / "sample_requests.csv")
    made = capstone.shape_arrivals("bursts", 1.0, 1800.0).times(np.random.default_rng(capstone.SEED), 1800.0)
    assert workload.arrivals.timestamps_s == pytest.approx(np.round(made, 3) - np.round(made, 3)[0], abs=1e-6)


def test_verdict_has_one_column_per_platform_and_agrees_with_the_runs():
    workload = capstone.shape_workload("steady", 5.0, duration_s=600.0)
    table = capstone.verdict(workload)
    assert list(table.columns) == ["Lambda", "Cloud Run", "Lambda MI"]
    assert list(table.index) == list(capstone.VERDICT_ROWS)
    requests = table.loc["requests"].astype(int)
    assert requests.nunique() == 1 and abs(requests.iloc[0] - 3000) < 4 * np.sqrt(3000)   # same arrivals
    # Lambda holds one DB connection per environment; Cloud Run and LMI a pool of 5 per instance.
    assert table.loc["peak DB connections", "Lambda"] == table.loc["peak instances", "Lambda"]
    assert table.loc["peak DB connections", "Cloud Run"] == 5 * table.loc["peak instances", "Cloud Run"]
    assert table.loc["cold-start share", "Lambda MI"] == 0
    # The LMI bill is its 3-instance minimum fleet of m7g.large plus 15% plus requests, for a 30-day month.
    fleet_usd = 3 * 0.0816 * 1.15 * 24 * 30
    assert table.loc["monthly cost (USD)", "Lambda MI"] == pytest.approx(fleet_usd + 0.2e-6 * 5 * 86_400 * 30, rel=0.01)
    assert capstone.verdict_text(table, capstone.verdict_spread(workload)).startswith("Cheapest: ")


def _spread(usd: dict[str, list[float]], p99_ms: dict[str, list[float]]) -> pd.DataFrame:
    """A verdict_spread table: per config, its monthly cost and p99 in each replication."""
    return pd.DataFrame([{"replication": k, "config": name, "monthly_usd": cost, "latency_p99_ms": p99_ms[name][k],
                          "throttle_rate": 0.0} for name, costs in usd.items() for k, cost in enumerate(costs)])


def _apart(table: pd.DataFrame) -> pd.DataFrame:
    """Three replications around the table's own figures (x1, x1.01, x0.99): every margin beyond the spread."""
    factors = (1.0, 1.01, 0.99)
    return _spread(*({name: [float(table.loc[row, name]) * f for f in factors] for name in table.columns}
                     for row in ("monthly cost (USD)", "p99 latency (ms)")))


def test_verdict_text_names_the_cheapest_and_the_throttled():
    rows = ["monthly cost (USD)", "p99 latency (ms)", "throttled share", "prices as of"]
    table = pd.DataFrame({"A": [10.0, 500.0, 0.005, "2026-01-01"], "B": [20.0, 100.0, 0.0, "2026-01-01"]}, index=rows)
    text = capstone.verdict_text(table, _apart(table))
    assert "Cheapest: A ($10.00 a month, prices as of 2026-01-01)" in text
    assert "Lowest p99: B (100 ms)" in text and "Throttled: A (0.5%)" in text and "Not ranked" not in text


def test_verdict_text_does_not_rank_a_platform_that_refuses_more_than_one_percent():
    """A cheap bill that comes from turning requests away is not a saving."""
    rows = ["monthly cost (USD)", "p99 latency (ms)", "throttled share", "prices as of"]
    table = pd.DataFrame({"A": [5.0, 50.0, 0.871, "2026-01-01"], "B": [20.0, 300.0, 0.0, "2026-02-01"],
                          "C": [30.0, 100.0, 0.0, "2026-02-01"]}, index=rows)
    text = capstone.verdict_text(table, _apart(table))
    assert text.startswith("Cheapest: B ($20.00 a month, prices as of 2026-02-01). Lowest p99: C (100 ms).")
    assert "Not ranked, as they refused more than 1% of the requests: A ($5.00 a month)." in text
    assert text.endswith("Throttled: A (87.1%).")
    table.loc["throttled share"] = [0.5, 0.2, 0.02]
    assert capstone.verdict_text(table, _apart(table)).startswith("Every platform refused more than 1% of the requests")


def test_a_margin_inside_the_run_to_run_spread_is_about_equal_and_one_beyond_it_names_the_winner():
    rows = ["monthly cost (USD)", "p99 latency (ms)", "throttled share", "prices as of"]
    table = pd.DataFrame({"A": [10.0, 840.0, 0.0, "2026-01-01"], "B": [10.5, 840.5, 0.0, "2026-01-01"]}, index=rows)
    # A's cost is $0.50 under B's in every run (paired): beyond the spread. p99: A under B by 0.5 ms in the verdict's
    # run, but the paired differences (+0.5, -30, +40, -20 ms) straddle zero: inside the spread.
    spread = _spread({"A": [10.0, 12.0, 9.0, 11.0], "B": [10.5, 12.5, 9.5, 11.5]},
                     {"A": [840.0, 870.0, 800.0, 860.0], "B": [840.5, 840.0, 840.0, 840.0]})
    text = capstone.verdict_text(table, spread)
    assert text.startswith("Cheapest: A ($10.00 a month, prices as of 2026-01-01). ")
    assert ("Lowest p99: about equal, A (840 ms) and B (840 ms): the margin is inside the run-to-run spread of "
            "4 runs.") in text
    assert capstone.separated(spread, "monthly_usd", "A", "B")
    assert not capstone.separated(spread, "latency_p99_ms", "A", "B")
    # A p99 margin of about 1 ms with a spread far smaller than that is beyond it.
    narrow = _spread({"A": [10.0, 12.0, 9.0], "B": [10.5, 12.5, 9.5]}, {"A": [840.0, 841.0, 839.0],
                                                                         "B": [841.0, 842.1, 839.9]})
    assert capstone.verdict_text(table, narrow).split(". Lowest p99: ")[1].startswith("A (840 ms)")
    with pytest.raises(ValueError, match=r"spread has no \['C'\] column"):
        capstone.separated(spread, "monthly_usd", "A", "C")


def test_the_verdict_spread_replicates_with_the_next_seeds_and_the_first_is_the_verdicts_own_run():
    workload = capstone.shape_workload("bursts", 1.0, duration_s=1200.0)
    spread = capstone.verdict_spread(workload, replications=3)
    table = capstone.verdict(workload)
    first = spread[spread["replication"] == 0].set_index("config")
    assert first["monthly_usd"].round(2).to_dict() == table.loc["monthly cost (USD)"].astype(float).to_dict()
    assert first["latency_p99_ms"].round(1).to_dict() == table.loc["p99 latency (ms)"].astype(float).to_dict()
    # Other seeds draw other arrivals: the costs differ from run to run (but Lambda MI's fixed fleet hardly).
    lam = spread[spread["config"] == "Lambda"]["monthly_usd"]
    assert lam.nunique() == 3
    with pytest.raises(ValueError, match="replications"):
        capstone.verdict_spread(workload, replications=1)


def _table(costs: dict[tuple, list[float]], refused: dict[tuple, float] | None = None) -> pd.DataFrame:
    rows = []
    for (rate, config), values in costs.items():
        for k, usd in enumerate(values):
            rows.append({"rate_per_s": rate, "on_fraction": 1.0, "io_share": 0.5, "replication": k, "seed": k,
                         "config": config, "monthly_usd": usd, "throttle_rate": (refused or {}).get((rate, config), 0.0)})
    return pd.DataFrame(rows)


def test_map_cells_rank_only_the_platforms_that_serve_the_traffic():
    table = _table({(1.0, "X"): [5.0, 5.0], (1.0, "Y"): [20.0, 20.0], (1.0, "Z"): [40.0, 40.0],
                    (2.0, "X"): [5.0, 5.0], (2.0, "Y"): [20.0, 20.0], (2.0, "Z"): [40.0, 40.0],
                    (3.0, "X"): [5.0, 5.0], (3.0, "Y"): [20.0, 20.0], (3.0, "Z"): [40.0, 40.0]},
                   refused={(1.0, "X"): 0.87, (2.0, "X"): 0.87, (2.0, "Y"): 0.3,
                            (3.0, "X"): 0.5, (3.0, "Y"): 0.5, (3.0, "Z"): 0.5})
    cells = capstone.map_cells(table).set_index("rate_per_s")
    assert (cells.loc[1.0, "cheapest"], cells.loc[1.0, "runner_up"], cells.loc[1.0, "refusing"]) == ("Y", "Z", "X")
    assert cells.loc[1.0, "factor"] == pytest.approx(2.0)
    assert cells.loc[2.0, "cheapest"] == "Z" and math.isnan(cells.loc[2.0, "factor"])
    assert cells.loc[3.0, "cheapest"] == "" and cells.loc[3.0, "refusing"] == "X, Y, Z"
    shown = capstone.map_display(cells.reset_index())
    assert shown.loc[:, "1/s"].iloc[0] == "Y 2.0x; X refuses"
    assert shown.loc[:, "2/s"].iloc[0] == "Z only; X, Y refuses"
    assert shown.loc[:, "3/s"].iloc[0] == "all refuse"


def test_map_cells_is_sure_only_when_the_intervals_separate():
    table = _table({(1.0, "X"): [10.0, 10.1, 9.9], (1.0, "Y"): [20.0, 20.2, 19.8],     # far apart: sure
                    (2.0, "X"): [10.0, 12.0, 8.0], (2.0, "Y"): [11.0, 13.0, 9.0]})     # overlapping: not sure
    cells = capstone.map_cells(table).set_index("rate_per_s")
    assert cells.loc[1.0, "cheapest"] == "X" and cells.loc[1.0, "sure"]
    assert cells.loc[1.0, "factor"] == pytest.approx(2.0)
    assert cells.loc[2.0, "cheapest"] == "X" and not cells.loc[2.0, "sure"]
    assert cells.loc[2.0, "factor"] == pytest.approx(1.1)


def test_decision_map_is_the_same_serially_and_on_a_process_pool():
    serial = capstone.decision_map(0.5, on_fractions=(1.0,), io_shares=(0.9,), replications=2, executor=None)
    pooled = capstone.decision_map(0.5, on_fractions=(1.0,), io_shares=(0.9,), replications=2)
    pd.testing.assert_frame_equal(serial, pooled)
    assert len(serial) == 3 * 2 * 3                      # rates x replications x platforms
    assert sorted(serial["rate_per_s"].unique()) == [0.05, 0.5, 5.0]


@pytest.mark.parametrize("shape", capstone.SHAPES)
@pytest.mark.parametrize("window_s", [600.0, 1800.0, 7200.0])
def test_every_shape_has_the_mean_rate_asked_for_over_the_window(shape, window_s):
    arrivals = capstone.shape_arrivals(shape, 2.0, window_s)
    # expected_count integrates the rate by trapezoids on 20,000 steps: a spike's edges cost up to ~2e-4.
    assert arrivals.expected_count(window_s) / window_s == pytest.approx(2.0, rel=5e-4)


def test_the_daily_cycle_and_the_spike_happen_inside_the_window():
    window_s = 600.0
    cycle = capstone.shape_arrivals("daily cycle", 2.0, window_s)
    rates = cycle.rate_at(np.array([0.0, window_s / 2, window_s]))
    assert rates[1] / rates[0] == pytest.approx(capstone.DAILY_PEAK_TO_TROUGH)   # peak mid-window, trough at the ends
    assert rates[2] == pytest.approx(rates[0])
    spike = capstone.shape_arrivals("spike", 2.0, window_s)
    inside = spike.rate_at(np.array([window_s / 3 + 1.0]))[0]
    before = spike.rate_at(np.array([1.0]))[0]
    assert inside == pytest.approx(capstone.SPIKE_FACTOR * before)
    assert window_s / 3 + capstone.SPIKE_DURATION_S < window_s


@pytest.mark.parametrize("kwargs, name", [({"shape": "weekly"}, "shape"), ({"mean_rate_per_s": 0}, "mean_rate_per_s"),
                                          ({"cpu_ms": -1}, "cpu_ms"), ({"io_ms": 1e9}, "io_ms")])
def test_bad_settings_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        capstone.shape_workload(**kwargs)


# ---------------------------------------------------------------- the panel, headless
def test_panel_at_defaults_shows_the_verdict_of_run():
    panel = PANELS["capstone"]()
    assert panel.status == "ok"
    pd.testing.assert_frame_equal(panel.table(), lab.run())


def test_pasted_timestamps_take_precedence_and_an_upload_over_them():
    panel = PANELS["capstone"]()
    panel.controls["pasted"].value = "\n".join(str(0.5 * k) for k in range(40))
    assert panel.status == "ok" and panel.table().loc["requests"].tolist() == [40, 40, 40]
    upload = ({"name": "t.csv", "type": "text/csv", "size": 9, "content": memoryview(b"t\n1\n2\n3\n"),
               "last_modified": datetime(2026, 11, 27, tzinfo=timezone.utc)},)
    panel.controls["upload"].value = upload
    assert panel.table().loc["requests"].tolist() == [3, 3, 3]


def test_the_window_says_how_long_pasted_timestamps_cover():
    text = capstone.sample_export(1800.0)
    panel = PANELS["capstone"]()
    panel.controls["pasted"].value = text
    covers_30_min = capstone.verdict(capstone.workload_from_csv(text, duration_s=1800.0))
    pd.testing.assert_frame_equal(panel.table(), covers_30_min)
    panel.controls["duration_min"].value = 60.0   # the same requests over an hour: half the monthly Lambda bill
    assert panel.table().loc["monthly cost (USD)", "Lambda"] == pytest.approx(
        covers_30_min.loc["monthly cost (USD)", "Lambda"] / 2, abs=0.011)


def test_a_bad_row_shows_its_line_number_and_over_cap_settings_do_not_run():
    panel = PANELS["capstone"]()
    panel.controls["pasted"].value = "when\n2026-11-27T10:00:00Z\nnoon\n"
    assert panel.status == "invalid" and "line 3" in panel.message
    panel.controls["pasted"].value = ""
    panel.controls["mean_rate_per_s"].value = 50.0
    panel.controls["duration_min"].value = 120.0
    assert panel.status == "over_cap" and "360,000 requests" in panel.message
    assert panel.result is None


def test_more_io_per_request_raises_cloud_runs_advantage_over_lambda():
    cheap_io = lab.run(io_ms=20.0)
    heavy_io = lab.run(io_ms=800.0)
    ratio = lambda t: t.loc["monthly cost (USD)", "Lambda"] / t.loc["monthly cost (USD)", "Cloud Run"]
    assert ratio(heavy_io) > ratio(cheap_io)


def test_an_export_can_say_how_long_it_covers_but_not_less_than_its_timestamps():
    path = ROOT / "labs" / "data" / "sample_requests.csv"
    assert capstone.workload_from_csv(path, duration_s=1800.0).duration_s == 1800.0
    last_s = capstone.workload_from_csv(path).arrivals.timestamps_s[-1]
    with pytest.raises(ValueError, match="duration_s=100"):
        capstone.workload_from_csv(path, duration_s=100.0)
    # The same requests over a longer window cost less per month (the busy part weighs less).
    short = capstone.verdict(capstone.workload_from_csv(path)).loc["monthly cost (USD)", "Lambda"]
    whole = capstone.verdict(capstone.workload_from_csv(path, duration_s=1800.0)).loc["monthly cost (USD)", "Lambda"]
    assert whole < short and last_s < 1800.0


def test_work_is_an_exponential_mean_or_any_distribution():
    from sim import Fixed, LogNormal
    cpu, io = capstone.work(20.0, LogNormal(median_ms=100, p95_ms=400))
    assert (cpu.mean_ms, io) == (20.0, LogNormal(median_ms=100, p95_ms=400))
    w = capstone.workload_from_csv("0\n1\n2\n", cpu_ms=Fixed(30), io_ms=Fixed(70))
    assert (w.cpu_ms, w.io_ms) == (Fixed(30), Fixed(70))
    with pytest.raises(ValueError, match="io_ms=-1"):
        capstone.work(20.0, -1)


def test_a_csv_over_the_request_cap_is_refused_before_it_is_parsed():
    text = "timestamp\n" + "\n".join(str(i) for i in range(60))           # a header and 60 requests
    assert len(capstone.workload_from_csv(text, max_requests=60).arrivals.timestamps_s) == 60
    with pytest.raises(ValueError, match=r"the CSV has 61 lines, more than max_rows=51"):
        capstone.workload_from_csv(text, max_requests=50)


def test_panel_counts_requests_not_the_header():
    assert lab.expected_requests("steady", 1.0, 10.0, pasted="@timestamp\n1.0\n2.0\n\n3.0\n") == 3.0
    assert lab.expected_requests("steady", 1.0, 10.0, pasted="1.0\n2.0\n3.0") == 3.0
    assert lab.expected_requests("steady", 1.0, 10.0, pasted='"2026-11-02 09:00:00.000",x\n') == 1.0


def test_verdict_shows_the_window_and_warns_when_a_short_one_is_projected_to_a_month():
    three = capstone.workload_from_csv("0\n60\n120\n", duration_s=1800.0)
    short = capstone.verdict(three)
    assert (short.loc["window (hours)"] == 0.5).all()
    assert short.loc["monthly cost (USD)", "Lambda MI"] == pytest.approx(
        3 * 0.0816 * 1.15 * 720 + 3 * 1440 * 0.2e-6, abs=0.01)            # a 30-minute window scaled x1,440
    assert capstone.verdict_text(short, capstone.verdict_spread(three)).endswith(
        "The month is projected from 0.5 hours of traffic (x1,440): they must be typical of the whole month.")
    whole_day = capstone.workload_from_csv("0\n60\n120\n", duration_s=86_400.0)
    day = capstone.verdict(whole_day)
    assert "projected from" not in capstone.verdict_text(day, capstone.verdict_spread(whole_day))


# ---------------------------------------------------------------- any format, each request's own duration
def test_the_panel_reads_any_format_and_shows_what_it_read():
    panel = PANELS["capstone"]()
    panel.controls["pasted"].value = (ROOT / "tests" / "data" / "nginx_request_time.log").read_text()
    assert panel.status == "ok" and panel.table().loc["requests"].tolist() == [3, 3, 3]
    summary = lab.run_with_summary(pasted=panel.controls["pasted"].value)["summary"]
    assert summary.splitlines()[0].split()[:3] == ["format", "an", "Apache/Nginx"]
    assert summary.splitlines()[1].split() == ["requests", "read", "3"]
    assert lab.run_with_summary()["summary"] is None                      # a shape: nothing read


def test_the_panel_replays_each_requests_duration_unless_told_not_to():
    text = (ROOT / "tests" / "data" / "lambda_logs.txt").read_text()
    assert lab.expected_requests("steady", 1.0, 10.0, pasted=text) == 2.0      # REPORT lines, not log lines
    own = lab.run(pasted=text)
    # On a full vCPU (Lambda MI) the CPU tenth of each logged duration runs 1,769 / 1,024 times faster than it did.
    on_full_vcpu = np.median([102.25, 27.55]) * (0.9 + 0.1 * 1024 / 1769)
    assert own.loc["p50 latency (ms)", "Lambda MI"] == pytest.approx(on_full_vcpu, abs=0.1)
    single = lab.run(pasted=text, per_request=False, cpu_ms=20.0, io_ms=180.0)
    assert not own.loc["p50 latency (ms)"].equals(single.loc["p50 latency (ms)"])
    panel = PANELS["capstone"]()
    panel.controls["pasted"].value = text
    panel.controls["format"].value = "alb"
    assert panel.status == "invalid" and "field type" in panel.message


def test_a_lambda_trace_runs_lambda_at_its_logged_memory():
    trace = capstone.read_traffic(ROOT / "tests" / "data" / "lambda_logs.txt")
    configs = capstone.configs_for_trace(trace)
    assert [c.memory_mb for c in configs if c.platform == "lambda"] == [1024]
    assert configs[1:] == capstone.CONFIGS[1:]
    assert capstone.configs_for_trace(capstone.read_traffic("0\n1\n")) == capstone.CONFIGS


def test_workload_from_csv_warns_about_an_implausible_reading():
    from sim.traffic import TrafficWarning
    with pytest.warns(TrafficWarning, match="if the numbers are milliseconds"):
        capstone.workload_from_csv(ROOT / "tests" / "data" / "timestamps_ms_since_start.csv")


def _upload(text: str) -> tuple[dict, ...]:
    """An ipywidgets 8 FileUpload value holding one file with `text`."""
    content = text.encode()
    return ({"name": "export.csv", "type": "text/csv", "size": len(content), "content": memoryview(content),
             "last_modified": datetime(2026, 11, 2, tzinfo=timezone.utc)},)


def test_the_panel_reads_milliseconds_since_the_start_and_a_named_column_when_told():
    panel = PANELS["capstone"]()
    panel.controls["duration_min"].value = 10.0
    panel.controls["upload"].value = _upload("0\n1000\n2500\n4000\n60000\n")
    # Read as seconds (the size rule), the last request is 60,000 s in: a window of 16.7 hours.
    assert float(panel.table().loc["window (hours)", "Lambda"]) == pytest.approx(60_000 / 3600, abs=1e-3)
    panel.controls["unit"].value = "ms"
    assert float(panel.table().loc["window (hours)", "Lambda"]) == pytest.approx(10 / 60, abs=1e-3)  # 60 s < 10 min
    assert panel.table().loc["requests", "Lambda"] == 5
    panel.clear()
    panel.controls["unit"].value = "auto"
    panel.controls["pasted"].value = "path,when\n/a,0\n/b,5\n/c,9\n"
    assert panel.status == "invalid" and "line 2: '/a' is not a timestamp" in panel.message
    panel.controls["column"].value = "when"
    assert panel.status == "ok" and panel.table().loc["requests", "Lambda"] == 3
    panel.controls["column"].value = "1"
    assert panel.status == "ok" and panel.table().loc["requests", "Lambda"] == 3
    with pytest.raises(ValueError, match="are the timestamps reader's; this file reads as 'lambda_report'"):
        lab.read((ROOT / "labs" / "data" / "sample_lambda_report.csv").read_text(), unit="ms")


def test_a_file_disables_the_shape_controls_and_clearing_it_runs_the_shape_again():
    panel = PANELS["capstone"]()
    at_defaults = panel.table()
    shape, rate = panel.controls["shape"], panel.controls["mean_rate_per_s"]
    assert not shape.disabled and not rate.disabled
    panel.controls["upload"].value = _upload("0\n10\n20\n30\n")
    assert shape.disabled and rate.disabled
    assert panel.table().loc["requests", "Lambda"] == 4
    clear = [c for c in panel.children[0].children if getattr(c, "description", "") == "clear the file"]
    assert len(clear) == 1
    clear[0].click()
    assert panel.controls["upload"].value == () and not shape.disabled and not rate.disabled
    pd.testing.assert_frame_equal(panel.table(), at_defaults)
    panel.controls["pasted"].value = "0\n10\n"
    assert shape.disabled and rate.disabled and panel.table().loc["requests", "Lambda"] == 2
    clear[0].click()
    assert panel.controls["pasted"].value == "" and not rate.disabled


def test_above_its_cap_the_panel_shows_the_code_route_and_the_formats_it_reads():
    from sim import traffic

    panel = PANELS["capstone"]()
    panel.controls["mean_rate_per_s"].value = 50.0
    assert panel.status == "over_cap"
    assert lab.CODE_ROUTE in panel.message and "cap of 20,000" in panel.message
    assert f"(formats: {', '.join(traffic.FORMATS)})" in panel.message
    assert len(traffic.FORMATS) >= 5 and all(name in panel.message for name in traffic.FORMATS)


def test_the_code_route_runs_a_trace_above_the_panels_cap(tmp_path):
    path = tmp_path / "day.csv"
    path.write_text("".join(f"{k * 0.05:.2f}\n" for k in range(25_000)))     # 20 requests per second
    assert lab.expected_requests(**{**lab.DEFAULTS, "pasted": path.read_text()}) > lab.PANEL_MAX_REQUESTS
    call = lab.CODE_ROUTE.replace('"your_file"', repr(str(path))).replace("duration_s=...", "duration_s=1800.0")
    table = eval(call, {"capstone": capstone})
    assert table.loc["requests"].tolist() == [25_000] * 3


def test_a_file_above_the_table_cap_is_streamed_to_the_verdict_of_its_windows(tmp_path):
    """file_verdict streams a file of more than max_requests requests into compare_chunks: the same table as
    the verdict of the trace read whole and run in windows (same seed, same windows); below the cap it is the
    verdict of the trace read whole."""
    from sim import Replay, traffic
    from sim.windows import LongWorkload
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 3_600.0, 2_000))
    path = tmp_path / "requests.csv"
    path.write_text("t_s\n" + "\n".join(f"{x:.6f}" for x in t) + "\n")
    trace = traffic.read(path)
    cpu, io = capstone.work(20.0, 180.0)
    whole = capstone.verdict(LongWorkload(Replay(trace.timestamps_s), cpu_ms=cpu, io_ms=io), executor=None,
                             progress=None)
    streamed = capstone.file_verdict(path, max_requests=1_000, executor=None, progress=None, chunk_rows=300)
    pd.testing.assert_frame_equal(streamed, whole)
    assert streamed.loc["requests"].tolist() == [2_000] * len(capstone.CONFIGS)
    small = capstone.file_verdict(path, executor=None, progress=None)
    pd.testing.assert_frame_equal(small, capstone.verdict(capstone.workload_from_trace(trace), progress=None))
