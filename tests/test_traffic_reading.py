"""sim.traffic: the summary of what was read, the warnings an implausible reading earns, and per-request work."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from sim import LambdaConfig, Poisson, Replay, Workload, simulate
from sim.distributions import Recorded
from sim.traffic import TrafficWarning, read, summary
from sim.workload import CPU_SHARE, recorded_work

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
LAB = Path(__file__).resolve().parents[1] / "labs" / "data"


def test_the_summary_says_what_was_understood():
    trace = read(LAB / "sample_requests.csv")
    s = summary(trace)
    assert s["format"] == "a CSV of timestamps, one request per row"
    assert (s["requests read"], s["lines skipped"]) == ("1,738", "1 header (line 1)")
    assert (s["first"], s["last"]) == ("2026-11-02 09:00:00.020000", "2026-11-02 09:20:59.893000")
    assert s["span"] == "21.0 min"
    assert s["mean per minute"] == f"{1738 / (trace.span_s / 60):,.2f}"
    # Bursts: the first minute of every ten at 10 per second.
    assert int(s["peak per minute"]) == np.bincount((trace.timestamps_s // 60).astype(int)).max()
    assert "duration median (ms)" not in s and "WARNING" not in s
    report = summary(read(LAB / "sample_lambda_report.csv"))
    assert report["duration median (ms)"] == f"{np.median(read(LAB / 'sample_lambda_report.csv').duration_ms):,.1f}"


def test_a_column_that_does_not_behave_like_time_is_warned_about():
    with pytest.warns(TrafficWarning, match=r"column 'tokens' does not behave like time .* while column "
                                            r"'timestamp_s' does: pass column='timestamp_s'"):
        trace = read(DATA / "timestamps_wrong_column.csv")
    assert "pass column='timestamp_s'" in summary(trace)["WARNING"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right = read(DATA / "timestamps_wrong_column.csv", column="timestamp_s")
    assert right.warnings == [] and len(right) == 200


def test_milliseconds_read_as_seconds_are_warned_about():
    with pytest.warns(TrafficWarning, match=r"the trace spans 41.4 days, longer than a log usually covers; if the "
                                            r"numbers are milliseconds, it spans 59.6 min \(pass unit='ms'"):
        read(DATA / "timestamps_ms_since_start.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = read(DATA / "timestamps_ms_since_start.csv", unit="ms")
    assert trace.span_s == pytest.approx(np.ptp(np.loadtxt(DATA / "timestamps_ms_since_start.csv")) / 1000)


def test_counts_read_as_timestamps_are_warned_about():
    with pytest.warns(TrafficWarning, match=r"the 10 rows are 60 s apart .* format='counts'"):
        read(LAB / "sample_counts_per_minute.csv")


def test_a_first_line_that_parses_as_data_is_data():
    assert len(read("1.5\n3\n")) == 2
    assert read("when\n1.5\n3\n").skipped == {"header": [1]}


def test_a_duration_column_gives_each_request_its_own_work():
    trace = read("t,ms\n2,30\n0,10\n1,20\n", duration_column="ms")
    assert trace.timestamps_s.tolist() == [0.0, 1.0, 2.0] and trace.duration_ms.tolist() == [10.0, 20.0, 30.0]
    with pytest.raises(ValueError, match=r"line 3: duration 'x' is not allowed; expected a number >= 0"):
        read("t,ms\n2,30\n0,x\n", duration_column="ms")


# ---------------------------------------------------------------- each request's own work
def test_recorded_work_splits_each_duration_by_the_cpu_share():
    cpu, io = recorded_work([100.0, 300.0], cpu_share=0.25)
    assert cpu.values_ms.tolist() == [25.0, 75.0] and io.values_ms.tolist() == [75.0, 225.0]
    assert CPU_SHARE == 0.1
    cpu, _ = recorded_work([177.0], cpu_share=1.0, measured_slowdown=LambdaConfig(memory_mb=885).cpu_slowdown)
    assert cpu.values_ms[0] == pytest.approx(177.0 * 885 / 1769)
    with pytest.raises(ValueError, match="cpu_share=1.5"):
        recorded_work([1.0], cpu_share=1.5)
    with pytest.raises(ValueError, match=r"values_ms\[1\]=-1.0"):
        Recorded([1.0, -1.0])


def test_a_recorded_duration_needs_replayed_arrivals_one_per_request():
    cpu, io = recorded_work([10.0, 20.0])
    with pytest.raises(ValueError, match="cpu_ms=Recorded.*not allowed with random arrivals"):
        Workload(Poisson(1.0), duration_s=10.0, cpu_ms=cpu)
    with pytest.raises(ValueError, match="io_ms=Recorded.*not allowed with 3 replayed arrivals"):
        Workload(Replay([0.0, 1.0, 2.0]), io_ms=io)


def test_replayed_on_lambda_each_request_takes_its_logged_duration():
    durations = np.array([120.0, 40.0, 900.0, 15.5, 300.0])
    config = LambdaConfig(memory_mb=512, init_ms=100.0)
    cpu, io = recorded_work(durations, cpu_share=0.3, measured_slowdown=config.cpu_slowdown)
    run = simulate(Workload(Replay([0.0, 5.0, 10.0, 15.0, 20.0]), cpu_ms=cpu, io_ms=io), config, seed=1)
    assert run.requests["service_s"].to_numpy() * 1000 == pytest.approx(durations, abs=1e-9)
    # A window that ends early keeps the first requests' own durations.
    early = Workload(Replay([0.0, 5.0, 10.0, 15.0, 20.0]), duration_s=12.0, cpu_ms=cpu, io_ms=io).draw(1)
    assert early.io_ms.tolist() == pytest.approx((durations[:3] * 0.7).tolist())


def test_reading_in_chunks_gives_what_one_pass_gives(monkeypatch):
    from sim.traffic import source
    files = [(LAB / "sample_requests.csv", {}), (LAB / "sample_access.log", {"spread": False}),
             (DATA / "nginx_request_time.log", {}), (DATA / "timestamps_wrong_column.csv", {"column": "timestamp_s"})]
    whole = [read(path, **options) for path, options in files]
    monkeypatch.setattr(source, "CHUNK_ROWS", 7)
    for (path, options), one in zip(files, whole):
        chunked = read(path, **options)
        assert np.array_equal(chunked.timestamps_s, one.timestamps_s) and chunked.start == one.start, path
        assert (chunked.duration_ms is None) == (one.duration_ms is None)
