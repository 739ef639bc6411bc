"""The experiments behind "Concurrency and cost", "The workload decides" and the two appendices."""
import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from sim import CloudRunConfig, Exponential, LambdaConfig, LambdaManagedInstancesConfig, Replay
from sim.experiments import assumptions, concurrency_cost as cc, decision
from sim.stats import replications


def test_run_all_gives_the_same_rows_on_an_executor_as_one_after_another():
    runs = decision.map_runs(rates_per_hour=(100.0,), on_fractions=(1.0, 0.1), profiles=decision.PROFILES[:1],
                             target_requests=50)
    sequential = cc.run_all(cc.run_metrics, runs)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = cc.run_all(cc.run_metrics, runs, pool)
    assert pd.DataFrame(sequential).equals(pd.DataFrame(parallel))


def test_cpu_bound_requests_slow_down_as_the_concurrency_cap_rises_and_io_bound_ones_do_not():
    runs = cc.latency_vs_concurrency(max_concurrencies=(1, 80), replications=6, duration_s=180.0)
    mean = runs[runs["replication"] == 0].set_index(["profile", "platform", "max_concurrency"])["latency_mean_ms"]
    cpu, io = cc.CPU_BOUND[0], cc.IO_BOUND[0]
    # Cap 1: a request never shares the vCPU, so it takes exactly its 100 ms of CPU.
    assert mean[(cpu, "cloudrun", 1.0)] == pytest.approx(100.0, abs=1.0)
    assert mean[(cpu, "cloudrun", 80.0)] > 1.5 * mean[(cpu, "cloudrun", 1.0)]
    # I/O-bound: waiting shares nothing, so the cap hardly matters (5 ms of CPU at most shared): over six
    # replications (common random numbers) the mean latency at cap 80 is less than 1% above cap 1's, by 4 SE.
    io_runs = runs[(runs["profile"] == io) & (runs["platform"] == "cloudrun")]
    by_cap = io_runs.pivot(index="replication", columns="max_concurrency", values="latency_mean_ms")
    assert replications(by_cap[80.0] / by_cap[1.0] - 1).interval(k=4)[1] < 0.01


def test_lambda_with_one_vcpu_serves_cpu_work_in_exactly_its_duration():
    runs = cc.latency_vs_concurrency(max_concurrencies=(1,), replications=1, duration_s=120.0)
    lam = runs[(runs["platform"] == "lambda") & (runs["profile"] == cc.CPU_BOUND[0])].iloc[0]
    assert lam["latency_p99_ms"] == pytest.approx(100.0, abs=0.5)


def test_one_warm_instance_absorbs_an_io_bound_burst_that_needs_dozens_of_lambda_environments():
    _timeline, summary = cc.burst()
    light = summary[summary["profile"] == cc.BURST_PROFILES[0][0]].set_index("platform")
    # M/G/inf: Lambda needs at least λ·E[S] = 300/s x ~0.107 s environments during the spike.
    assert light.loc["lambda", "peak_instances"] >= 300 * 0.1
    assert light.loc["cloudrun", "peak_instances"] == 1
    assert (summary["throttled"] == 0).all()


def test_lambda_cost_hardly_depends_on_burstiness_but_a_minimum_instance_always_costs_more():
    # Eight seeds, the same seed for both traffic shapes: Lambda's relative cost change from steady to bursty
    # traffic is zero within 4 standard errors, and its 4-SE interval lies inside +-10%.
    changes = []
    for seed in range(1, 9):
        df = cc.cost_vs_burstiness(mean_rates_per_s=(0.5,), on_fractions=(1.0, 0.03), cycle_s=600.0, cycles=2,
                                   seed=seed)
        cost = df.set_index(["config", "on_fraction"])["monthly_usd"]
        changes.append(cost[("Lambda", 0.03)] / cost[("Lambda", 1.0)] - 1)
        for fraction in (1.0, 0.03):
            assert cost[("Cloud Run, 1 min instance", fraction)] > cost[("Cloud Run (scale to zero)", fraction)]
    change = replications(changes)
    assert change.within(0.0, k=4)
    assert -0.1 < change.interval(k=4)[0] and change.interval(k=4)[1] < 0.1


def test_on_off_keeps_the_mean_rate():
    arrivals = cc.on_off(2.0, 0.1, 600.0)
    assert arrivals.mean_rate_per_s == pytest.approx(2.0)
    assert cc.on_off(2.0, 1.0, 600.0).rate_per_s == 2.0
    with pytest.raises(ValueError, match="on_fraction"):
        cc.on_off(2.0, 0.0, 600.0)


def test_lambda_cost_grows_with_io_wait_while_cloud_run_bills_overlapping_waits_once():
    df = cc.cost_vs_io_share(rates_per_s=(50.0,), io_shares=(0.0, 0.98), duration_s=60.0)
    cost = df.set_index(["platform", "io_share"])["monthly_usd"]
    assert cost[("lambda", 0.98)] > 5 * cost[("lambda", 0.0)]
    assert cost[("cloudrun", 0.98)] < 2 * cost[("cloudrun", 0.0)]
    crossing = cc.break_even_io_share(df).iloc[0]
    assert 0.0 < crossing["break_even_io_share"] < 0.98
    assert (crossing["cheaper_cpu_bound"], crossing["cheaper_io_bound"]) == ("Lambda", "Cloud Run")


