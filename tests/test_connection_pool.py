"""Database connection pools as queues (sim.connection_pool): a Cloud Run or LMI instance's requests
share its `connections_per_instance` connections (`db_pool=True`), Lambda environments behind a pooler
share `pooler_max_connections`; a request's query waits first come first served for a connection."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim import theory, validation
from sim.arrivals import Poisson
from sim.cloudrun_model import CloudRunModel
from sim.config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from sim.connection_pool import ConnectionPool
from sim.distributions import Exponential, Fixed
from sim.experiments import deployment_shape as shape
from sim.lambda_model import LambdaModel
from sim.ledger import Ledger
from sim.run import simulate
from sim.stats import batch_means
from sim.workload import Draws, Workload
from test_autoscaler_idle import DIGESTS, SCENARIOS, ledger_digest, run

ONE_INSTANCE = dict(vcpu=2, memory_gib=1.0, max_concurrency=100, min_instances=1, max_instances=1, startup_ms=0.0)


def tables(ledger: Ledger) -> pd.DataFrame:
    return ledger.requests_table()


# Three requests on one connection: C holds it from 0 to 1; B (arrives 0.1, no CPU) reaches the pool at 0.1;
# A (arrives 0.05, 200 ms of CPU) reaches it at 0.25, after B. Every query takes 1 s.
ARRIVAL_S = np.array([0.0, 0.05, 0.1])
CPU_MS = np.array([0.0, 200.0, 0.0])
IO_MS = np.array([1000.0, 1000.0, 1000.0])
C, A, B = 0, 1, 2


def cloud_run_ledger(**fields) -> pd.DataFrame:
    config = CloudRunConfig(**{**ONE_INSTANCE, "connections_per_instance": 1, "db_pool": True, **fields})
    model = CloudRunModel(config, Draws(ARRIVAL_S, CPU_MS, IO_MS), "sync", 10.0, np.random.default_rng(0))
    return tables(model.run()[0])


def lambda_ledger(**fields) -> pd.DataFrame:
    config = LambdaConfig(**{"runtime": "python", "memory_mb": 1769, "init_ms": 0.0, "pooler_max_connections": 1,
                             **fields})
    model = LambdaModel(config, Draws(ARRIVAL_S, CPU_MS, IO_MS), "sync", 10.0, np.random.default_rng(0),
                        np.random.default_rng(1))
    return tables(model.run()[0])


@pytest.mark.parametrize("ledger", [cloud_run_ledger, lambda_ledger], ids=["cloud run", "lambda pooler"])
def test_connections_are_granted_first_come_first_served_at_the_pool_and_latency_includes_the_wait(ledger):
    requests = ledger()
    # B reached the pool before A, so B gets the connection C hands back at 1.0, and A gets it at 2.0.
    np.testing.assert_allclose(requests["pool_wait_s"], [0.0, 2.0 - 0.25, 1.0 - 0.1], atol=1e-12)
    np.testing.assert_allclose(requests["end_s"], [1.0, 3.0, 2.0], atol=1e-12)
    np.testing.assert_allclose(requests["latency_s"], [1.0, 3.0 - 0.05, 2.0 - 0.1], atol=1e-12)
    np.testing.assert_allclose(requests["latency_s"],
                               requests["pool_wait_s"] + (CPU_MS + IO_MS) / 1000.0, atol=1e-12)
    assert (requests["status"] == "ok").all()


def test_a_cloud_run_request_that_waits_past_the_timeout_times_out_with_its_wait_in_its_latency():
    requests = cloud_run_ledger(request_timeout_s=1.5)
    assert list(requests["status"]) == ["ok", "timed_out", "timed_out"]
    np.testing.assert_allclose(requests["latency_s"], [1.0, 1.5, 1.5], atol=1e-12)
    np.testing.assert_allclose(requests["pool_wait_s"], [0.0, 1.75, 0.9], atol=1e-12)   # the instance still worked


def test_a_lambda_request_still_waiting_at_its_timeout_leaves_the_line_and_frees_its_environment():
    requests = lambda_ledger(timeout_s=1.5)
    assert list(requests["status"]) == ["ok", "timed_out", "timed_out"]
    np.testing.assert_allclose(requests["latency_s"], [1.0, 1.5, 1.5], atol=1e-12)
    # B got the connection at 1.0 and was stopped at 1.6; A waited from 0.25 until its timeout at 1.55.
    np.testing.assert_allclose(requests["pool_wait_s"], [0.0, 1.55 - 0.25, 0.9], atol=1e-12)
    np.testing.assert_allclose(requests["end_s"], [1.0, 1.55, 1.6], atol=1e-12)


def busy_instance_run(seed: int = 4):
    """One instance with more vCPUs than requests it accepts (CPU never shared, so a request reaches the pool
    exactly `cpu_ms` after its start) and 3 connections for 8 slots, loaded so that the pool often binds."""
    workload = Workload(arrivals=Poisson(rate_per_s=30.0), duration_s=400.0, cpu_ms=Exponential(mean_ms=5.0),
                        io_ms=Exponential(mean_ms=90.0))
    config = CloudRunConfig(vcpu=8, memory_gib=8.0, max_concurrency=8, min_instances=1, max_instances=1,
                            startup_ms=0.0, pending_timeout_s=30.0, connections_per_instance=3, db_pool=True)
    return simulate(workload, config, seed=seed).requests


def test_a_binding_pool_serves_at_most_c_queries_at_once_and_grants_in_order_of_arrival_at_the_pool():
    requests = busy_instance_run()
    served = requests[requests["status"] == "ok"]
    at_pool_s = (served["start_s"] + served["cpu_ms"] / 1000.0).to_numpy()
    granted_s = (served["end_s"] - served["io_ms"] / 1000.0).to_numpy()
    waited = served["pool_wait_s"].to_numpy()
    assert (waited > 0).sum() > 1000                       # the pool binds often
    assert (served["wait_s"] > 0).sum() > 0                # and the instance's slots fill up too
    np.testing.assert_allclose(granted_s - at_pool_s, waited, atol=1e-9)
    order = np.argsort(at_pool_s, kind="stable")
    assert np.all(np.diff(granted_s[order]) >= -1e-9)      # first come, first served
    # Never more than 3 queries at once: +1 at each grant, -1 at each end (ends first at equal times, to the
    # nanosecond: a grant computed as end - query time may differ from the end that freed it by rounding).
    times = np.round(np.r_[granted_s, served["end_s"].to_numpy()], 9)
    steps = np.r_[np.ones(granted_s.size), -np.ones(granted_s.size)]
    order = np.lexsort((steps, times))
    assert np.cumsum(steps[order]).max() == 3


def test_mmc_wait_for_a_pooled_connection_on_cloud_run_agrees_with_erlang_c():
    check = validation.pool_check(connections=3, utilisation=0.75, n_requests=60_000, seed=8)
    assert abs(check.z) < 3.0, check.row()
    assert check.oracle == pytest.approx(theory.erlang_c(3, 2.25) / (3 / 0.1 - 22.5) + 0.1)
    # the wait itself, from the same kind of run
    rate, duration_s = 22.5, 60_000 / 22.5
    workload = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s, cpu_ms=Fixed(ms=0.0),
                        io_ms=Exponential(mean_ms=100.0))
    config = CloudRunConfig(**{**ONE_INSTANCE, "max_concurrency": 1000, "connections_per_instance": 3, "db_pool": True})
    requests = simulate(workload, config, seed=9).requests
    steady = requests[requests["arrival_s"] >= 0.05 * duration_s].sort_values("arrival_s")
    wait = batch_means(steady["pool_wait_s"].to_numpy(), 20)
    assert wait.within(theory.mmc_mean_wait_s(rate, 0.1, 3), k=3.0), wait
    assert wait.se < 0.1 * wait.mean   # precise enough to tell a wrong queue from the right one


def test_lambda_behind_a_pooler_waits_as_mmc_and_waits_with_the_erlang_c_probability():
    c, rate, mean_s = 4, 28.0, 0.1
    duration_s = 60_000 / rate
    workload = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s, cpu_ms=Fixed(ms=0.0),
                        io_ms=Exponential(mean_ms=1000.0 * mean_s))
    config = LambdaConfig(runtime="python", init_ms=0.0, scale_up_per_10s=1_000_000, pooler_max_connections=c)
    requests = simulate(workload, config, seed=5).requests
    steady = requests[requests["arrival_s"] >= 0.05 * duration_s].sort_values("arrival_s")
    wait = batch_means(steady["pool_wait_s"].to_numpy(), 20)
    waited = batch_means((steady["pool_wait_s"] > 0).to_numpy(dtype=float), 20)
    assert wait.within(theory.mmc_mean_wait_s(rate, mean_s, c), k=3.0), wait
    assert waited.within(theory.erlang_c(c, rate * mean_s), k=3.0), waited
    # Without the pooler each environment has its own connection: nobody waits, the same arrivals and work.
    direct = simulate(workload, LambdaConfig(runtime="python", init_ms=0.0, scale_up_per_10s=1_000_000), seed=5)
    assert (direct.requests["pool_wait_s"] == 0).all()
    np.testing.assert_allclose(requests["service_s"] - requests["pool_wait_s"], direct.requests["service_s"],
                               atol=1e-9)


def _never_binding(spec):
    """The scenario with every request's I/O a query on a pool at least as large as the instance's slots."""
    model_class, config, d, mode, duration_s = spec
    slots = config.max_concurrency
    return model_class, type(config)(**{**config.__dict__, "db_pool": True, "connections_per_instance": slots}), \
        d, mode, duration_s


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_pool_that_never_binds_gives_the_stored_tables_bit_for_bit(name):
    stored = json.loads(DIGESTS.read_text())
    _model, ledger, end_s = run(_never_binding(SCENARIOS[name]), skip=True)
    assert ledger_digest(ledger, end_s) == stored[name]
    assert not ledger.pool_wait_s.any()


def test_a_pooler_that_never_binds_gives_lambdas_tables_bit_for_bit():
    workload = Workload(arrivals=Poisson(rate_per_s=40.0), duration_s=600.0, cpu_ms=Exponential(mean_ms=30.0),
                        io_ms=Exponential(mean_ms=120.0))
    base = LambdaConfig(concurrency_limit=50, timeout_s=0.5)
    direct = simulate(workload, base, seed=2)
    pooled = simulate(workload, LambdaConfig(concurrency_limit=50, timeout_s=0.5, pooler_max_connections=50), seed=2)
    assert direct.requests["cold"].any() and (direct.requests["status"] == "timed_out").any()
    pd.testing.assert_frame_equal(direct.requests, pooled.requests, check_exact=True)
    pd.testing.assert_frame_equal(direct.instances, pooled.instances, check_exact=True)
    assert direct.window_s == pooled.window_s


def test_lmi_instances_share_their_pool():
    workload = Workload(arrivals=Poisson(rate_per_s=60.0), duration_s=300.0, cpu_ms=Fixed(ms=0.0),
                        io_ms=Exponential(mean_ms=100.0))
    fields = dict(min_instances=1, max_instances=1, connections_per_instance=4)
    pooled = simulate(workload, LambdaManagedInstancesConfig(**fields, db_pool=True), seed=3).requests
    free = simulate(workload, LambdaManagedInstancesConfig(**fields), seed=3).requests
    ok = (pooled["status"] == "ok") & (free["status"] == "ok")
    assert (pooled["pool_wait_s"] > 0).mean() > 0.5 and not free["pool_wait_s"].any()
    np.testing.assert_allclose(pooled.loc[ok, "latency_s"] - pooled.loc[ok, "pool_wait_s"], free.loc[ok, "latency_s"],
                               atol=1e-9)


def test_the_chapters_burst_counts_the_requests_that_waited_for_cloud_runs_pool():
    runs = shape.burst_runs()
    table = shape.connection_table(runs, 55, 50)
    burst = runs[shape.CLOUD_RUN.name].requests
    assert table.loc["Cloud Run, direct", "waited_for_pool"] == int((burst["pool_wait_s"] > 0).sum()) > 0
    assert table.loc["Lambda, direct", "waited_for_pool"] == 0


@pytest.mark.parametrize("call, name", [
    (lambda: CloudRunConfig(db_pool="yes"), "db_pool"),
    (lambda: LambdaManagedInstancesConfig(db_pool=1), "db_pool"),
    (lambda: LambdaConfig(pooler_max_connections=0), "pooler_max_connections"),
    (lambda: LambdaConfig(pooler_max_connections=2.5), "pooler_max_connections"),
    (lambda: ConnectionPool(0, memoryview(np.zeros(1))), "connections"),
    (lambda: validation.pool_check(utilisation=1.2), "utilisation"),
    (lambda: validation.pool_check(connections=0), "connections"),
    (lambda: shape.pooler_run(None, 0), "pooler_max_connections"),
])
def test_bad_input_raises_value_error_naming_the_parameter_value_and_range(call, name):
    with pytest.raises(ValueError, match=rf"{name}=.* is (not allowed|out of range); expected"):
        call()
