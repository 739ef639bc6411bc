"""Per-instance state: database connections with and without a pooler, and warm caches."""
import numpy as np
import pytest

from sim import CloudRunConfig, Fixed, LambdaConfig, Replay, Workload, simulate
from sim.state import cache_hit_rate, db_connections


def burst(n=6, spacing_s=0.01):
    return Workload(Replay(np.arange(n) * spacing_s), duration_s=10.0, cpu_ms=Fixed(0), io_ms=Fixed(1000))


def test_each_lambda_environment_holds_one_connection_while_alive():
    res = simulate(burst(), LambdaConfig(init_ms=100, keep_alive_s=5), seed=0)
    report = db_connections(res)
    assert report.peak == 6                       # six environments, all alive at once
    # Each environment lives from creation until keep-alive runs out 5 s after its request ends.
    lifetimes = (res.instances["retired_s"] - res.instances["created_s"]).sum()
    assert report.mean == pytest.approx(lifetimes / res.window_s[1])


def test_a_full_database_refuses_new_environments_and_their_requests_fail():
    res = simulate(burst(), LambdaConfig(init_ms=100), seed=0)
    report = db_connections(res, db_max_connections=4)
    assert report.peak == 4
    assert report.refused_instances == 2
    assert report.failed_requests == 2


def test_a_pooler_caps_what_the_database_sees_at_requests_in_flight():
    res = simulate(burst(), LambdaConfig(init_ms=100), seed=0)
    pooled = db_connections(res, db_max_connections=4, pooler_max_connections=3)
    assert pooled.peak == 3
    assert pooled.refused_instances == 0
    # Requests run [0.1 + 0.01k, 1.1 + 0.01k): in flight, capped at 3, ramps 1, 2 over 10 ms steps, holds 3
    # from 0.12 s to 1.13 s, then falls 2, 1: 0.01 + 0.02 + 1.01 * 3 + 0.02 + 0.01 = 3.09 connection-seconds.
    assert pooled.mean == pytest.approx(3.09 / res.window_s[1], rel=1e-9)


def test_cloud_run_instances_hold_their_pool_however_many_requests_they_serve():
    config = CloudRunConfig(min_instances=1, max_instances=1, startup_ms=0, connections_per_instance=5)
    res = simulate(burst(), config, seed=0)
    report = db_connections(res)
    assert report.peak == 5 and report.mean == pytest.approx(5.0)


def test_cache_warms_with_the_requests_an_instance_has_served():
    # One warm instance serving three requests in turn: hit chances 0, 1/2, 3/4 with two keys.
    workload = Workload(Replay([0.0, 2.0, 4.0]), duration_s=10.0, cpu_ms=Fixed(0), io_ms=Fixed(100))
    res = simulate(workload, LambdaConfig(init_ms=0), seed=0)
    assert cache_hit_rate(res, distinct_keys=2) == pytest.approx((0 + 0.5 + 0.75) / 3)
    spread = simulate(burst(3), LambdaConfig(init_ms=0), seed=0)   # three environments, one request each
    assert cache_hit_rate(spread, distinct_keys=2) == 0.0


@pytest.mark.parametrize("kwargs, name", [({"db_max_connections": 0}, "db_max_connections"),
                                          ({"pooler_max_connections": 1.5}, "pooler_max_connections")])
def test_bad_state_arguments_are_refused(kwargs, name):
    res = simulate(burst(), LambdaConfig(), seed=0)
    with pytest.raises(ValueError, match=name):
        db_connections(res, **kwargs)