def test_break_even_is_interpolated_in_log_cost_ratio_and_minus_log_cpu_share():
    df = pd.DataFrame({"rate_per_s": 1.0, "io_share": [0.0, 0.0, 0.9, 0.9],
                       "platform": ["lambda", "cloudrun", "lambda", "cloudrun"],
                       "monthly_usd": [1.0, math.e, math.e, 1.0]})
    row = cc.break_even_io_share(df).iloc[0]
    # log ratio +1 at x = 0 and -1 at x = -log10(0.1) = 1: it crosses at x = 0.5, share 1 - 10^-0.5.
    assert row["break_even_io_share"] == pytest.approx(1 - 10 ** -0.5)
    same_side = df.assign(monthly_usd=[1.0, 2.0, 1.0, 3.0])
    assert math.isnan(cc.break_even_io_share(same_side).iloc[0]["break_even_io_share"])


def test_unit_prices_match_the_structural_driver_in_facts():
    p = cc.per_second_prices()
    assert p["lambda_vcpu_per_s"] == pytest.approx(0.0000288, rel=0.01)     # facts.md s.8
    assert p["cloudrun_vcpu_2gib_per_s"] == pytest.approx(0.000029)
    assert p["cloudrun_instance_per_s"] == pytest.approx(0.000024 + 0.5 * 0.0000025)


def test_a_queue_fed_consumer_never_refuses_a_message_and_a_synchronous_one_does():
    _timeline, summary = decision.queue_vs_sync()
    by = summary.set_index("config")
    sync = by.loc["Lambda, HTTP (sync)"]
    assert sync["throttled"] > 0 and sync["served"] + sync["throttled"] == sync["messages"]
    for name in ("Lambda, queue consumer", "Cloud Run, queue consumer"):
        assert by.loc[name, "throttled"] == 0
        assert by.loc[name, "served"] == by.loc[name, "messages"]
        assert by.loc[name, "wait_max_s"] > 10.0


def test_oldest_waiting_age_follows_the_first_message_not_yet_started():
    requests = pd.DataFrame({"arrival_s": [0.0, 1.0, 2.0], "start_s": [3.0, 4.0, 2.0], "init_s": [0.0, 0.0, 0.0]})
    ages = decision.oldest_waiting_age_s(requests, np.array([0.5, 2.5, 3.5, 4.5]))
    np.testing.assert_allclose(ages, [0.5, 2.5, 2.5, 0.0])


def test_map_windows_are_whole_cycles_between_one_hour_and_one_day():
    assert decision.window_s(1.0) == 86_400.0
    assert decision.window_s(100.0) == 36_000.0
    assert decision.window_s(10_000.0) == 3_600.0


def test_serverless_in_the_wild_shares_add_up_over_the_map_columns():
    bands = decision.sitw_bands_by_column()
    assert bands["column_share"].sum() == pytest.approx(1.0)
    assert bands.loc[0, "band_share"] == 0.45


def test_map_cells_say_which_platform_is_cheaper_and_by_how_much():
    df = decision.decision_map(rates_per_hour=(1.0, 10_000.0), on_fractions=(1.0,), profiles=decision.PROFILES[1:],
                               target_requests=200)
    cells = decision.compare_cells(df)
    assert len(cells) == 2
    assert ((cells["cost_ratio"] > 1) == (cells["cheaper"] == "Lambda")).all()
    # A request an hour: every request is a cold start on both, and Cloud Run also bills its start-up.
    assert cells.loc[cells["rate_per_hour"] == 1.0, "cheaper"].item() == "Lambda"
    share = decision.apps_share_where_cheaper(cells, "Lambda")
    assert 0.45 <= share["apps_share"].item() <= 1.0


def test_every_config_field_is_documented_with_its_real_default():
    for cls in (LambdaConfig, CloudRunConfig, LambdaManagedInstancesConfig):
        table = assumptions.config_table(cls)
        assert list(table["parameter"]) == [f.name for f in dataclasses.fields(cls)]
    lam = assumptions.config_table(LambdaConfig).set_index("parameter")
    assert lam.loc["keep_alive_s", "default"] == "360.0"
    assert "UNVERIFIED" in lam.loc["keep_alive_s", "status"]
    with pytest.raises(ValueError, match="missing"):
        assumptions.config_table(LambdaConfig, {"name": ("", "", "")})
    lmi = assumptions.config_table(LambdaManagedInstancesConfig).set_index("parameter")
    assert lmi.loc["min_instances", "default"] == "3" and "UNVERIFIED" in lmi.loc["min_instances", "status"]
    assert "ASSUMPTION" in lmi.loc["instance_launch_s", "status"]


