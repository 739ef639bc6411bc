"""Laws that hold on every run, checked on fixed cases and on random small configurations."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import (CloudRunConfig, Exponential, Fixed, LambdaConfig, LogNormal, OnOff, Poisson, Workload,
                 simulate)


def max_overlap(start, end, tolerance_s=1e-9):
    """Most intervals [start, end) open at once; ends before starts at equal times.

    An end within `tolerance_s` after a start counts as before it: event times are sums of floats,
    so a request that starts when its predecessor ends may be stamped one rounding error earlier."""
    if len(start) == 0:
        return 0
    times = np.concatenate([start, np.asarray(end) - tolerance_s])
    steps = np.concatenate([np.ones(len(start)), -np.ones(len(end))])
    order = np.lexsort((steps, times))
    return int(np.cumsum(steps[order]).max())


def check_laws(res, config):
    req, inst = res.requests, res.instances
    n = len(req)
    counts = req["status"].value_counts()
    # Conservation: every arrival is completed, throttled or timed out (runs drain, so none is in flight).
    assert counts["ok"] + counts["throttled"] + counts["timed_out"] == n
    assert req["end_s"].notna().all()
    assert (req["end_s"] <= res.window_s[1] + 1e-9).all()
    # Time runs forward for every request.
    assert (req["start_s"] >= req["arrival_s"] - 1e-12).all()
    assert (req["end_s"] >= req["start_s"] - 1e-12).all()
    np.testing.assert_allclose(req["start_s"] - req["arrival_s"], req["wait_s"] + req["init_s"], atol=1e-9)
    # Little's law over the window: integral of requests in system = sum of their latencies.
    t = np.sort(np.concatenate([req["arrival_s"], req["end_s"], [0.0, res.window_s[1]]]))
    mid = (t[:-1] + t[1:]) / 2
    in_system = (np.searchsorted(np.sort(req["arrival_s"]), mid) - np.searchsorted(np.sort(req["end_s"]), mid))
    integral = np.sum(in_system * np.diff(t))
    assert integral == pytest.approx(req["latency_s"].sum(), rel=1e-9, abs=1e-9)
    # Instances.
    assert res.peak_instances() <= (config.max_instances if config.platform == "cloudrun" else config.concurrency_limit)
    placed = req[req["instance_id"] >= 0]
    assert placed["instance_id"].to_numpy().max(initial=-1) < len(inst)
    for instance_id, group in placed.groupby("instance_id"):
        created, ready = inst.loc[instance_id, ["created_s", "ready_s"]]
        assert (group["start_s"] >= ready - 1e-9).all()
        retired = inst.loc[instance_id, "retired_s"]
        if np.isfinite(retired):
            assert (group["end_s"] <= retired + 1e-9).all()
        cap = 1 if config.platform == "lambda" else config.max_concurrency
        assert max_overlap(group["start_s"].to_numpy(), group["end_s"].to_numpy()) <= cap
    assert inst["requests_served"].sum() == len(placed)
    if config.platform == "lambda":
        # Never more environments busy (initialising or running) than the concurrency limit.
        busy_from = (placed["start_s"] - placed["init_s"]).to_numpy()
        assert max_overlap(busy_from, placed["end_s"].to_numpy()) <= config.concurrency_limit
    else:
        assert res.peak_instances() <= config.max_instances


WORKLOADS = [
    Workload(Poisson(30), duration_s=120, cpu_ms=LogNormal(40, 200), io_ms=Exponential(80)),
    Workload(OnOff(200, on_s=5, off_s=60), duration_s=200, cpu_ms=Fixed(30), io_ms=Fixed(120), mode="queue"),
]
CONFIGS = [
    LambdaConfig(concurrency_limit=20, scale_up_per_10s=15, timeout_s=0.5),
    LambdaConfig(provisioned_concurrency=5, dispatch="random", keep_alive_s=10),
    CloudRunConfig(max_concurrency=4, max_instances=3, request_timeout_s=1.0),
    CloudRunConfig(vcpu=2, min_instances=1, max_concurrency=80, idle_timeout_s=20),
]


@pytest.mark.parametrize("workload", WORKLOADS, ids=["steady-sync", "bursty-queue"])
@pytest.mark.parametrize("config", CONFIGS, ids=["lambda-limited", "lambda-provisioned", "run-capped", "run-2vcpu"])
def test_conservation_littles_law_and_capacity_hold(workload, config):
    check_laws(simulate(workload, config, seed=11), config)


lambda_configs = st.builds(
    LambdaConfig, memory_mb=st.integers(128, 4096), keep_alive_s=st.floats(0, 120),
    concurrency_limit=st.integers(1, 30), scale_up_per_10s=st.integers(1, 50),
    dispatch=st.sampled_from(["most_recently_freed", "oldest_idle_first", "random"]),
    timeout_s=st.floats(0.05, 5), runtime=st.sampled_from(["python", "nodejs", "java", "go"]))
cloud_run_configs = st.builds(
    CloudRunConfig, vcpu=st.sampled_from([1, 2, 4]), memory_gib=st.just(2.0), max_concurrency=st.integers(1, 50),
    max_instances=st.integers(1, 6), min_instances=st.integers(0, 1), idle_timeout_s=st.floats(0, 60),
    pending_timeout_s=st.sampled_from([0.0, 2.0, 10.0]), request_timeout_s=st.floats(0.1, 30),
    runtime=st.sampled_from(["python", "go"]))
workloads = st.builds(
    Workload, arrivals=st.builds(Poisson, st.floats(0.1, 40)), duration_s=st.floats(1, 60),
    cpu_ms=st.builds(Exponential, st.floats(0, 300)), io_ms=st.builds(Fixed, st.floats(0, 300)),
    mode=st.sampled_from(["sync", "queue"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workload=workloads, config=st.one_of(lambda_configs, cloud_run_configs), seed=st.integers(0, 2**32))
def test_laws_hold_for_random_small_configurations(workload, config, seed):
    check_laws(simulate(workload, config, seed=seed), config)
