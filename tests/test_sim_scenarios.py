"""Hand-worked timelines: fixed arrivals and durations, every placement and cold start checked."""
import math

import numpy as np
import pytest

from sim import CloudRunConfig, Fixed, LambdaConfig, Replay, Workload, simulate


def lambda_scenario(dispatch):
    workload = Workload(Replay([0.0, 1.0, 1.5, 10.0, 400.0]), cpu_ms=Fixed(0), io_ms=Fixed(2000))
    config = LambdaConfig(memory_mb=1769, init_ms=500, keep_alive_s=300, concurrency_limit=2, dispatch=dispatch)
    return simulate(workload, config, seed=0)


def test_lambda_timeline_matches_the_hand_worked_answer():
    # r0 cold on env0 (ready 0.5); r1 cold on env1 (limit 2 reached); r2 throttled at 1.5;
    # r3 at 10 reuses env1, the most recently freed; at 400 both have expired (keep-alive 300 s): r4 cold on env2.
    res = lambda_scenario("most_recently_freed")
    req = res.requests
    assert req["instance_id"].tolist() == [0, 1, -1, 1, 2]
    assert req["status"].tolist() == ["ok", "ok", "throttled", "ok", "ok"]
    assert req["cold"].tolist() == [True, True, False, False, True]
    np.testing.assert_allclose(req["start_s"], [0.5, 1.5, 1.5, 10.0, 400.5])
    np.testing.assert_allclose(req["end_s"], [2.5, 3.5, 1.5, 12.0, 402.5])
    np.testing.assert_allclose(req["latency_s"], [2.5, 2.5, 0.0, 2.0, 2.5])
    inst = res.instances
    np.testing.assert_allclose(inst["created_s"], [0.0, 1.0, 400.0])
    np.testing.assert_allclose(inst["ready_s"], [0.5, 1.5, 400.5])
    np.testing.assert_allclose(inst["retired_s"][:2], [302.5, 312.0])
    assert math.isnan(inst["retired_s"][2])
    assert inst["requests_served"].tolist() == [1, 2, 1]
    assert res.window_s == (0.0, 402.5)


def test_lambda_oldest_idle_first_reuses_the_other_environment():
    res = lambda_scenario("oldest_idle_first")
    assert res.requests["instance_id"].tolist() == [0, 1, -1, 0, 2]
    np.testing.assert_allclose(res.instances["retired_s"][:2], [312.0, 303.5])


def test_lambda_memory_below_one_vcpu_stretches_cpu_work_only():
    workload = Workload(Replay([0.0]), cpu_ms=Fixed(100), io_ms=Fixed(50))
    res = simulate(workload, LambdaConfig(memory_mb=884, init_ms=0), seed=0)
    assert res.requests["service_s"][0] == pytest.approx(0.1 * 1769 / 884 + 0.05)


def test_lambda_provisioned_environments_serve_first_and_spill_over_cold():
    workload = Workload(Replay([0.0, 0.1, 0.2]), cpu_ms=Fixed(0), io_ms=Fixed(1000))
    res = simulate(workload, LambdaConfig(provisioned_concurrency=2, init_ms=300), seed=0)
    req = res.requests
    assert req["provisioned"].tolist() == [True, True, False]
    assert req["cold"].tolist() == [False, False, True]
    assert res.instances["provisioned"].tolist() == [True, True, False]


def test_lambda_queue_messages_wait_for_a_free_environment():
    workload = Workload(Replay([0.0, 0.1, 0.2]), cpu_ms=Fixed(0), io_ms=Fixed(1000), mode="queue")
    res = simulate(workload, LambdaConfig(concurrency_limit=1, init_ms=0), seed=0)
    req = res.requests
    assert req["status"].tolist() == ["ok", "ok", "ok"]
    np.testing.assert_allclose(req["start_s"], [0.0, 1.0, 2.0])
    np.testing.assert_allclose(req["wait_s"], [0.0, 0.9, 1.8])
    assert req["instance_id"].tolist() == [0, 0, 0]


def test_lambda_scale_up_rate_throttles_a_burst_beyond_the_token_bucket():
    workload = Workload(Replay(np.zeros(5)), cpu_ms=Fixed(0), io_ms=Fixed(1000))
    res = simulate(workload, LambdaConfig(scale_up_per_10s=3, init_ms=0), seed=0)
    assert res.requests["status"].tolist() == ["ok"] * 3 + ["throttled"] * 2


