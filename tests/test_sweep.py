"""sim.sweep: a grid of runs on any executor, as one table in grid order; replications into estimates."""
from __future__ import annotations

import concurrent.futures
import io
import math
import time

import numpy as np
import pandas as pd
import pytest

from sim import sweep as sw
from sim.experiments import concurrency_cost as cc
from sim.panels.concurrency_cost import TRAFFIC_CONFIGS, traffic_point

GRID = {"on_fraction": [1.0, 0.1], "io_share": [0.5, 0.9]}
NAMES = [c.name for c in TRAFFIC_CONFIGS]     # each task returns one row per config, in this order


def small_traffic_point(on_fraction, io_share, seed):
    """A real simulation, small enough for a test: the lab-3 traffic panel at 0.2 requests/s."""
    return traffic_point(mean_rate_per_s=0.2, on_fraction=on_fraction, io_share=io_share, seed=seed)


@pytest.fixture(scope="module")
def serial():
    return sw.sweep(small_traffic_point, GRID, replications=2, executor=None)


def test_the_table_has_the_grids_coordinates_replication_and_seed_in_grid_order(serial):
    assert list(serial.columns[:4]) == ["on_fraction", "io_share", "replication", "seed"]
    assert serial.attrs["coordinates"] == ["on_fraction", "io_share"]
    # 4 points x 2 replications x the configs, the last grid name varying fastest, then replication, then config
    assert len(serial) == 4 * 2 * len(NAMES)
    assert serial[["on_fraction", "io_share"]].drop_duplicates().values.tolist() == [[1.0, 0.5], [1.0, 0.9],
                                                                                     [0.1, 0.5], [0.1, 0.9]]
    assert serial["seed"].tolist()[:2 * len(NAMES)] == [1] * len(NAMES) + [2] * len(NAMES)
    assert serial["config"].tolist()[:len(NAMES)] == NAMES


def test_each_row_is_the_task_at_its_point_and_seed(serial):
    row = serial.iloc[2 * len(NAMES) + len(NAMES) + 1]       # (1.0, 0.9), replication 1, the second config
    expected = small_traffic_point(row["on_fraction"], row["io_share"], seed=int(row["seed"]))[1]
    assert row["config"] == NAMES[1] == "Cloud Run" and row["replication"] == 1
    assert row["monthly_usd"] == expected["monthly_usd"] and row["requests"] == expected["requests"]


def test_a_local_process_pool_gives_the_same_table(serial):
    pd.testing.assert_frame_equal(sw.sweep(small_traffic_point, GRID, replications=2, max_workers=2), serial)


def test_a_dask_cluster_gives_the_same_table(serial):
    from dask import distributed   # pinned in requirements.txt: a missing dask fails here, it does not skip
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        table = sw.sweep(small_traffic_point, GRID, replications=2, executor=client.get_executor())
    pd.testing.assert_frame_equal(table, serial)


def _slow_first(x):
    time.sleep(0.3 if x == 0 else 0.0)
    return {"x2": x * x}


def test_the_order_of_results_does_not_depend_on_completion_order():
    done_order = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        table = sw.sweep(lambda x, seed: _slow_first(x), {"x": [0, 1, 2, 3]}, executor=pool,
                         progress=lambda done, total: done_order.append(done))
    assert table["x2"].tolist() == [0, 1, 4, 9]
    assert done_order == [0, 1, 2, 3, 4]


def test_progress_reports_every_run_and_the_text_display_ends_with_the_total():
    calls = []
    sw.sweep(lambda a, seed: {"v": a}, {"a": [1, 2, 3]}, replications=2, executor=None,
             progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 6) for k in range(7)]
    stream = io.StringIO()
    sw.sweep(lambda a, seed: {"v": a}, {"a": [1, 2]}, executor=None, progress=sw.TextProgress("grid", stream))
    assert stream.getvalue().endswith("\rgrid: 2/2 runs\n")


def test_summarise_gives_mean_standard_error_and_a_student_t_interval_per_grid_point():
    table = sw.sweep(lambda a, seed: {"v": a * 10 + seed}, {"a": [1, 2]}, replications=3, executor=None)
    summary = sw.summarise(table)
    first = summary.iloc[0]                                    # a=1: values 11, 12, 13
    assert (first["a"], first["metric"], first["n"], first["mean"]) == (1, "v", 3, 12.0)
    assert first["se"] == pytest.approx(1 / math.sqrt(3))
    assert first["ci95_high"] - first["mean"] == pytest.approx(4.303 / math.sqrt(3))
    assert summary["mean"].tolist() == [12.0, 22.0]


