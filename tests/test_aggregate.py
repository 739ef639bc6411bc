"""sim.aggregate: a run reduced to mergeable figures equals its tables wherever both exist."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import (CloudRunConfig, Exponential, LambdaConfig, LambdaManagedInstancesConfig, LogNormal, OnOff,
                 Workload)
from sim import aggregate as ag
from sim.randomness import streams
from sim.result import Result
from sim.run import run_draws

WORKLOAD = Workload(OnOff(rate_on_per_s=30.0, on_s=60.0, off_s=400.0), duration_s=3000.0,
                    cpu_ms=Exponential(mean_ms=80.0), io_ms=Exponential(mean_ms=50.0))
CONFIGS = [LambdaConfig(), LambdaConfig(name="Lambda PC", provisioned_concurrency=3, init_billed=False),
           CloudRunConfig(), CloudRunConfig(name="Cloud Run min 2", min_instances=2),
           CloudRunConfig(name="Cloud Run instance", billing="instance", min_instances=1),
           LambdaManagedInstancesConfig()]
BILL_OPTIONS = {"lambda": [{}, {"free_tier": True}, {"rounding_ms": 100, "volume_tiers": False}],
                "cloudrun": [{}, {"free_tier": True}], "lmi": [{}]}
EXACT = ["window_s", "requests", "ok", "throttled", "timed_out", "throttle_rate", "cold_starts", "cold_start_rate",
         "peak_instances", "instances_started"]


def run(config, seed=3):
    ledger, end_s = run_draws(config, WORKLOAD.draw(seed), WORKLOAD.mode, WORKLOAD.duration_s, streams(seed))
    return ledger, end_s, Result(config, WORKLOAD, seed, ledger, end_s)


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda c: c.name)
def case(request):
    ledger, end_s, result = run(request.param)
    return request.param, ledger, end_s, result


def test_the_aggregates_equal_the_tables(case):
    config, ledger, end_s, result = case
    agg = ag.Aggregate.from_ledger(config, ledger, end_s, step_s=60.0)
    table, figures = result.summary(), agg.summary()
    assert table["requests"] > 5000 and table["instances_started"] > 0
    for key in EXACT:
        assert figures[key] == table[key], key
    assert figures["latency_mean_ms"] == pytest.approx(table["latency_mean_ms"], rel=1e-12)
    assert figures["mean_instances"] == pytest.approx(table["mean_instances"], rel=1e-12)
    for q in (50, 95, 99):   # the histogram's stated error
        exact = table[f"latency_p{q}_ms"]
        assert abs(figures[f"latency_p{q}_ms"] - exact) <= ag.RELATIVE_ERROR * exact
    np.testing.assert_array_equal(agg.timeline()["instances"], result.timeline(60.0)["instances"])
    np.testing.assert_array_equal(agg.timeline()["t_s"], result.timeline(60.0)["t_s"])
    for options in BILL_OPTIONS[config.platform]:
        mine, theirs = agg.bill(**options), result.bill() if not options else _bill(result, options)
        assert mine.total_usd > 0
        pd.testing.assert_frame_equal(mine.lines, theirs.lines)   # every line, to the last bit
        assert mine.title == theirs.title and mine.notes == theirs.notes


def _bill(result, options):
    from sim.billing import bill
    return bill(result, **options)


def test_the_tables_reduce_like_the_ledger(case):
    config, ledger, end_s, result = case
    a, b = ag.Aggregate.from_ledger(config, ledger, end_s), ag.Aggregate.from_result(result)
    assert a.summary() == b.summary()
    np.testing.assert_array_equal(a.latency_counts, b.latency_counts)


def test_two_halves_merge_into_the_whole(case):
    """Cores [0, T/2) and [T/2, end] of one run add up to the whole run: counts and histograms exactly,
    bills to the cent (an instance alive across the cut is rounded to 100 ms in each half)."""
    config, ledger, end_s, result = case
    half = WORKLOAD.duration_s / 2
    parts = [ag.Aggregate.from_ledger(config, ledger, end_s, core_s=core, step_s=60.0)
             for core in ((0.0, half), (half, math.inf))]
    merged, whole = ag.Aggregate.merge(parts), ag.Aggregate.from_ledger(config, ledger, end_s, step_s=60.0)
    assert merged.core_s == whole.core_s == (0.0, end_s)
    for key in ag.SUMS:
        assert getattr(merged, key) == getattr(whole, key), key
    assert parts[0].requests > 0 and parts[1].requests > 0
    np.testing.assert_array_equal(merged.latency_counts, whole.latency_counts)
    np.testing.assert_array_equal(merged.timeline_instances, whole.timeline_instances)
    assert merged.alive_s == pytest.approx(whole.alive_s, rel=1e-12)
    assert merged.peak_instances == whole.peak_instances
    assert abs(merged.bill().total_usd - result.bill().total_usd) < 0.005
    assert len(merged.parts) == 2 and merged.batch_se("cold_start_rate") >= 0


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 99, 99.9, 100])
def test_histogram_percentiles_are_within_the_stated_error(q):
    rng = np.random.default_rng(7)
    latency_s = np.concatenate([LogNormal(median_ms=50.0, p95_ms=2000.0).sample(rng, 20_000) / 1000.0,
                                rng.uniform(1e-5, 1e4, 200)])
    counts = ag.latency_counts(latency_s)
    assert counts.sum() == latency_s.size
    exact = np.percentile(latency_s, q)
    assert abs(ag.histogram_percentile(counts, q)[0] - exact) <= ag.RELATIVE_ERROR * exact
    assert ag.RELATIVE_ERROR <= 0.01


def test_zero_and_tiny_latencies_have_their_own_buckets():
    counts = ag.latency_counts(np.array([0.0, 0.0, 1e-9, 2.0, 1e9]))
    assert counts[0] == 2 and counts[1] == 1 and counts[-1] == 1 and counts.sum() == 5
    assert ag.histogram_percentile(counts, 0)[0] == 0.0
    assert np.isnan(ag.histogram_percentile(np.zeros_like(counts), 50)[0])


def test_bad_merges_and_steps_are_refused(case):
    config, ledger, end_s, _ = case
    with pytest.raises(ValueError, match=r"parts=\[\]"):
        ag.Aggregate.merge([])
    a = ag.Aggregate.from_ledger(config, ledger, end_s, core_s=(0.0, 100.0))
    b = ag.Aggregate.from_ledger(config, ledger, end_s, core_s=(200.0, 300.0))
    with pytest.raises(ValueError, match=r"expected consecutive windows"):
        ag.Aggregate.merge([a, b])
    with pytest.raises(ValueError, match=r"step_s=0.0 is out of range; expected a number > 0"):
        ag.Aggregate.from_ledger(config, ledger, end_s, step_s=0.0)
