"""Reproducibility, common random numbers, replayed traces, and refusal of bad input."""
import numpy as np
import pandas as pd
import pytest

import sim
from sim import (CloudRunConfig, Diurnal, Exponential, Fixed, LambdaConfig, LogNormal, OnOff, Poisson, Replay,
                 Spike, Workload, compare, simulate)

WORKLOAD = Workload(Poisson(15), duration_s=120, cpu_ms=LogNormal(30, 120), io_ms=Exponential(60))


def test_same_seed_gives_identical_tables():
    for config in (LambdaConfig(dispatch="random"), CloudRunConfig()):
        a, b = simulate(WORKLOAD, config, seed=5), simulate(WORKLOAD, config, seed=5)
        pd.testing.assert_frame_equal(a.requests, b.requests)
        pd.testing.assert_frame_equal(a.instances, b.instances)


def test_different_seeds_give_different_arrivals():
    a, b = simulate(WORKLOAD, LambdaConfig(), seed=1), simulate(WORKLOAD, LambdaConfig(), seed=2)
    assert not np.array_equal(a.requests["arrival_s"], b.requests["arrival_s"][: len(a.requests)])


def test_changing_a_platform_parameter_leaves_arrivals_and_work_unchanged():
    results = compare(WORKLOAD, LambdaConfig(), LambdaConfig(name="big", memory_mb=3008, keep_alive_s=60),
                      CloudRunConfig(), CloudRunConfig(name="cpu-capped", max_concurrency=1), seed=3)
    tables = [r.requests[["arrival_s", "cpu_ms", "io_ms"]] for r in results.values()]
    for other in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], other)
    assert list(results) == ["Lambda", "big", "Cloud Run", "cpu-capped"]
    assert results["big"].requests["service_s"].mean() < results["Lambda"].requests["service_s"].mean()


def test_comparison_table_puts_platforms_side_by_side():
    table = compare(WORKLOAD, LambdaConfig(), CloudRunConfig(), seed=3).table()
    assert list(table.columns) == ["Lambda", "Cloud Run"]
    assert table.loc["requests", "Lambda"] == table.loc["requests", "Cloud Run"] > 1000


def test_thinned_arrivals_follow_the_rate_function():
    diurnal = Diurnal(mean_rate_per_s=2.0, peak_to_trough=3.0, period_s=1000.0, peak_at_s=250.0)
    t = Workload(diurnal, duration_s=100_000).draw(0).arrival_s
    phase = np.mod(t, 1000.0)
    peak = np.sum(np.abs(phase - 250) < 50)
    trough = np.sum(np.abs(phase - 750) < 50)
    # Expected ratio of counts in +-50 s windows around peak and trough: integral of 1 +- a*cos.
    a = 0.5
    ratio = (1 + a * np.sin(np.pi / 10) / (np.pi / 10)) / (1 - a * np.sin(np.pi / 10) / (np.pi / 10))
    se = ratio * np.sqrt(1 / peak + 1 / trough)
    assert abs(peak / trough - ratio) < 4 * se
    assert t.size == pytest.approx(200_000, abs=4 * np.sqrt(200_000))


def test_on_off_and_spike_send_nothing_outside_their_active_periods():
    t = Workload(OnOff(50, on_s=10, off_s=90), duration_s=1000).draw(1).arrival_s
    assert np.all(np.mod(t, 100) < 10)
    s = Workload(Spike(0, 100, spike_start_s=30, spike_duration_s=5), duration_s=100).draw(1).arrival_s
    assert s.min() >= 30 and s.max() < 35 and s.size > 300


def test_lognormal_hits_its_median_and_p95():
    n = 200_000
    x = LogNormal(median_ms=100, p95_ms=400).sample(np.random.default_rng(0), n)
    sigma = np.log(4.0) / 1.6449
    # A sample p-quantile's standard error is sqrt(p (1 - p) / n) / f(q), f the density at the quantile q.
    density = lambda q: np.exp(-0.5 * (np.log(q / 100) / sigma) ** 2) / (q * sigma * np.sqrt(2 * np.pi))
    quantile_se = lambda p, q: np.sqrt(p * (1 - p) / n) / density(q)
    assert abs(np.median(x) - 100) <= 4 * quantile_se(0.5, 100.0)
    assert abs(np.percentile(x, 95) - 400) <= 4 * quantile_se(0.95, 400.0)
    assert abs(x.mean() - LogNormal(100, 400).mean_ms) <= 4 * x.std(ddof=1) / np.sqrt(n)


def test_replay_reads_seconds_and_iso_datetimes_from_csv(tmp_path):
    path = tmp_path / "trace.csv"
    path.write_text("timestamp_s\n3.5\n0\n1.25\n")
    assert Replay.from_csv(path).timestamps_s.tolist() == [0.0, 1.25, 3.5]
    text = "when,route\n2026-11-27T10:00:00Z,/a\n2026-11-27T10:00:02.5Z,/b\n"
    assert Replay.from_csv(text, column="when").timestamps_s.tolist() == [0.0, 2.5]
    assert Workload(Replay.from_csv(path)).duration_s > 3.5


