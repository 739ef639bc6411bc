"""Lambda Managed Instances (sim.lmi_model): hand-worked routing and throttling, the growth-limited scaler,
the bill against the instances table, processor-sharing theory, bad input, reproducibility."""
import math

import numpy as np
import pandas as pd
import pytest

from sim import (CloudRunConfig, Diurnal, Exponential, Fixed, LambdaConfig, LambdaManagedInstancesConfig, Poisson,
                 Replay, Spike, Workload, compare, simulate, theory)
from sim.billing import bill, lmi_cost, lmi_cost_rate_per_s
from sim.stats import batch_means

EC2_M7G_LARGE_HOURLY = 0.0816     # facts.md s.10
MANAGEMENT_FEE = 0.15             # facts.md s.10
REQUEST_FEE = 0.20 / 1e6          # facts.md s.10


def fixed_fleet(instances=1, **kw):
    return LambdaManagedInstancesConfig(min_instances=instances, max_instances=instances, **kw)


def fleet_size(instances: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """Instances alive (launching, serving or draining) at each time in t, from the instances table."""
    created = np.sort(instances["created_s"].to_numpy())
    retired = np.sort(instances["retired_s"].dropna().to_numpy())
    return np.searchsorted(created, t, side="right") - np.searchsorted(retired, t, side="right")


# ---------------------------------------------------------------- hand-worked timelines
def test_config_defaults_come_from_facts_and_the_instance_type():
    cfg = LambdaManagedInstancesConfig()
    assert (cfg.platform, cfg.runtime, cfg.instance_type, cfg.min_instances) == ("lmi", "python", "m7g.large", 3)
    assert (cfg.vcpu, cfg.memory_gib, cfg.architecture) == (2, 8.0, "arm64")
    assert cfg.max_concurrency == 16 * 2   # Python: 16 per vCPU (facts.md s.10)
    assert LambdaManagedInstancesConfig(runtime="nodejs", instance_type="m7i.xlarge").max_concurrency == 64 * 4
    assert LambdaManagedInstancesConfig(runtime="java").max_concurrency == 32 * 2
    assert LambdaManagedInstancesConfig(runtime="dotnet", concurrency_per_vcpu=5).max_concurrency == 10
    assert (cfg.scale_growth_factor, cfg.scale_growth_window_s) == (2.0, 300.0)


def test_full_slots_throttle_at_once_and_a_freed_slot_serves_again():
    # One m7g.large with 1 slot per vCPU = 2 slots. r0, r1 take them (1 s of I/O each); r2 at 0.2 finds
    # none: 429 at once, no cold start, no wait. r3 at 1.5 finds r0's slot free again.
    workload = Workload(Replay([0.0, 0.1, 0.2, 1.5]), duration_s=5.0, cpu_ms=Fixed(0), io_ms=Fixed(1000))
    res = simulate(workload, fixed_fleet(1, concurrency_per_vcpu=1), seed=0)
    req = res.requests
    assert req["status"].tolist() == ["ok", "ok", "throttled", "ok"]
    assert req["instance_id"].tolist() == [0, 0, -1, 0]
    np.testing.assert_allclose(req["start_s"], [0.0, 0.1, 0.2, 1.5])
    np.testing.assert_allclose(req["end_s"], [1.0, 1.1, 0.2, 2.5])
    assert not req["cold"].any()
    summary = res.summary()
    assert (summary["cold_starts"], summary["throttled"], summary["instances_started"]) == (0, 1, 1)


def test_requests_go_to_the_least_loaded_instance():
    # Two instances, 2 slots each: r0 -> inst0 (tie: first activated), r1 -> inst1, r2 -> inst0 (tie again),
    # r3 -> inst1; r4 finds all four slots full; r5 at 1.05 goes to inst0, freed first (r0 ended at 1.0).
    workload = Workload(Replay([0.0, 0.1, 0.2, 0.3, 0.4, 1.05]), duration_s=5.0, cpu_ms=Fixed(0), io_ms=Fixed(1000))
    req = simulate(workload, fixed_fleet(2, concurrency_per_vcpu=1), seed=0).requests
    assert req["instance_id"].tolist() == [0, 1, 0, 1, -1, 0]
    assert req["status"].tolist() == ["ok"] * 4 + ["throttled", "ok"]


def test_requests_on_one_instance_share_its_vcpus():
    # Three requests of 1 vCPU-second start together on one 2-vCPU instance: each runs at 2/3, all end at 1.5 s.
    workload = Workload(Replay([0.0, 0.0, 0.0]), duration_s=5.0, cpu_ms=Fixed(1000), io_ms=Fixed(0))
    req = simulate(workload, fixed_fleet(1), seed=0).requests
    np.testing.assert_allclose(req["end_s"], [1.5, 1.5, 1.5])


def test_queue_mode_messages_wait_first_come_first_served():
    workload = Workload(Replay([0.0, 0.1, 0.2, 0.3]), duration_s=5.0, cpu_ms=Fixed(0), io_ms=Fixed(1000),
                        mode="queue")
    req = simulate(workload, fixed_fleet(1, concurrency_per_vcpu=1), seed=0).requests
    assert (req["status"] == "ok").all()
    np.testing.assert_allclose(req["start_s"], [0.0, 0.1, 1.0, 1.1])   # r2 takes r0's slot, r3 takes r1's
    np.testing.assert_allclose(req["wait_s"], [0.0, 0.0, 0.8, 0.8])


def test_timeout_cuts_the_request_and_marks_it():
    workload = Workload(Replay([0.0]), duration_s=5.0, cpu_ms=Fixed(0), io_ms=Fixed(3000))
    req = simulate(workload, fixed_fleet(1, request_timeout_s=1.0), seed=0).requests
    assert req["status"].tolist() == ["timed_out"]
    assert req["end_s"][0] == pytest.approx(1.0)


def test_fleet_never_scales_to_zero_and_idle_surplus_is_retired():
    # A burst makes the scaler add instances; after the burst (and the scale-in cooldown) it drains them,
    # but the three minimum instances live through the idle hour.
    workload = Workload(Spike(0.0, 40.0, 0.0, 300.0), duration_s=3600.0, cpu_ms=Fixed(200), io_ms=Fixed(0))
    res = simulate(workload, LambdaManagedInstancesConfig(), seed=2)
    inst = res.instances
    assert len(inst) > 3
    added = inst[~inst["provisioned"]]
    assert added["retired_s"].notna().all() and (added["retired_s"] < 1200).all()
    assert inst.loc[inst["provisioned"], "retired_s"].isna().all()
    assert res.timeline(60.0)["instances"].iloc[-20:].eq(3).all()


# ---------------------------------------------------------------- the growth limit
@pytest.mark.parametrize("launch_s", [60.0, 0.0])
def test_fleet_never_grows_faster_than_the_growth_limit(launch_s):
    # A steep ramp (5 -> 60 req/s of 500 ms CPU: 30 instances wanted at the 50% target). At every change of
    # the fleet, its size is at most 2x the size 300 s earlier; and the limit binds (exactly 2x somewhere).
    workload = Workload(Spike(5.0, 60.0, 300.0, 1200.0), duration_s=1800.0, cpu_ms=Fixed(500), io_ms=Fixed(0))
    cfg = LambdaManagedInstancesConfig(instance_launch_s=launch_s)
    inst = simulate(workload, cfg, seed=4).instances
    changes = np.unique(np.r_[inst["created_s"], inst["retired_s"].dropna()])
    now = fleet_size(inst, changes)
    before = fleet_size(inst, np.maximum(changes - cfg.scale_growth_window_s, 0.0))
    assert (now <= cfg.scale_growth_factor * before).all(), changes[now > 2 * before]
    assert (now == 2 * before).any()
    assert now.max() >= 24   # it did grow a lot: 3 -> 6 -> 12 -> 24 -> ...
    # ... and slowly: the fleet is 3 until the spike at 300 s, so 24 = 3 x 2³ needs size >= 12 at t - 300 and
    # >= 6 at t - 600, i.e. t - 600 after the spike began: not before 900 s (the scaler alone would take minutes)
    first_24 = changes[now >= 24][0]
    assert first_24 > 300.0 + 2 * cfg.scale_growth_window_s


def test_growth_limit_counts_from_the_smallest_fleet_after_a_scale_in():
    # 60 req/s of 500 ms CPU, a 200 s lull that drains the fleet to its minimum, then the load again: the
    # fleet may regrow only from the small post-drain size, so size(t) <= 2 x size(t - 300 s) at every t.
    # Size(t) changes at creations and retirements, size(t - 300 s) at those times + 300 s: check both.
    rng = np.random.default_rng(0)
    t = np.r_[np.sort(rng.uniform(0, 2500, rng.poisson(60 * 2500))),
              np.sort(rng.uniform(2700, 3400, rng.poisson(60 * 700)))]
    cfg = LambdaManagedInstancesConfig()
    inst = simulate(Workload(Replay(t), duration_s=3400.0, cpu_ms=Fixed(500), io_ms=Fixed(0)), cfg, seed=1).instances
    changes = np.r_[inst["created_s"], inst["retired_s"].dropna()]
    times = np.unique(np.r_[changes, changes + cfg.scale_growth_window_s])
    times = times[(times >= cfg.scale_growth_window_s) & (times <= 3400.0)]
    assert fleet_size(inst, np.arange(2500.0, 2700.0, 10.0)).min() == cfg.min_instances   # it drained
    now, before = fleet_size(inst, times), fleet_size(inst, times - cfg.scale_growth_window_s)
    assert (now <= cfg.scale_growth_factor * before).all(), times[now > cfg.scale_growth_factor * before]
    assert fleet_size(inst, np.array([3400.0]))[0] > cfg.min_instances                     # and regrew


def test_traffic_more_than_doubling_within_five_minutes_throttles_and_slower_growth_does_not():
    # Both reach 100 req/s of CPU-bound work (200 ms) from 5 req/s. The step does it at once (x20):
    # the fleet may only double per 5 minutes, so saturated instances fill their slots and refuse requests.
    # The half-cosine ramp takes 30 minutes (at most about x1.5 per 5 minutes once the load matters): no 429.
    cpu, io = Fixed(200), Fixed(0)
    step = Workload(Spike(5.0, 100.0, 600.0, 900.0), duration_s=1800.0, cpu_ms=cpu, io_ms=io)
    ramp = Workload(Diurnal(52.5, peak_to_trough=20.0, period_s=3600.0, peak_at_s=1800.0), duration_s=1800.0,
                    cpu_ms=cpu, io_ms=io)
    cfg = LambdaManagedInstancesConfig()
    stepped_run = simulate(step, cfg, seed=5)
    stepped, ramped = stepped_run.summary(), simulate(ramp, cfg, seed=5).summary()
    # What the growth limit forces: from 600 s to 900 s the fleet is at most 2 x 3 = 6 (the 3 new ones ready
    # no earlier than 660 s), and instances launched from 900 s are not ready before 960 s. So in [600, 960] s
    # at most 2 vCPU x (3 x 360 s + 3 x 300 s) of CPU serves 200 ms requests; an arrival of that window that
    # is not refused either finished in it or holds one of the 6 instances' slots at 960 s.
    served_at_most = cfg.vcpu * (3 * 360.0 + 3 * 300.0) / 0.2 + 6 * cfg.max_concurrency
    arrived = stepped_run.requests["arrival_s"].between(600.0, 960.0).sum()
    forced = arrived - served_at_most
    assert forced > 0.15 * stepped["requests"]
    assert stepped["throttled"] >= forced
    assert ramped["throttled"] == 0
    assert ramped["peak_instances"] >= 15 and stepped["peak_instances"] >= 15   # both grew to a similar fleet
    assert stepped["cold_starts"] == ramped["cold_starts"] == 0
    # The growth limit is the main cause: without it (x100 per window) launch and scaler lag alone refuse
    # fewer requests than the limit forces.
    unlimited = simulate(step, LambdaManagedInstancesConfig(scale_growth_factor=100.0), seed=5).summary()
    assert unlimited["throttled"] < forced


def test_throttles_sit_where_the_fleet_is_saturated():
    # The 429s of the step fall in the first minutes of the spike, none before it.
    step = Workload(Spike(5.0, 100.0, 600.0, 900.0), duration_s=1800.0, cpu_ms=Fixed(200), io_ms=Fixed(0))
    req = simulate(step, LambdaManagedInstancesConfig(), seed=5).requests
    throttled_at = req.loc[req["status"] == "throttled", "arrival_s"]
    assert throttled_at.min() >= 600.0 and throttled_at.max() < 1500.0


# ---------------------------------------------------------------- the bill
def test_bill_is_the_integral_of_fleet_size_times_price_plus_fee_plus_requests():
    step = Workload(Spike(5.0, 100.0, 600.0, 900.0), duration_s=1800.0, cpu_ms=Fixed(200), io_ms=Fixed(0))
    res = simulate(step, LambdaManagedInstancesConfig(), seed=6)
    t1 = res.window_s[1]
    inst = res.instances
    alive_s = (inst["retired_s"].fillna(t1) - inst["created_s"]).to_numpy()
    # independently: the integral of the fleet size over the window, by a fine Riemann sum of the step function
    grid = np.linspace(0.0, t1, 400_001)
    integral_s = np.sum(fleet_size(inst, grid[:-1]) * np.diff(grid))
    assert integral_s == pytest.approx(alive_s.sum(), rel=1e-3)
    invoked = int((res.requests["status"] != "throttled").sum())
    expected = alive_s.sum() / 3600 * EC2_M7G_LARGE_HOURLY * (1 + MANAGEMENT_FEE) + invoked * REQUEST_FEE
    b = res.bill()
    assert b.total_usd == pytest.approx(expected, rel=1e-12)
    assert res.summary()["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert b.total_usd == pytest.approx(bill(res).total_usd)
    lines = b.lines.set_index("item")
    minimum = lines.loc[lines.index.str.startswith("EC2 on-demand: minimum fleet")].iloc[0]
    assert minimum["quantity"] == pytest.approx(3 * t1 / 3600)
    assert "UNVERIFIED" in minimum["flag"]
    assert lines.loc[lines.index.str.startswith("requests"), "quantity"].iloc[0] == invoked
    assert invoked < len(res.requests)   # throttled requests are not billed


def test_closed_forms_agree_with_the_simulated_bill_of_a_fixed_fleet():
    workload = Workload(Poisson(5.0), duration_s=600.0, cpu_ms=Fixed(10), io_ms=Fixed(10))
    res = simulate(workload, fixed_fleet(4), seed=7)
    t1 = res.window_s[1]
    invoked = int((res.requests["status"] == "ok").sum())
    simulated = res.bill().total_usd
    assert simulated == pytest.approx(lmi_cost_rate_per_s(4, invoked / t1) * t1, rel=1e-12)
    given = lmi_cost(instance_seconds=4 * t1, min_fleet_seconds=4 * t1, requests=invoked, period_s=t1)
    assert given.total_usd == pytest.approx(simulated, rel=1e-12)
    # a 30-day month of the 3-instance minimum fleet alone: 3 x 720 h x $0.0816 x 1.15
    month = lmi_cost(instance_seconds=3 * 720 * 3600, min_fleet_seconds=3 * 720 * 3600)
    assert month.total_usd == pytest.approx(3 * 720 * 0.0816 * 1.15) and round(month.total_usd, 2) == 202.69


# ---------------------------------------------------------------- theory
def test_fixed_fleet_mean_latency_is_processor_sharing_on_its_vcpus():
    # One m7g.large (2 vCPUs, 32 slots), exponential CPU work: processor sharing on c = 2 servers has the
    # M/M/c mean response time (sim.theory); the 32-slot cap enters through M/M/2/32 (negligible at ρ = 0.6).
    mean_s, rho, n = 0.1, 0.6, 60_000
    rate = rho * 2 / mean_s
    duration_s = n / rate
    workload = Workload(Poisson(rate), duration_s=duration_s, cpu_ms=Exponential(mean_ms=100.0), io_ms=Fixed(0))
    req = simulate(workload, fixed_fleet(1), seed=8).requests
    steady = req[req["arrival_s"] >= 0.05 * duration_s].sort_values("arrival_s", kind="stable")
    est = batch_means(steady.loc[steady["status"] == "ok", "latency_s"].to_numpy(), 20)
    oracle = theory.mmck_mean_response_s(rate, mean_s, 2, 32)
    assert oracle == pytest.approx(mean_s / (1 - rho**2), rel=1e-6)   # M/M/2: E[S]/(1 − ρ²)
    assert 0 < est.se <= 0.03 * oracle
    assert est.within(oracle, k=4.0), f"simulated {est} vs theory {oracle:.6g}"


def test_fixed_fleet_throttle_probability_is_mmck_blocking():
    # Two vCPUs, 2 slots per vCPU = K = 4, no queue: P(429) = M/M/2/4 blocking (a = 1.6: p_n ∝ 1, a, a²/2, a³/4, a⁴/8).
    mean_s, a, n = 0.1, 1.6, 60_000
    rate = a / mean_s
    duration_s = n / rate
    workload = Workload(Poisson(rate), duration_s=duration_s, cpu_ms=Exponential(mean_ms=100.0), io_ms=Fixed(0))
    req = simulate(workload, fixed_fleet(1, concurrency_per_vcpu=2), seed=9).requests
    steady = req[req["arrival_s"] >= 0.05 * duration_s].sort_values("arrival_s", kind="stable")
    est = batch_means((steady["status"] == "throttled").to_numpy(dtype=float), 20)
    terms = [1, a, a**2 / 2, a**3 / 4, a**4 / 8]
    oracle = theory.mmck_blocking(rate, mean_s, 2, 4)
    assert oracle == pytest.approx(terms[-1] / sum(terms), rel=1e-9)
    assert 0 < est.se <= 0.05 * oracle
    assert est.within(oracle, k=4.0), f"simulated {est} vs theory {oracle:.6g}"


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, name", [
    (dict(runtime="go"), "runtime"),
    (dict(concurrency_per_vcpu=0), "concurrency_per_vcpu"),
    (dict(concurrency_per_vcpu=2.5), "concurrency_per_vcpu"),
    (dict(instance_type="t3.micro"), "instance_type"),
    (dict(min_instances=0), "min_instances"),
    (dict(min_instances=5, max_instances=4), "min_instances"),
    (dict(max_instances=0), "max_instances"),
    (dict(target_cpu_utilization=0.05), "target_cpu_utilization"),
    (dict(scale_growth_factor=1.0), "scale_growth_factor"),
    (dict(scale_growth_window_s=0), "scale_growth_window_s"),
    (dict(scaler_period_s=0), "scaler_period_s"),
    (dict(scaler_period_s=30, scaler_window_s=10), "scaler_window_s"),
    (dict(scale_in_cooldown_s=-1), "scale_in_cooldown_s"),
    (dict(instance_launch_s=float("nan")), "instance_launch_s"),
    (dict(request_timeout_s=901), "request_timeout_s"),
    (dict(connections_per_instance=0), "connections_per_instance"),
])
def test_bad_config_raises_value_error_naming_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"{name}=.*expected") as err:
        LambdaManagedInstancesConfig(**kwargs)
    if name in kwargs:
        assert f"{name}={kwargs[name]!r}" in str(err.value)