def test_lambda_token_bucket_refills_scale_up_per_10s_every_10_seconds():
    """A bucket of 3 per 10 s: full at 0 s (3 of 5 start), 0.3 tokens at 1 s (all 5 refused), refilled to
    its cap of 3 by 11 s (3 of 5 start). The 30 s handlers keep every environment busy, so none is reused."""
    t = np.r_[np.zeros(5), np.ones(5), np.full(5, 11.0)]
    res = simulate(Workload(Replay(t), cpu_ms=Fixed(0), io_ms=Fixed(30_000)),
                   LambdaConfig(scale_up_per_10s=3, init_ms=0), seed=0)
    ok, refused = "ok", "throttled"
    assert res.requests["status"].tolist() == [ok] * 3 + [refused] * 7 + [ok] * 3 + [refused] * 2


def test_lambda_keep_alive_expires_at_exactly_its_end():
    """Environment 0 is freed at 2.5 s (0.5 s INIT + 2 s) and expires at 302.5 s: a request at exactly 302.5 s
    finds it gone and starts cold."""
    res = simulate(Workload(Replay([0.0, 302.5]), cpu_ms=Fixed(0), io_ms=Fixed(2000)),
                   LambdaConfig(memory_mb=1769, init_ms=500, keep_alive_s=300), seed=0)
    assert res.requests["cold"].tolist() == [True, True]
    assert res.instances["retired_s"][0] == pytest.approx(302.5)


def test_lambda_timeout_cuts_the_request_and_marks_it():
    workload = Workload(Replay([0.0]), cpu_ms=Fixed(0), io_ms=Fixed(5000))
    res = simulate(workload, LambdaConfig(timeout_s=3, init_ms=0), seed=0)
    assert res.requests["status"][0] == "timed_out"
    assert res.requests["end_s"][0] == pytest.approx(3.0)


def cloud_run_scenario():
    workload = Workload(Replay([0.0, 0.2, 0.4, 5.0]), duration_s=20.0, cpu_ms=Fixed(1000), io_ms=Fixed(0))
    config = CloudRunConfig(vcpu=1, max_concurrency=2, max_instances=2, startup_ms=1000,
                            autoscale_period_s=600, autoscale_window_s=600)
    return simulate(workload, config, seed=0)


def test_cloud_run_timeline_matches_the_hand_worked_answer():
    # r0 pends and starts inst0 (ready at 1.0); r1 fits in inst0's second slot; r2 starts inst1 (ready 1.4).
    # At 1.0 r0 and r1 share one vCPU: 1 s of work each ends at 3.0. r2 runs alone on inst1: 1.4 -> 2.4.
    # r3 at 5.0 goes to an idle active instance: warm, 5.0 -> 6.0.
    res = cloud_run_scenario()
    req = res.requests
    assert req["instance_id"].tolist() == [0, 0, 1, 0]
    assert req["cold"].tolist() == [True, True, True, False]
    np.testing.assert_allclose(req["start_s"], [1.0, 1.0, 1.4, 5.0])
    np.testing.assert_allclose(req["end_s"], [3.0, 3.0, 2.4, 6.0])
    np.testing.assert_allclose(req["init_s"], [1.0, 0.8, 1.0, 0.0])
    np.testing.assert_allclose(res.instances["created_s"], [0.0, 0.4])
    np.testing.assert_allclose(res.instances["ready_s"], [1.0, 1.4])
    assert res.window_s == (0.0, 20.0)


@pytest.mark.parametrize("vcpu, expected_ends", [(1, [2.0, 4.0]), (2, [1.0, 3.0])])
def test_cloud_run_processor_sharing_splits_vcpus_between_cpu_phases(vcpu, expected_ends):
    # Work 1 s and 3 s start together. On 1 vCPU each gets half until the first ends at 2 s,
    # then the second runs alone: 1 s done by 2 s, 2 s left -> ends at 4 s. On 2 vCPUs neither waits.
    workload = Workload(Replay([0.0, 0.0]), duration_s=10.0, cpu_ms=Fixed(0), io_ms=Fixed(0))
    draws = workload.draw(0)
    draws.cpu_ms[:] = [1000.0, 3000.0]
    from sim.cloudrun_model import CloudRunModel
    import numpy as _np
    config = CloudRunConfig(vcpu=vcpu, min_instances=1, max_instances=1, startup_ms=0)
    ledger, _end = CloudRunModel(config, draws, "sync", 10.0, _np.random.default_rng(0)).run()
    np.testing.assert_allclose(ledger.end_s, expected_ends)


