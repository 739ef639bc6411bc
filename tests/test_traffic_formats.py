"""sim.traffic: each format's sample read exactly, detection, and malformed lines refused with their line number."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import traffic
from sim.traffic import samples

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "labs" / "data"
DATA = ROOT / "tests" / "data"
UTC = lambda text: pd.Timestamp(text, tz="UTC")


def test_the_lab_samples_are_what_samples_writes():
    for name, text in samples.texts().items():
        assert (LAB / samples.FILES[name]).read_text() == text, name


@pytest.mark.parametrize("name", [n for n in samples.FILES if n != "counts"])
def test_every_sample_is_detected_as_its_format(name):
    assert traffic.detect((LAB / samples.FILES[name]).read_text()) == name
    assert traffic.read(LAB / samples.FILES[name]).format == name


def test_the_samples_hold_the_requests_they_were_made_from():
    frame = samples.requests()
    short = frame[frame["arrival"] < samples.SAMPLE_START + pd.Timedelta(minutes=samples.SHORT_MINUTES)]
    alb = traffic.read(LAB / samples.FILES["alb"])
    assert len(alb) == len(short) == 369
    assert alb.start == short["arrival"].iloc[0]
    assert alb.timestamps_s == pytest.approx((short["arrival"] - short["arrival"].iloc[0]).dt.total_seconds(), abs=1e-6)
    assert alb.duration_ms == pytest.approx(short["duration_ms"].to_numpy(), abs=0.5 + 1e-9)   # ALB: 1 ms steps
    logging = traffic.read(LAB / samples.FILES["cloud_logging"])
    assert logging.duration_ms == pytest.approx(short["duration_ms"].to_numpy(), abs=1e-3)
    assert logging.skipped == {"not a request log entry": [1, 186]}
    on_the_second = traffic.read(LAB / samples.FILES["access_log"], spread=False)   # Apache %D: microseconds
    assert on_the_second.duration_ms == pytest.approx(short["duration_ms"].to_numpy(), abs=1e-3)
    access = traffic.read(LAB / samples.FILES["access_log"])
    assert np.sort(access.duration_ms) == pytest.approx(np.sort(short["duration_ms"].to_numpy()), abs=1e-3)
    # Whole seconds, spread within each second: every arrival stays inside its logged second.
    logged = short["arrival"].dt.floor("s")
    offset = (logged - logged.iloc[0]).dt.total_seconds().to_numpy()
    arrival = access.timestamps_s + (access.start - logged.iloc[0]).total_seconds()
    assert np.all((np.sort(offset) <= arrival + 1e-9) & (arrival < np.sort(offset) + 1.0))


def test_counts_keep_every_interval_exactly():
    per_minute = samples.per_minute(samples.requests())
    for name in ("cloudwatch_metrics", "cloud_monitoring"):
        trace = traffic.read(LAB / samples.FILES[name])
        assert len(trace) == per_minute.sum() == 1815 and trace.interval_s == 60.0
        assert trace.start == samples.SAMPLE_START
        got = np.bincount((trace.timestamps_s // 60).astype(int), minlength=10)
        assert got.tolist() == per_minute.tolist()
    counts = traffic.read(LAB / samples.FILES["counts"], format="counts")
    assert len(counts) == 1815 and counts.skipped == {"header": [1]}
    again = traffic.read(LAB / samples.FILES["counts"], format="counts")
    other_seed = traffic.read(LAB / samples.FILES["counts"], format="counts", seed=1)
    assert np.array_equal(counts.timestamps_s, again.timestamps_s)
    assert not np.array_equal(counts.timestamps_s, other_seed.timestamps_s)


def test_uniform_spreading_within_intervals_is_uniform():
    """The expansion rule: given n in an interval, the arrivals are uniform in it (a Kolmogorov-Smirnov bound)."""
    t = traffic.counts.expand(np.array([0.0, 60.0]), np.array([20_000, 0]), 60.0, seed=3)
    assert t.size == 20_000 and t.max() < 60.0
    u = np.sort(t) / 60.0
    ks = np.max(np.abs(u - np.arange(1, u.size + 1) / u.size))
    assert ks < 1.63 / np.sqrt(u.size)           # the 1% critical value of the KS statistic


def test_azure_functions_layout_sums_the_chosen_functions_per_minute():
    path = LAB / samples.FILES["azure_functions"]
    table = pd.read_csv(path)
    minutes = [str(m) for m in range(1, 1441)]
    trace = traffic.read(path)
    assert len(trace) == table[minutes].to_numpy().sum()
    assert np.bincount((trace.timestamps_s // 60).astype(int), minlength=1440).tolist() == \
        table[minutes].sum().tolist()
    http = traffic.read(path, trigger="http")
    assert len(http) == table.loc[table.Trigger == "http", minutes].to_numpy().sum()
    timer = traffic.read(path, function="fn02timer")
    assert len(timer) == 288                      # every 5 minutes
    with pytest.raises(ValueError, match="match no row"):
        traffic.read(path, function="nope")


def test_lambda_report_lines_give_arrivals_durations_and_billing_fields():
    trace = traffic.read(DATA / "lambda_logs.txt")
    assert trace.format == "lambda_report" and len(trace) == 2
    assert trace.skipped == {"not a REPORT line": [1, 2, 3, 5, 6]}
    # arrival = REPORT time - Duration - Init Duration: 09:00:00.400 - 102.25 ms - 297.75 ms = 09:00:00.000
    assert trace.start == UTC("2026-11-02 09:00:00")
    assert trace.timestamps_s.tolist() == pytest.approx([0.0, 10.03 - 0.02755], abs=1e-9)
    assert trace.duration_ms.tolist() == [102.25, 27.55]
    assert trace.columns["billed_ms"].tolist() == [400.0, 28.0]
    assert trace.columns["memory_mb"].tolist() == [1024, 1024]
    assert np.isnan(trace.columns["init_ms"]).tolist() == [False, True]
    sample = traffic.read(LAB / samples.FILES["lambda_report"])
    assert len(sample) == 1815 and sample.skipped == {"header": [1]}
    assert int((~np.isnan(sample.columns["init_ms"])).sum()) == 14


def test_access_logs_in_common_format_and_with_nginx_request_time():
    common = traffic.read(DATA / "apache_common.log")
    assert common.format == "access_log" and common.duration_ms is None
    assert common.start.floor("s") == UTC("2000-10-10 20:55:36")           # -0700
    nginx = traffic.read(DATA / "nginx_request_time.log", spread=False)
    # Nginx logs at the end: arrival = $time_local - $request_time; 10:00:04 +0100 is 09:00:04 UTC.
    assert nginx.start == UTC("2026-11-02 09:00:00.750")
    assert nginx.timestamps_s.tolist() == pytest.approx([0.0, 0.75, 3.246])
    assert nginx.duration_ms.tolist() == pytest.approx([250.0, 1500.0, 4.0])
    assert nginx.skipped == {"blank": [3]}


def test_alb_reads_request_creation_time_and_target_processing_time():
    trace = traffic.read(DATA / "alb_documented.log")
    assert trace.start == UTC("2018-07-02 22:22:48.364")       # request_creation_time, not time
    assert trace.timestamps_s.tolist() == pytest.approx([0.0, 12.635])
    assert trace.duration_ms.tolist() == pytest.approx([1.0, 0.0])      # -1: never sent to a target
    assert any("never sent to a target" in note for note in trace.notes)


def test_cloud_logging_reads_a_json_array_too():
    trace = traffic.read(DATA / "cloud_logging_array.json")
    assert trace.format == "cloud_logging" and len(trace) == 2
    assert trace.duration_ms.tolist() == pytest.approx([123.0, 2500.0])
    assert trace.timestamps_s.tolist() == pytest.approx([0.0, 2.500000001], abs=1e-12)


@pytest.mark.parametrize("file, message", [
    ("access_bad_status.log", r"line 4: field status \(%>s\) is '2x0 .*expected a three-digit status code"),
    ("alb_bad_field.log", r"line 5: field request_processing_time is 'zero .*expected seconds or -1"),
    ("lambda_report_bad.csv", r"line 5: field Billed Duration is 'Billed: .*expected Billed Duration: <whole ms> ms"),
    ("cloud_logging_bad_latency.jsonl", r"line 4: field httpRequest.latency is '.*ms'; expected a Duration"),
    ("counts_not_whole.csv", r"line 3: count 1.5 is not allowed; expected a whole number"),
])
def test_a_malformed_line_is_refused_with_its_number_and_field(file, message):
    fmt = "counts" if file.startswith("counts") else "auto"
    with pytest.raises(ValueError, match=message):
        traffic.read(DATA / file, format=fmt)


def test_skipping_malformed_lines_counts_them_and_warns_when_many():
    with pytest.warns(traffic.TrafficWarning, match=r"1 of 6 lines \(17%\) were skipped as malformed"):
        trace = traffic.read(DATA / "access_bad_status.log", on_bad_lines="skip")
    assert len(trace) == 5 and trace.skipped == {"malformed": [4]}
    assert "1 malformed (line 4)" in traffic.summary(trace)["lines skipped"]


def test_a_file_in_another_format_is_named_with_the_call_that_reads_it():
    from sim import Replay
    with pytest.raises(ValueError, match=r"line 1: .* is not a timestamp; the file looks like an Apache/Nginx access "
                                         r"log .*sim.traffic.read\(source, format='access_log'\)"):
        Replay.from_csv(LAB / samples.FILES["access_log"])
    with pytest.raises(ValueError, match=r"format='alb'"):
        traffic.read(LAB / samples.FILES["alb"], format="timestamps")
    with pytest.raises(ValueError, match=r"format='weblog' is not allowed"):
        traffic.read(LAB / samples.FILES["alb"], format="weblog")
    with pytest.raises(ValueError, match=r"column=3 is not allowed for format='alb'"):
        traffic.read(LAB / samples.FILES["alb"], column=3)


def test_counts_of_several_series_are_summed_per_interval():
    text = ("Time,2xx,5xx\n2026-11-02T09:00:00Z,58,3\n2026-11-02T09:01:00Z,40,0\n"
            "2026-11-02T09:02:00Z,0,2\n")
    trace = traffic.read(text, format="counts", count_column="all")
    assert len(trace) == 103 and trace.interval_s == 60.0
    assert np.bincount((trace.timestamps_s // 60).astype(int)).tolist() == [61, 40, 2]
    assert len(traffic.read(text, format="counts", count_column=["5xx"])) == 5
    with pytest.raises(ValueError, match=r"line 3: count -1 is not allowed"):
        traffic.read(text.replace(",40,", ",-1,"), format="counts", count_column="all")
