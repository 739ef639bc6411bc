"""A run becomes a row in one place: sim.result.request_figures and Result.figures (Result.summary picks from it)."""
import math

import numpy as np
import pandas as pd
import pytest

from sim import CloudRunConfig, Exponential, LambdaConfig, Poisson, Workload, simulate
from sim.experiments import _common
from sim.result import SUMMARY_KEYS, request_figures


def _requests(latency_s, status, cold, instance_id, wait_s):
    return pd.DataFrame({"latency_s": latency_s, "status": pd.Categorical(status), "cold": cold,
                         "instance_id": instance_id, "wait_s": wait_s})


def test_request_figures_of_a_small_table_by_hand():
    # Four served requests (0.1, 0.2, 0.3, 0.4 s; the first cold), one refused (never placed).
    table = _requests([0.1, 0.2, 0.3, 0.4, 0.0], ["ok"] * 4 + ["throttled"], [True, False, False, False, False],
                      [0, 0, 1, 1, -1], [0.0, 0.05, 0.0, 0.25, 0.0])
    figures = request_figures(table)
    assert figures["requests"] == 5 and figures["ok"] == 4 and figures["throttled"] == 1
    assert figures["timed_out"] == 0
    assert figures["throttle_rate"] == pytest.approx(0.2)
    assert figures["cold_starts"] == 1 and figures["cold_start_rate"] == pytest.approx(0.25)   # of the 4 placed
    assert figures["latency_mean_ms"] == pytest.approx(250.0)
    assert figures["latency_p50_ms"] == pytest.approx(250.0)          # halfway between 200 and 300
    assert figures["latency_p99_ms"] == pytest.approx(397.0)          # 300 + 0.97 x 100 (linear interpolation)
    assert figures["wait_max_s"] == pytest.approx(0.25)


def test_request_figures_of_no_requests_are_zero_counts_and_missing_latency():
    figures = request_figures(_requests([], [], [], [], []))
    assert figures["requests"] == 0 and figures["throttle_rate"] == 0.0 and figures["wait_max_s"] == 0.0
    assert math.isnan(figures["latency_p99_ms"]) and math.isnan(figures["latency_mean_ms"])


@pytest.fixture(scope="module")
def result():
    workload = Workload(Poisson(rate_per_s=4.0), duration_s=120.0, cpu_ms=Exponential(mean_ms=30.0),
                        io_ms=Exponential(mean_ms=60.0))
    return simulate(workload, CloudRunConfig(), seed=3)


def test_summary_is_the_figures_under_its_keys(result):
    figures, summary = result.figures(), result.summary()
    assert tuple(summary) == SUMMARY_KEYS
    assert summary == {key: figures[key] for key in SUMMARY_KEYS}
    assert figures["monthly_usd"] == result.bill().monthly_usd
    # the latency a row reports is the percentile of the served requests' own latencies
    served_ms = result.requests.loc[result.requests["status"] == "ok", "latency_s"].to_numpy() * 1000.0
    assert figures["latency_p99_ms"] == np.percentile(served_ms, 99)
    assert figures["requests"] == len(result.requests) > 400


def test_an_experiment_row_carries_the_runs_labels_and_its_figures():
    workload = Workload(Poisson(rate_per_s=2.0), duration_s=60.0)
    run = _common.Run(workload, LambdaConfig(name="L"), seed=4, labels=(("rate_per_s", 2.0),))
    row = _common.run_metrics(run)
    figures = simulate(workload, run.config, seed=4).figures()
    assert list(row)[:4] == ["rate_per_s", "config", "platform", "seed"]
    assert row["config"] == "L" and row["seed"] == 4 and row["rate_per_s"] == 2.0
    assert {key: row[key] for key in _common.RUN_COLUMNS} == {key: figures[key] for key in _common.RUN_COLUMNS}