def test_summarise_groups_by_the_tasks_text_columns_too(serial):
    summary = sw.summarise(serial, metrics=["monthly_usd"])
    assert len(summary) == 4 * len(NAMES) and set(summary["config"]) == set(NAMES)
    lam = serial[(serial["config"] == "Lambda") & (serial["on_fraction"] == 1.0) & (serial["io_share"] == 0.5)]
    assert summary.iloc[0]["mean"] == pytest.approx(lam["monthly_usd"].mean())


def test_one_replication_has_no_standard_error():
    summary = sw.summarise(sw.sweep(lambda a, seed: {"v": a}, {"a": [1]}, executor=None))
    assert summary.iloc[0]["mean"] == 1 and np.isnan(summary.iloc[0]["se"]) and np.isnan(summary.iloc[0]["ci95_low"])


def test_the_t_quantile_matches_tables_and_tends_to_the_normal():
    assert sw.t_quantile_975(1) == 12.706 and sw.t_quantile_975(30) == 2.042
    assert sw.t_quantile_975(60) == pytest.approx(2.000, abs=0.002)
    assert sw.t_quantile_975(10_000) == pytest.approx(1.960, abs=0.001)


@pytest.mark.parametrize("kwargs, message", [
    ({"grid": {}}, "grid="), ({"grid": {"a": []}}, "grid\\['a'\\]"), ({"grid": {"seed": [1]}}, "grid name 'seed'"),
    ({"grid": {"a": [1]}, "replications": 0}, "replications=0"),
    ({"grid": {"a": [1]}, "executor": "threads"}, "executor='threads'"),
    ({"grid": {"a": [1]}, "progress": "yes"}, "progress='yes'"),
])
def test_bad_arguments_raise_value_errors_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sw.sweep(lambda a, seed: {"v": a}, executor=kwargs.pop("executor", None), **kwargs)


def test_a_task_row_that_would_overwrite_a_coordinate_is_refused():
    with pytest.raises(ValueError, match="sets itself"):
        sw.sweep(lambda a, seed: {"a": 2}, {"a": [1]}, executor=None)


def test_run_all_in_the_chapters_runs_on_the_same_ordered_map():
    assert cc.run_all(abs, [-3, 2, -1]) == [3, 2, 1]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        assert cc.run_all(_slow_first, [0, 1], pool) == [{"x2": 0}, {"x2": 1}]


def test_summarise_wide_gives_a_row_per_grid_point_with_mean_and_standard_error_columns():
    table = sw.sweep(lambda a, seed: {"v": a * 10 + seed, "w": float(seed)}, {"a": [1, 2]}, replications=3,
                     executor=None)
    wide = sw.summarise(table, ["v", "w"], by=["a"], wide=True)
    assert list(wide.columns) == ["a", "v", "v_se", "w", "w_se"]
    assert wide["v"].tolist() == [12.0, 22.0] and wide["w"].tolist() == [2.0, 2.0]   # seeds 1, 2, 3
    assert wide["v_se"].tolist() == pytest.approx([1 / math.sqrt(3)] * 2)
    long = sw.summarise(table, ["v", "w"], by=["a"])          # the same estimates, one row per metric
    assert long["mean"].tolist() == [12.0, 2.0, 22.0, 2.0] and long["se"].tolist() == pytest.approx(
        wide[["v_se", "w_se"]].to_numpy().ravel().tolist())


def test_summarise_leaves_out_values_that_are_not_finite_and_refuses_a_table_without_replications():
    table = pd.DataFrame({"a": [1, 1, 1], "replication": [0, 1, 2], "v": [1.0, math.nan, 3.0]})
    wide = sw.summarise(table, ["v"], by=["a"], wide=True)
    assert wide["v"].iloc[0] == 2.0 and wide["v_se"].iloc[0] == pytest.approx(1.0)   # of 1 and 3
    with pytest.raises(ValueError, match="'replication' column"):
        sw.summarise(table.drop(columns="replication"), ["v"], by=["a"])
    with pytest.raises(ValueError, match="wide='yes' is not allowed"):
        sw.summarise(table, ["v"], by=["a"], wide="yes")