def test_the_published_lambda_examples_are_reproduced_to_the_cent():
    table = assumptions.published_examples()
    assert table["matches_to_the_cent"].all()
    assert list(table["published_usd"]) == [18.74, 112.0, 40.0]


def test_conservation_littles_law_and_capacity_hold_on_every_law_run():
    table = assumptions.laws()
    assert table["holds"].all()
    assert (table.loc[table["law"].str.startswith("never two"), "left"] == 1).all()


def test_erlang_b_points_agree_with_theory_within_four_standard_errors():
    points = assumptions.erlang_b_points(offered_loads=(2.0, 5.0), n_requests=5_000)
    assert (np.abs(points["simulated"] - points["oracle"]) <= 4 * points["se"]).all()


def test_three_way_lmi_pays_its_fleet_when_steady_and_throttles_the_spike():
    from sim.billing import lmi_cost_rate_per_s
    rows = decision.three_way(seed=decision.SEED).set_index(["workload", "platform"])
    floor_usd = lmi_cost_rate_per_s(3) * 30 * 86_400          # three m7g.large + 15%, a 30-day month
    steady = rows.loc[("steady", "Lambda MI")]
    assert steady["monthly cost (USD)"] >= floor_usd
    assert steady["throttled share"] == 0 and steady["cold-start share"] == 0
    # A twentyfold spike within seconds outgrows a scaler that may only double the fleet in 5 minutes...
    assert rows.loc[("bursty", "Lambda MI"), "throttled share"] > 0.01
    # ...while Lambda and Cloud Run scale per request and refuse nothing.
    for platform in ("Lambda", "Cloud Run"):
        assert rows.loc[("bursty", platform), "throttled share"] == 0
    assert rows.loc[("bursty", "Lambda"), "peak instances"] > rows.loc[("steady", "Lambda"), "peak instances"]


def test_map_cells_name_the_cheapest_of_three():
    runs = decision.decision_map(rates_per_hour=(100.0,), on_fractions=(1.0,), profiles=decision.PROFILES[1:],
                                 target_requests=200)
    cells = decision.compare_cells(runs)
    costs = runs.set_index("platform")["monthly_usd"]
    names = {"lambda": "Lambda", "cloudrun": "Cloud Run", "lmi": "Lambda MI"}
    assert cells["cheapest"].iloc[0] == names[costs.idxmin()]
    assert cells["lmi_cost_ratio"].iloc[0] == pytest.approx(costs["lmi"] / min(costs["lambda"], costs["cloudrun"]))


def test_the_cheapest_of_three_is_never_a_platform_that_refuses_requests():
    row = {"profile": "p", "rate_per_hour": 1.0, "on_fraction": 1.0}
    runs = pd.DataFrame([{**row, "platform": p, "monthly_usd": usd, "latency_p99_ms": 100.0, "throttle_rate": refused,
                          "requests": 1000} for p, usd, refused in (("lambda", 10.0, 0.0), ("cloudrun", 20.0, 0.0),
                                                                     ("lmi", 5.0, 0.5))])
    assert decision.compare_cells(runs)["cheapest"].iloc[0] == "Lambda"         # LMI is cheaper but refused half
    runs["throttle_rate"] = 0.5
    assert decision.compare_cells(runs)["cheapest"].iloc[0] == ""


def test_trace_verdict_replays_the_trace_on_every_platform_in_the_capstone_table():
    timestamps_s = np.sort(np.random.default_rng(3).uniform(0.0, 600.0, 120))
    table = decision.trace_verdict(timestamps_s)
    assert list(table.columns) == [config.name for config in decision.MAP_CONFIGS]
    assert (table.loc["requests"] == 120).all()   # every timestamp is one request, on every platform
    pd.testing.assert_frame_equal(table, decision.trace_verdict(Replay(timestamps_s)))
    # The request profile is passed on: 1.8 s of I/O (median about 1.25 s) moves every p50 up by far more
    # than the default profile's 200 ms requests could.
    # A longer window, silent after the trace, scales Lambda's projected month (requests and their work) by
    # the ratio of the windows (the default ends at the last timestamp); LMI's fleet hours scale with the window.
    longer = decision.trace_verdict(timestamps_s, duration_s=1800.0)
    cost = table.loc["monthly cost (USD)"].astype(float)
    shrink = Replay(timestamps_s).natural_duration_s / 1800.0
    assert longer.loc["monthly cost (USD)", "Lambda"] == pytest.approx(cost["Lambda"] * shrink, abs=0.011)  # cents
    assert longer.loc["monthly cost (USD)", "Lambda MI"] == pytest.approx(cost["Lambda MI"], rel=0.02)
    slow = decision.trace_verdict(timestamps_s, io_ms=Exponential(mean_ms=1800.0))
    p50 = table.loc["p50 latency (ms)"].astype(float)
    assert (slow.loc["p50 latency (ms)"].astype(float) > p50 + 800.0).all()
