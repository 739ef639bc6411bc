"""sim.experiments.managed_instances: the LMI bill against hand arithmetic, fleet sizing, the break-even rate,
and growth that LMI's scaler can and cannot follow."""
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import Fixed, Growth, LambdaManagedInstancesConfig, Poisson, Workload
from sim.experiments import managed_instances as mi

EC2_M7G_LARGE_HOURLY_USD = 0.0816    # facts.md s.10 (us-east-1, on-demand)
MANAGEMENT_FEE = 0.15                # facts.md s.10: 15% of the EC2 on-demand price
REQUEST_FEE_USD = 0.20 / 1e6         # facts.md s.10
MONTH_S = 30 * 86_400


# ---------------------------------------------------------------- the bill and the fleet
def test_lmi_cost_at_a_fixed_fleet_is_fleet_times_hourly_price_times_1_15_plus_the_request_fee():
    fleet = LambdaManagedInstancesConfig(name="LMI x4", min_instances=4, max_instances=4)
    workload = Workload(Poisson(rate_per_s=20.0), duration_s=600.0, cpu_ms=Fixed(ms=20.0), io_ms=Fixed(ms=100.0))
    row = mi.steady_metrics(mi.Run(workload, fleet, seed=3))
    assert row["throttled"] == 0
    hours = row["window_s"] / 3600
    expected = 4 * EC2_M7G_LARGE_HOURLY_USD * (1 + MANAGEMENT_FEE) * hours + row["requests"] * REQUEST_FEE_USD
    assert row["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert row["monthly_usd"] == pytest.approx(expected * MONTH_S / row["window_s"], rel=1e-12)


def test_fleet_sizing_keeps_cpu_at_the_target_and_never_goes_below_the_minimum():
    # m7g.large: 2 vCPUs at a 50% target = 1 busy vCPU per instance = 50 requests/s of 20 ms CPU.
    assert mi.target_rate_per_s(mi.LMI_DEFAULT, 20.0) == pytest.approx(150.0)
    assert mi.instances_for_load(300.0, 20.0) == 6
    assert mi.instances_for_load(150.0, 20.0) == 3
    assert mi.instances_for_load(151.0, 20.0) == 4
    assert mi.instances_for_load(10.0, 20.0) == 3      # the minimum fleet
    sized = mi.lmi_sized(300.0, 20.0)
    assert (sized.min_instances, sized.name, sized.instance_type) == (6, mi.LMI_SIZED_NAME, "m7g.large")


# ---------------------------------------------------------------- the break-even rate
def summary_from_costs(costs: dict) -> pd.DataFrame:
    """A steady_summary-shaped table from {rate: (lambda, cloud run, lmi)} monthly costs."""
    rows = []
    for rate, (lam, run, lmi) in costs.items():
        for config, platform, usd in (("Lambda", "lambda", lam), ("Cloud Run", "cloudrun", run),
                                      (mi.LMI_DEFAULT.name, "lmi", lmi)):
            rows.append({"rate_per_s": rate, "config": config, "platform": platform, "monthly_usd": usd,
                         "lmi": platform == "lmi"})
    return pd.DataFrame(rows)


def test_break_even_interpolates_the_log_cost_ratio_against_the_log_rate():
    # LMI / cheaper-other = 2 at 10/s and 0.5 at 40/s: log-linear crossing at the geometric mean, 20/s.
    summary = summary_from_costs({1.0: (1, 2, 100), 10.0: (50, 60, 100), 40.0: (200, 150, 75)})
    found = mi.break_even_rate(summary)
    assert found["break_even_rate_per_s"] == pytest.approx(20.0)
    assert (found["below_rate_per_s"], found["above_rate_per_s"]) == (10.0, 40.0)


def test_break_even_is_the_last_flip_and_nan_when_lmi_never_wins():
    flip_back = summary_from_costs({1.0: (10, 10, 5), 10.0: (50, 60, 100), 100.0: (500, 400, 100)})
    assert 10.0 < mi.break_even_rate(flip_back)["break_even_rate_per_s"] < 100.0
    never = summary_from_costs({1.0: (1, 2, 100), 10.0: (10, 20, 100)})
    assert math.isnan(mi.break_even_rate(never)["break_even_rate_per_s"])
    always = summary_from_costs({1.0: (10, 20, 5), 10.0: (100, 200, 50)})
    assert mi.break_even_rate(always)["break_even_rate_per_s"] == 1.0


def test_cloud_run_cheaper_from_is_the_last_flip_of_lambda_against_cloud_run():
    # Cloud Run cheaper at 1/s, dearer at 10/s, cheaper again from 40/s on: the interval is (10, 40).
    flip_back = summary_from_costs({1.0: (3, 2, 100), 10.0: (50, 60, 100), 40.0: (200, 150, 75), 90.0: (450, 300, 90)})
    assert mi.cloudrun_cheaper_from(flip_back) == (10.0, 40.0)
    always = summary_from_costs({1.0: (3, 2, 100), 10.0: (30, 20, 100)})
    below, above = mi.cloudrun_cheaper_from(always)
    assert math.isnan(below) and above == 1.0
    never = summary_from_costs({1.0: (1, 2, 100), 10.0: (10, 20, 100)})
    assert all(math.isnan(x) for x in mi.cloudrun_cheaper_from(never))


@pytest.fixture(scope="module")
def steady():
    runs = mi.steady_cost(rates_per_s=(10.0, 30.0, 100.0, 300.0), replications=1, duration_s=120.0)
    return runs, mi.steady_summary(runs)


def test_simulated_break_even_lies_between_the_grid_points_where_the_ordering_flips(steady):
    _runs, summary = steady
    cost = summary.pivot_table(index="rate_per_s", columns="config", values="monthly_usd")
    lmi = cost[mi.LMI_SIZED_NAME].fillna(cost[mi.LMI_DEFAULT.name])
    lmi_cheapest = (lmi < cost["Lambda"]) & (lmi < cost["Cloud Run"])
    assert lmi_cheapest.tolist() == [False, False, True, True]   # cheapest of the three only at high volume
    found = mi.break_even_rate(summary)
    assert (found["below_rate_per_s"], found["above_rate_per_s"]) == (30.0, 100.0)
    assert 30.0 < found["break_even_rate_per_s"] < 100.0
    assert (summary.loc[summary["rate_per_s"] >= 100, "cheapest"].str.startswith("Lambda MI")).all()


def test_the_default_fleet_throttles_at_300_per_second_and_the_sized_fleet_does_not(steady):
    runs, _summary = steady
    at_300 = runs[runs["rate_per_s"] == 300.0].set_index("config")
    assert at_300.loc[mi.LMI_DEFAULT.name, "throttled"] > 0
    assert at_300.loc[mi.LMI_SIZED_NAME, "throttled"] == 0
    assert (runs.loc[runs["platform"] != "lmi", "throttled"] == 0).all()
    assert set(runs.loc[runs["rate_per_s"] < 300, "config"]) == {"Lambda", "Cloud Run", mi.LMI_DEFAULT.name}


def test_steady_display_has_one_row_per_rate_and_names_the_cheapest(steady):
    _runs, summary = steady
    table = mi.steady_display(summary)
    assert table.index.tolist() == ["10", "30", "100", "300"]
    assert table.loc["300", "cheapest"] == mi.LMI_SIZED_NAME
    assert np.isnan(table.loc["10", mi.LMI_SIZED_NAME])
    assert isinstance(mi.plot_steady_cost(summary), Figure)


# ---------------------------------------------------------------- growth
def test_growth_traffic_ramps_linearly_from_the_base_rate_to_factor_times_it():
    arrivals = Growth(base_rate_per_s=50.0, factor=4.0, start_s=120.0, ramp_s=60.0)
    np.testing.assert_allclose(arrivals.rate_at(np.array([0.0, 120.0, 150.0, 180.0, 500.0])),
                               [50.0, 50.0, 125.0, 200.0, 200.0])
    assert arrivals.peak_rate_per_s == 200.0
    assert arrivals.expected_count(600.0) == pytest.approx(50 * 120 + 125 * 60 + 200 * 420, rel=1e-6)


@pytest.fixture(scope="module", params=[mi.SEED, 7])
def grown(request):
    return mi.growth(seed=request.param)


def test_quadrupling_in_a_minute_throttles_on_lmi_and_doubling_over_five_minutes_does_not(grown):
    _timeline, summary = grown
    throttled = summary.set_index(["scenario", "platform"])["throttled"]
    doubling, quadrupling = (label for label, _factor, _ramp in mi.GROWTH_SCENARIOS)
    assert throttled[(quadrupling, "lmi")] > 100
    assert throttled[(doubling, "lmi")] == 0
    for scenario in (doubling, quadrupling):
        assert throttled[(scenario, "lambda")] == 0 and throttled[(scenario, "cloudrun")] == 0


def test_lmi_throttles_only_after_the_growth_begins_and_its_fleet_respects_the_doubling_limit(grown):
    timeline, summary = grown
    lmi = summary[summary["platform"] == "lmi"].set_index("scenario")
    doubling, quadrupling = (label for label, _factor, _ramp in mi.GROWTH_SCENARIOS)
    assert lmi.loc[quadrupling, "first_throttle_s"] >= mi.GROWTH_START_S
    # 3 instances before the growth: at most 6 until five minutes after the fleet first grew.
    fleet = timeline[(timeline["platform"] == "lmi") & (timeline["scenario"] == quadrupling)].set_index("t_s")
    assert fleet.loc[:mi.GROWTH_START_S, "instances"].max() == 3
    assert fleet.loc[:mi.GROWTH_START_S + 300.0, "instances"].max() <= 6
    assert lmi.loc[doubling, "peak_instances"] <= 6
    # throttled per second never exceeds what was offered
    assert (timeline["throttled_per_s"] <= timeline["offered_per_s"] + 1e-9).all()


def test_growth_display_and_figure(grown):
    timeline, summary = grown
    table = mi.growth_display(summary)
    assert table.shape == (6, 4)
    assert list(table.columns) == ["throttled", "throttled (%)", "p99 (ms)", "peak alive"]
    rows = summary.set_index(["scenario", "config"])
    np.testing.assert_array_equal(table["throttled"], rows["throttled"])
    np.testing.assert_allclose(table["throttled (%)"], 100 * rows["throttled"] / rows["requests"], atol=0.05)
    np.testing.assert_array_equal(table["peak alive"], rows["peak_instances"])
    fig = mi.plot_growth(timeline)
    assert isinstance(fig, Figure) and len(fig.axes) == 4


# ---------------------------------------------------------------- the UNVERIFIED minimum fleet
@pytest.fixture(scope="module")
def fleets():
    """Chapter 3b's minimum-fleet sweep on a small grid, beside the steady runs it extends."""
    grid = {"rates_per_s": (1.0, 30.0, 300.0), "replications": 2, "duration_s": 90.0}
    steady = mi.steady_summary(mi.steady_cost(**grid))
    return steady, mi.with_min_fleet(steady, mi.fleet_sweep(min_fleets=(1, 2, 3), **grid))


def test_the_default_minimum_fleet_of_the_sweep_is_the_steady_comparisons_lmi_fleet(fleets):
    steady, table = fleets
    at_default = table[(table["min_fleet"] == mi.LMI_DEFAULT.min_instances) & table["lmi"]].set_index("rate_per_s")
    lmi = steady[steady["lmi"]].set_index("rate_per_s")
    for column in ("monthly_usd", "latency_p99_ms", "throttled"):
        assert at_default[column].to_dict() == lmi[column].to_dict(), column
    assert (mi.break_even_by_min_fleet(table)[mi.LMI_DEFAULT.min_instances]
            == mi.break_even_rate(steady)["break_even_rate_per_s"])
    # Lambda and Cloud Run are the steady runs' own rows at every minimum.
    others = steady[steady["platform"] != "lmi"].set_index(["rate_per_s", "config"])["monthly_usd"]
    for _, rows in table[~table["lmi"]].groupby("min_fleet"):
        assert rows.set_index(["rate_per_s", "config"])["monthly_usd"].to_dict() == others.to_dict()


def test_each_instance_of_minimum_fleet_adds_its_price_where_the_load_needs_fewer(fleets):
    _, table = fleets
    lmi = table[table["lmi"]].pivot(index="rate_per_s", columns="min_fleet", values="monthly_usd")
    instance_monthly = EC2_M7G_LARGE_HOURLY_USD * (1 + MANAGEMENT_FEE) * MONTH_S / 3600
    # At 1 request per second one instance carries the load: every further one is its price a month, exactly.
    assert np.diff(lmi.loc[1.0].to_numpy()) == pytest.approx([instance_monthly] * 2, rel=1e-9)
    # At 300 per second the load needs more than three at the CPU target: the minimum changes nothing.
    assert mi.instances_for_load(300.0, mi.STEADY_CPU_MS) > 3 and lmi.loc[300.0].nunique() == 1
    assert (np.diff(lmi.to_numpy(), axis=1) >= 0).all()
    assert mi.break_even_by_min_fleet(table).is_monotonic_increasing


def test_a_minimum_fleet_below_one_is_refused_with_its_value():
    with pytest.raises(ValueError, match=r"min_fleet.*0"):
        mi.fleet_sweep(min_fleets=(0,), rates_per_s=(1.0,), replications=1, duration_s=10.0)