def test_cloud_run_cpu_target_counts_the_instance_vcpus():
    """A request every 50 ms with 100 ms of CPU keeps 2 vCPUs busy. At the 60% CPU target a 2-vCPU instance
    carries 1.2 busy vCPUs, so the autoscaler wants ceil(2 / 1.2) = 2 instances (ceil(2 / 0.6) = 4 if it
    forgot that an instance has 2 vCPUs)."""
    t = np.arange(0.0, 600.0, 0.05)
    res = simulate(Workload(Replay(t), duration_s=600.0, cpu_ms=Fixed(100), io_ms=Fixed(0)),
                   CloudRunConfig(vcpu=2, memory_gib=1.0, max_concurrency=80, startup_ms=0), seed=0)
    assert res.peak_instances() == math.ceil(2 / (0.6 * 2))


def test_cloud_run_io_wait_uses_no_cpu():
    # Two requests with 1 s CPU then 1 s I/O, the second arriving as the first enters I/O: no sharing.
    workload = Workload(Replay([0.0, 1.0]), duration_s=5.0, cpu_ms=Fixed(1000), io_ms=Fixed(1000))
    res = simulate(workload, CloudRunConfig(min_instances=1, max_instances=1, startup_ms=0), seed=0)
    np.testing.assert_allclose(res.requests["end_s"], [2.0, 3.0])


def test_cloud_run_pending_request_gets_429_after_the_pending_timeout():
    workload = Workload(Replay([0.0, 0.1]), duration_s=30.0, cpu_ms=Fixed(20000), io_ms=Fixed(0))
    config = CloudRunConfig(max_concurrency=1, min_instances=1, max_instances=1, startup_ms=0, pending_timeout_s=10)
    req = simulate(workload, config, seed=0).requests
    assert req["status"].tolist() == ["ok", "throttled"]
    assert req["end_s"][1] == pytest.approx(10.1)


def test_cloud_run_requests_pend_for_the_average_start_up_when_it_is_longer_than_10_s():
    """max(10 s, average start-up) (facts.md s.9 item 9): with 25 s start-ups a request waits 25 s for a slot."""
    workload = Workload(Replay([0.0, 0.1]), duration_s=60.0, cpu_ms=Fixed(40_000), io_ms=Fixed(0))
    config = CloudRunConfig(max_concurrency=1, max_instances=1, startup_ms=25_000, pending_timeout_s=10)
    req = simulate(workload, config, seed=0).requests
    assert req["status"].tolist() == ["ok", "throttled"]       # the one instance is busy until 65 s
    assert req["start_s"][0] == pytest.approx(25.0)            # the first waited out the whole start-up
    assert req["end_s"][1] == pytest.approx(25.1)


def test_cloud_run_min_instances_are_ready_at_time_zero_and_serve_warm():
    workload = Workload(Replay([0.0, 0.5]), duration_s=5.0, cpu_ms=Fixed(100), io_ms=Fixed(0))
    res = simulate(workload, CloudRunConfig(min_instances=1, startup_ms=2000), seed=0)
    assert res.requests["cold"].tolist() == [False, False]
    assert res.instances["provisioned"].tolist() == [True]
    assert res.requests["provisioned"].tolist() == [True, True]


def test_cloud_run_idle_standby_instance_is_retired_after_the_idle_timeout():
    workload = Workload(Replay([0.0]), duration_s=200.0, cpu_ms=Fixed(100), io_ms=Fixed(0))
    config = CloudRunConfig(startup_ms=0, idle_timeout_s=30, autoscale_period_s=5, autoscale_window_s=60)
    res = simulate(workload, config, seed=0)
    # Demand averaged over the last 60 s first reaches zero at the tick at 65 s: standby, retired 30 s later.
    assert res.instances["retired_s"][0] == pytest.approx(95.0)


def test_timeline_counts_instances_alive_at_the_end_of_the_window():
    workload = Workload(Replay([1.0]), duration_s=60.0, cpu_ms=Fixed(5), io_ms=Fixed(0))
    timeline = simulate(workload, CloudRunConfig(min_instances=1), seed=1).timeline(1.0)
    assert timeline["t_s"].iloc[-1] == 60.0
    assert timeline["instances"].tolist() == [1] * 61