@pytest.mark.parametrize("text, kwargs, expected", [
    # CloudWatch Logs Insights export: a header, a space between date and time, no zone.
    ('"@timestamp","@message"\n"2026-11-27 10:00:00.000","GET /"\n"2026-11-27 10:00:01.500","GET /a"\n', {}, [0.0, 1.5]),
    # Cloud Logging / BigQuery export: a trailing " UTC".
    ("timestamp\n2026-11-27 10:00:03 UTC\n2026-11-27 10:00:00 UTC\n", {}, [0.0, 3.0]),
    # Zone offsets written without a colon, and a nanosecond-precision "Z".
    ("2026-11-27T10:00:00+0000\n2026-11-27T11:00:00+0100\n2026-11-27T10:00:00.25Z\n", {}, [0.0, 0.0, 0.25]),
    # Unix seconds and Unix milliseconds, no header: made relative to the earliest.
    ("1764237600.5\n1764237600\n1764237610\n", {}, [0.0, 0.5, 10.0]),
    ("1764237600000\n1764237600250\n", {}, [0.0, 0.25]),
    # Seconds since the trace began stay as they are; milliseconds on request.
    ("2\n5\n", {}, [2.0, 5.0]),
    ("2\n5\n", {"unit": "ms"}, [0.002, 0.005]),
    ("100\n160\n", {"unit": "epoch_s"}, [0.0, 60.0]),
])
def test_csv_reads_the_exports_people_make(text, kwargs, expected):
    assert Replay.from_csv(text, **kwargs).timestamps_s.tolist() == pytest.approx(expected, abs=1e-9)


def test_csv_unit_must_be_known():
    with pytest.raises(ValueError, match="unit='minutes'"):
        Replay.from_csv("1\n2\n", unit="minutes")


@pytest.mark.parametrize("text, line", [("t\n1\n2\nabc\n", 4), ("1\n-2\n", 2), ("0\n1\n\n2024-01-01T00:00:00\n", 4),
                                        ("0\nnan\n", 2)])
def test_a_bad_csv_row_is_refused_with_its_line_number(text, line):
    with pytest.raises(ValueError, match=f"line {line}"):
        Replay.from_csv(text)


def test_every_run_is_bounded_by_the_request_cap():
    with pytest.raises(ValueError, match="max_requests"):
        Workload(Poisson(10_000), duration_s=86_400)
    with pytest.raises(ValueError, match="lower the arrival rate"):
        Workload(Poisson(100), duration_s=100, max_requests=5_000)


BAD_INPUTS = [
    ("memory_mb", lambda: LambdaConfig(memory_mb=64)),
    ("memory_mb", lambda: LambdaConfig(memory_mb=20_000)),
    ("architecture", lambda: LambdaConfig(architecture="sparc")),
    ("runtime", lambda: LambdaConfig(runtime="cobol")),
    ("keep_alive_s", lambda: LambdaConfig(keep_alive_s=-1)),
    ("concurrency_limit", lambda: LambdaConfig(concurrency_limit=0)),
    ("provisioned_concurrency", lambda: LambdaConfig(concurrency_limit=10, provisioned_concurrency=11)),
    ("dispatch", lambda: LambdaConfig(dispatch="newest")),
    ("timeout_s", lambda: LambdaConfig(timeout_s=901)),
    ("init_ms", lambda: LambdaConfig(init_ms=20_000)),
    ("package_mb", lambda: LambdaConfig(package_mb=float("nan"))),
    ("max_concurrency", lambda: CloudRunConfig(max_concurrency=1001)),
    ("max_concurrency", lambda: CloudRunConfig(max_concurrency=0)),
    ("min_instances", lambda: CloudRunConfig(min_instances=5, max_instances=2)),
    ("vcpu", lambda: CloudRunConfig(vcpu=3)),
    ("memory_gib", lambda: CloudRunConfig(vcpu=1, memory_gib=8)),
    ("memory_gib", lambda: CloudRunConfig(vcpu=8, memory_gib=2)),       # 8 vCPU need 4-32 GiB (facts.md s.6)
    ("memory_gib", lambda: CloudRunConfig(vcpu=4, memory_gib=1)),       # 4 vCPU need 2-16 GiB
    ("billing", lambda: CloudRunConfig(vcpu=0.5, max_concurrency=1, billing="instance")),
    ("max_concurrency", lambda: CloudRunConfig(vcpu=0.5, max_concurrency=10)),
    ("billing", lambda: CloudRunConfig(billing="monthly")),
    ("request_timeout_s", lambda: CloudRunConfig(request_timeout_s=4000)),
    ("target_cpu_utilization", lambda: CloudRunConfig(target_cpu_utilization=0.95)),
    ("runtime", lambda: CloudRunConfig(runtime="dotnet")),
    ("rate_per_s", lambda: Poisson(-1)),
    ("peak_to_trough", lambda: Diurnal(1.0, peak_to_trough=0.5)),
    ("on_s", lambda: OnOff(10, on_s=0, off_s=5)),
    ("p95_ms", lambda: LogNormal(median_ms=100, p95_ms=50)),
    ("mean_ms", lambda: Exponential(-5)),
    ("ms", lambda: Fixed(float("inf"))),
    ("duration_s", lambda: Workload(Poisson(1), duration_s=0)),
    ("duration_s", lambda: Workload(Poisson(1))),
    ("mode", lambda: Workload(Poisson(1), duration_s=10, mode="batch")),
    ("cpu_ms", lambda: Workload(Poisson(1), duration_s=10, cpu_ms=50)),
    ("timestamps_s", lambda: Replay([1.0, -3.0])),
    ("seed", lambda: simulate(Workload(Poisson(1), duration_s=10), LambdaConfig(), seed=-1)),
    ("config", lambda: simulate(Workload(Poisson(1), duration_s=10), "lambda")),
    ("configs", lambda: compare(Workload(Poisson(1), duration_s=10), LambdaConfig(), LambdaConfig())),
]


