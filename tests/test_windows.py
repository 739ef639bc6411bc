"""sim.windows: a long workload in windows matches one run, and does not depend on the executor."""
from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from sim import (CloudRunConfig, Diurnal, Exponential, LambdaConfig, LambdaManagedInstancesConfig, Poisson, Replay,
                 Workload, compare)
from sim import windows as win
from sim.distributions import Recorded
from sim.result import Result
from sim.run import run_draws
from sim.workload import Draws

CONFIGS = (LambdaConfig(), CloudRunConfig(), LambdaManagedInstancesConfig())
EXACT = ["requests", "ok", "throttled", "timed_out", "cold_starts", "cold_start_rate", "peak_instances",
         "instances_started", "cost_usd"]

# A 12-hour trace with a 6-hour cycle (peak/trough 4) at 2 requests/s on average, each request with its own
# recorded work (20% CPU), so that one run and the windows see the same arrivals and work.
TRACE_S, WINDOW_S = 43_200.0, 5_400.0


@pytest.fixture(scope="module")
def trace():
    rng = np.random.default_rng(11)
    ts = Diurnal(mean_rate_per_s=2.0, peak_to_trough=4.0, period_s=21_600.0, peak_at_s=10_800.0).times(rng, TRACE_S)
    duration_ms = rng.lognormal(np.log(150.0), 0.6, ts.size)
    return Workload(Replay(ts), duration_s=TRACE_S, cpu_ms=Recorded(duration_ms * 0.2),
                    io_ms=Recorded(duration_ms * 0.8))


@pytest.fixture(scope="module")
def one_run(trace):
    return compare(trace, *CONFIGS, seed=1)


def batch_means_se(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(values.size))