@pytest.mark.parametrize("kwargs, name", [
    (dict(instance_seconds=-1), "instance_seconds"),
    (dict(instance_seconds=10, min_fleet_seconds=20), "min_fleet_seconds"),
    (dict(instance_seconds=10, requests=-5), "requests"),
    (dict(instance_seconds=10, instance_type="m7g.metal"), "instance_type"),
    (dict(instance_seconds=10, period_s=0), "period_s"),
])
def test_lmi_cost_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lmi_cost(**kwargs)


def test_simulate_rejects_an_unknown_config():
    with pytest.raises(ValueError, match="LambdaManagedInstancesConfig"):
        simulate(Workload(Poisson(1.0), duration_s=10.0), object())


# ---------------------------------------------------------------- reproducibility and comparison
def test_same_seed_gives_identical_tables():
    workload = Workload(Spike(2.0, 30.0, 100.0, 200.0), duration_s=600.0, cpu_ms=Exponential(mean_ms=150.0),
                        io_ms=Exponential(mean_ms=50.0))
    a, b = (simulate(workload, LambdaManagedInstancesConfig(), seed=11) for _ in range(2))
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.instances, b.instances)
    c = simulate(workload, LambdaManagedInstancesConfig(), seed=12)
    assert not a.requests["arrival_s"].equals(c.requests["arrival_s"])


def test_compare_puts_three_platforms_side_by_side_on_the_same_arrivals():
    workload = Workload(Poisson(10.0), duration_s=300.0, cpu_ms=Fixed(20), io_ms=Fixed(80))
    runs = compare(workload, LambdaConfig(), CloudRunConfig(), LambdaManagedInstancesConfig(), seed=13)
    table = runs.table()
    assert list(table.columns) == ["Lambda", "Cloud Run", "Lambda MI"]
    assert table.loc["requests"].nunique() == 1
    assert table.loc["cold_starts", "Lambda MI"] == 0 and table.loc["cold_starts", "Lambda"] > 0
    np.testing.assert_array_equal(runs["Lambda MI"].requests["arrival_s"], runs["Lambda"].requests["arrival_s"])
    # three minimum m7g.large instances for the window, 15% fee, request fee
    t1 = runs["Lambda MI"].window_s[1]
    expected = 3 * t1 / 3600 * 0.0816 * 1.15 + table.loc["ok", "Lambda MI"] * REQUEST_FEE
    assert table.loc["cost_usd", "Lambda MI"] == pytest.approx(expected, rel=1e-9)
    assert math.isfinite(table.loc["latency_p99_ms", "Lambda MI"])