@pytest.mark.parametrize("name, make", BAD_INPUTS, ids=[f"{n}-{k}" for k, (n, _m) in enumerate(BAD_INPUTS)])
def test_bad_input_raises_value_error_naming_the_parameter(name, make):
    with pytest.raises(ValueError, match=name):
        make()


def test_error_message_gives_value_and_allowed_range():
    with pytest.raises(ValueError, match=r"memory_mb=64 is out of range; expected an integer in \[128, 10240\]"):
        LambdaConfig(memory_mb=64)


def test_public_names_are_exported():
    for name in sim.__all__:
        assert hasattr(sim, name)


def test_growth_ramps_linearly_to_its_factor():
    from sim import Growth
    g = Growth(base_rate_per_s=10.0, factor=3.0, start_s=100.0, ramp_s=50.0)
    assert g.rate_at([0.0, 100.0, 125.0, 150.0, 1000.0]).tolist() == [10.0, 10.0, 20.0, 30.0, 30.0]
    with pytest.raises(ValueError, match="ramp_s"):
        Growth(base_rate_per_s=10.0, factor=3.0, start_s=0.0, ramp_s=0.0)


# ---------------------------------------------------------------- what a practitioner's export looks like
@pytest.mark.parametrize("unit_s", [1.0, 1e-3, 1e-6, 1e-9])
def test_replay_tells_unix_seconds_ms_us_and_ns_apart(unit_s):
    start = 1_793_577_600                                    # 2026-11-02 in Unix seconds
    text = "\n".join(f"{(start + t) / unit_s:.0f}" for t in (0.0, 0.5, 2.0)) if unit_s < 1e-6 else \
        "\n".join(f"{(start + t) / unit_s:.6f}" for t in (0.0, 0.5, 2.0))
    assert Replay.from_csv(text).timestamps_s == pytest.approx([0.0, 0.5, 2.0], abs=1e-6 if unit_s < 1e-6 else 1e-9)


def test_replay_reads_milliseconds_since_the_start_only_when_told():
    assert Replay.from_csv("0\n500\n2000", unit="ms").timestamps_s.tolist() == [0.0, 0.5, 2.0]
    assert Replay.from_csv("0\n500\n2000").timestamps_s.tolist() == [0.0, 500.0, 2000.0]   # "auto": seconds


def test_replay_drops_a_byte_order_mark_and_keeps_the_first_request(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff1.5\n3\n".encode("utf-8"))          # Excel's "CSV UTF-8", no header
    assert Replay.from_csv(path).timestamps_s.tolist() == [1.5, 3.0]
    assert Replay.from_csv("\ufeff1.5\n3\n").timestamps_s.tolist() == [1.5, 3.0]


def test_replay_errors_say_what_to_change(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"source='no_such_file.csv' is not allowed: there is no such file"):
        Replay.from_csv("no_such_file.csv")
    with pytest.raises(ValueError, match=r"line 2: 'GET' is not a timestamp.*pass column="):
        Replay.from_csv("method,time\nGET,1.0\n")
    with pytest.raises(ValueError, match=r"line 2: '1;/a'.*separated by ';'"):
        Replay.from_csv("time;path\n1;/a\n")
    with pytest.raises(ValueError, match=r"line 2: '2026-11-02T09:00:01' mixes date-times with and without a time zone"):
        Replay.from_csv("2026-11-02T09:00:00Z\n2026-11-02T09:00:01\n")