def per_window(result: Result, metric: str) -> list[float]:
    """The single run's figure in each window's core (batches of the same length as the windows)."""
    req = result.requests
    k = (req["arrival_s"].to_numpy() // WINDOW_S).astype(int)
    out = []
    for j in range(int(TRACE_S // WINDOW_S)):
        part = req[k == j]
        if metric == "cold_start_rate":
            out.append(float(part.loc[part["instance_id"] >= 0, "cold"].mean()))
        else:
            out.append(float(np.percentile(part.loc[part["status"] == "ok", "latency_s"] * 1000.0, 99)))
    return out


def test_windows_match_one_run(trace, one_run):
    """Bills within 0.5%; cold-start shares and p99 within 2 standard errors (batch means over the windows)
    of their difference."""
    runs = win.compare_windows(trace, *CONFIGS, seed=1, window_s=WINDOW_S, executor=None)
    assert win.warmup_for(CONFIGS) == 1800.0
    for config in CONFIGS:
        single, windowed = one_run[config.name].summary(), runs[config.name].summary()
        assert windowed["requests"] == single["requests"] == len(trace.arrivals.timestamps_s)
        assert len(runs[config.name].parts) == 8
        assert abs(windowed["cost_usd"] / single["cost_usd"] - 1) <= 0.005
        for metric in ("cold_start_rate", "latency_p99_ms"):
            se = math.hypot(batch_means_se(per_window(one_run[config.name], metric)),
                            runs[config.name].batch_se(metric))
            assert abs(windowed[metric] - single[metric]) <= 2 * se + 1e-12, (config.name, metric)
    assert one_run["Lambda"].summary()["cold_starts"] > 10   # the comparison has cold starts to compare


def test_without_a_warm_up_every_window_starts_cold(trace, one_run):
    """The warm-up is what makes the windows match: without it Cloud Run's cold starts are many times those of
    one run (each window starts with no instance)."""
    runs = win.compare_windows(trace, CONFIGS[1], seed=1, window_s=WINDOW_S, warmup_s=0.0, executor=None)
    assert runs["Cloud Run"].cold_starts >= 5 * max(one_run["Cloud Run"].summary()["cold_starts"], 1)


LONG = win.LongWorkload(Diurnal(mean_rate_per_s=3.0, period_s=7_200.0), duration_s=7_200.0,
                        cpu_ms=Exponential(mean_ms=20.0), io_ms=Exponential(mean_ms=180.0))


@pytest.fixture(scope="module")
def serial():
    return win.compare_windows(LONG, *CONFIGS, seed=5, window_s=1_800.0, executor=None)


def assert_same(a, b):
    for name in a:
        assert a[name].summary() == b[name].summary()
        np.testing.assert_array_equal(a[name].latency_counts, b[name].latency_counts)
        np.testing.assert_array_equal(a[name].timeline_instances, b[name].timeline_instances)
        assert a[name].bill().lines.equals(b[name].bill().lines)


def test_one_and_two_workers_give_identical_answers(serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert_same(win.compare_windows(LONG, *CONFIGS, seed=5, window_s=1_800.0, executor=pool), serial)
    assert_same(win.compare_windows(LONG, *CONFIGS, seed=5, window_s=1_800.0, max_workers=1), serial)
    other = win.compare_windows(LONG, CONFIGS[0], seed=6, window_s=1_800.0, executor=None)
    assert other["Lambda"].requests != serial["Lambda"].requests   # the seed does matter


def test_a_dask_cluster_gives_identical_answers(serial):
    from dask import distributed   # pinned in requirements.txt: a missing dask fails here, it does not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert_same(win.compare_windows(LONG, *CONFIGS, seed=5, window_s=1_800.0, executor=client.get_executor()),
                    serial)


def test_one_window_is_one_ordinary_run():
    """With one window, the windows' figures are those of Result's tables for the same draws (window 0's seed)."""
    workload = Workload(Poisson(rate_per_s=4.0), duration_s=1_200.0, cpu_ms=Exponential(mean_ms=50.0))
    for config in CONFIGS:
        agg = win.simulate_windows(workload, config, seed=2, window_s=3_600.0, executor=None)
        rng = win.window_streams(2, 0)
        t = workload.arrivals.times(rng["arrivals"], workload.duration_s)
        draws = Draws(t, workload.cpu_ms.sample(rng["cpu"], t.size), workload.io_ms.sample(rng["io"], t.size))
        result = Result(config, workload, 2, *run_draws(config, draws, workload.mode, workload.duration_s, rng))
        table, figures = result.summary(), agg.summary()
        assert table["requests"] > 4000
        for key in EXACT:
            assert figures[key] == table[key], (config.name, key)


def test_the_spawned_seeds_are_those_of_seedsequence_spawn():
    children = np.random.SeedSequence(9).spawn(3)
    for k in range(3):
        mine = win.window_streams(9, k)["arrivals"].random(3)
        theirs = np.random.default_rng(children[k].spawn(5)[0]).random(3)
        np.testing.assert_array_equal(mine, theirs)


def test_a_replay_window_ships_only_its_slice(trace):
    windows = win.plan(TRACE_S, WINDOW_S, 1_800.0)
    jobs = win._jobs(win.LongWorkload.of(trace), CONFIGS[:1], windows, 1, 300.0)
    sizes = [job.timestamps_s.size for job in jobs]
    assert sum(sizes) > trace.arrivals.timestamps_s.size   # the warm-ups overlap
    assert max(sizes) < trace.arrivals.timestamps_s.size / 4
    assert all(job.cpu_ms.size == job.timestamps_s.size for job in jobs)


def test_the_plan_covers_the_span_once():
    windows = win.plan(10_000.0, 3_000.0, 500.0)
    assert [(w.run_start_s, w.core_start_s, w.core_end_s, w.last) for w in windows] == [
        (0.0, 0.0, 3000.0, False), (2500.0, 3000.0, 6000.0, False), (5500.0, 6000.0, 9000.0, False),
        (8500.0, 9000.0, 10000.0, True)]


@pytest.mark.parametrize("options, message", [
    (dict(window_s=0.0), r"window_s=0.0 is out of range; expected a number in \[1, 3.16224e\+07\]"),
    (dict(warmup_s=-1.0), r"warmup_s=-1.0 is out of range; expected a number in \[0, 86400\]"),
    (dict(executor="thread"), r"executor='thread' is not allowed; expected one of 'process'"),
    (dict(executor=42), r"executor=42 is not allowed; expected 'process', None or a concurrent.futures.Executor"),
    (dict(seed=-1), r"seed=-1 is out of range; expected an integer >= 0"),
    (dict(step_s=0.0), r"step_s=0.0 is out of range; expected a number in \[0.001, 86400\]"),
    (dict(max_workers=0), r"max_workers=0 is out of range; expected an integer in \[1, 1024\]"),
    (dict(window_memory_bytes=1000), r"window_s=1800.0 is out of range: a window sends up to about [\d,]+ requests "
                                     r"and needs about 0.00 GiB, above window_memory_bytes=1,000; lower window_s"),
])
def test_bad_inputs_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        win.compare_windows(LONG, CONFIGS[0], **{"window_s": 1_800.0, **options})


def test_bad_workloads_and_configs_are_refused():
    with pytest.raises(ValueError, match=r"configs=\(\) is not allowed"):
        win.compare_windows(LONG)
    with pytest.raises(ValueError, match=r"expected distinct names"):
        win.compare_windows(LONG, LambdaConfig(), LambdaConfig())
    with pytest.raises(ValueError, match=r"workload='month' is not allowed; expected a sim.Workload or a "
                                         r"sim.windows.LongWorkload"):
        win.compare_windows("month", LambdaConfig())
    with pytest.raises(ValueError, match=r"duration_s=0.0 is out of range; expected a number in \(0, 3.16224e\+07\]"):
        win.LongWorkload(Poisson(1.0), duration_s=0.0)
    with pytest.raises(ValueError, match=r"mode='batch' is not allowed; expected one of 'sync', 'queue'"):
        win.LongWorkload(Poisson(1.0), duration_s=10.0, mode="batch")
    with pytest.raises(ValueError, match=r"above 10,000,000,000; lower the arrival rate or duration_s"):
        win.LongWorkload(Poisson(1e6), duration_s=366 * 86_400)
    with pytest.raises(ValueError, match=r"cpu_ms=Recorded\(2 values.* expected Replay arrivals with one recorded"):
        win.LongWorkload(Poisson(1.0), duration_s=10.0, cpu_ms=Recorded([1.0, 2.0]))


def test_windows_match_one_run_with_minimum_instances_provisioned_concurrency_and_instance_billing(trace):
    """The bill rules that are not per request (provisioned concurrency configured for the whole span, idle
    minimum instances, instance-based lifetimes with a 1-minute minimum) merge across windows within 0.5%."""
    configs = (LambdaConfig(name="Lambda PC", provisioned_concurrency=2),
               CloudRunConfig(name="Cloud Run min 2", min_instances=2),
               CloudRunConfig(name="Cloud Run instance", billing="instance", min_instances=1, idle_timeout_s=60.0))
    single = compare(trace, *configs, seed=1)
    runs = win.compare_windows(trace, *configs, seed=1, window_s=WINDOW_S, executor=None)
    for config in configs:
        one, windowed = single[config.name].summary(), runs[config.name].summary()
        assert abs(windowed["cost_usd"] / one["cost_usd"] - 1) <= 0.005, config.name
        assert windowed["instances_started"] == one["instances_started"], config.name


def test_a_trace_read_in_chunks_gives_the_answer_of_the_whole_trace(tmp_path):
    """compare_chunks on a CSV read with pandas in chunks equals compare_windows on the same timestamps as one
    Replay (same seed, same windows), on one worker and on two."""
    import pandas as pd
    rng = np.random.default_rng(3)
    ts = Diurnal(mean_rate_per_s=2.0, period_s=7_200.0).times(rng, 7_200.0)
    path = tmp_path / "trace.csv"
    pd.DataFrame({"t_s": ts}).to_csv(path, index=False)
    work = dict(cpu_ms=Exponential(mean_ms=20.0), io_ms=Exponential(mean_ms=180.0))
    whole = win.compare_windows(Workload(Replay(ts), duration_s=7_200.0, **work), *CONFIGS, seed=4,
                                window_s=1_800.0, executor=None)
    chunks = (c["t_s"].to_numpy() for c in pd.read_csv(path, chunksize=997))
    assert_same(win.compare_chunks(chunks, *CONFIGS, duration_s=7_200.0, seed=4, window_s=1_800.0, executor=None,
                                   **work), whole)
    with ProcessPoolExecutor(max_workers=2) as pool:
        chunks = (c["t_s"].to_numpy() for c in pd.read_csv(path, chunksize=5_000))
        assert_same(win.compare_chunks(chunks, *CONFIGS, duration_s=7_200.0, seed=4, window_s=1_800.0,
                                       executor=pool, **work), whole)
    assert whole["Lambda"].requests == ts.size


def test_chunks_out_of_order_or_with_recorded_work_are_refused():
    with pytest.raises(ValueError, match=r"timestamp 3 of the chunks, 1.0, is not allowed; expected finite seconds "
                                         r">= 0, in order across chunks"):
        win.compare_chunks(iter([[0.0, 2.0], [3.0, 1.0]]), LambdaConfig(), duration_s=10.0, executor=None)
    with pytest.raises(ValueError, match=r"cpu_ms=Recorded\(2 values.*is not allowed"):
        win.compare_chunks(iter([[0.0, 2.0]]), LambdaConfig(), duration_s=10.0, cpu_ms=Recorded([1.0, 2.0]))
