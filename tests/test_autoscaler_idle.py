"""The autoscalers of Cloud Run and Lambda Managed Instances skip their ticks while the fleet is at rest
(sim.shared_cpu.SharedCpuFleet): the result tables must be the same, bit for bit, as with a tick every period.

Two references. Stored digests of the ledger (every array the requests and instances tables are built
from, and the run's end) were computed with the engine as it was before ticks were skipped, on the
scenarios below; their draws are exact binary fractions, so they give the same bits on any machine. And
the same engine with `skip_ticks_at_rest = False` (a tick every period) gives the reference tables of the
benchmark's, the labs' and the chapters' kinds of runs, compared in full.
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import (CloudRunConfig, Diurnal, Exponential, LambdaManagedInstancesConfig, OnOff, Poisson, Replay,
                 Workload, simulate)
from sim.cloudrun_model import CloudRunModel
from sim.lmi_model import LmiModel
from sim.panels import capstone, cold_starts, concurrency_cost, deployment_shape
from sim.shared_cpu import SharedCpuFleet
from sim.workload import Draws

DIGESTS = Path(__file__).with_name("data") / "autoscaler_reference_digests.json"
GRID = 1024.0   # every draw is a multiple of 1/1024 (s or ms): exact in binary, the same bits everywhere


# ---------------------------------------------------------------- scenarios with exact draws
def exact(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * GRID) / GRID


def poisson_s(rng, rate_per_s: float, n: int) -> np.ndarray:
    return exact(np.cumsum(rng.exponential(1.0 / rate_per_s, n)))


def bursts_s(rng, rate_per_s: float, on_s: float, off_s: float, cycles: int) -> np.ndarray:
    """Poisson traffic during the first on_s of each (on_s + off_s) cycle."""
    out = []
    for k in range(cycles):
        t = np.cumsum(rng.exponential(1.0 / rate_per_s, int(rate_per_s * on_s * 2)))
        out.append(k * (on_s + off_s) + t[t < on_s])
    return exact(np.concatenate(out))


def daily_cycle_s(rng, mean_rate_per_s: float, days: float) -> np.ndarray:
    """A daily cycle, peak 4x trough, by thinning (the benchmark's month, shortened)."""
    peak = mean_rate_per_s * 1.6
    t = np.cumsum(rng.exponential(1.0 / peak, int(peak * days * 86_400 * 1.1)))
    t = t[t < days * 86_400]
    rate = mean_rate_per_s * (1 + 0.6 * np.sin(2 * np.pi * t / 86_400))
    return exact(t[rng.random(t.size) < rate / peak])


def draws(arrival_s, rng, cpu_mean_ms: float, io_mean_ms: float = 0.0) -> Draws:
    n = len(arrival_s)
    io = exact(rng.exponential(io_mean_ms, n)) if io_mean_ms else np.zeros(n)
    return Draws(np.asarray(arrival_s, dtype=float), exact(rng.exponential(cpu_mean_ms, n)), io)


def cloud_run(**fields) -> CloudRunConfig:
    """Every setting the autoscaler reads stated, so that a changed default cannot move the references."""
    base = {"vcpu": 1, "max_concurrency": 80, "min_instances": 0, "max_instances": 100, "startup_ms": 1234.5,
            "idle_timeout_s": 900.0, "autoscale_period_s": 5.0, "autoscale_window_s": 60.0,
            "target_cpu_utilization": 0.6, "target_concurrency_utilization": 0.6, "pending_timeout_s": 10.0,
            "request_timeout_s": 300.0}
    return CloudRunConfig(**{**base, **fields})


def lmi(**fields) -> LambdaManagedInstancesConfig:
    base = {"min_instances": 3, "max_instances": 50, "target_cpu_utilization": 0.5, "scale_growth_factor": 2.0,
            "scale_growth_window_s": 300.0, "scaler_period_s": 10.0, "scaler_window_s": 60.0,
            "scale_in_cooldown_s": 300.0, "instance_launch_s": 60.0, "request_timeout_s": 300.0}
    return LambdaManagedInstancesConfig(**{**base, **fields})


# Requests on the tick grid: clumps at multiples of 5 s with gaps longer than a window plus an idle timeout,
# so that arrivals, starts (5 s), idle retirements (60 s) and ticks fall on the same instants.
TIES_S = np.array([0.0, 5.0, 5.0, 10.0, 10.0, 10.0, 12.5, 15.0, 300.0, 305.0, 305.0, 310.0, 1200.0, 1205.0,
                   1210.0, 1210.0, 1215.0, 1400.0, 1405.0, 2000.0])


def scenarios() -> dict[str, tuple]:
    """name -> (model class, config, draws, mode, duration_s)."""
    rng = np.random.default_rng(20)
    out = {}
    a = poisson_s(rng, 20.0, 30_000)
    out["cloudrun steady"] = (CloudRunModel, cloud_run(), draws(a, rng, 100.0), "sync", float(np.ceil(a[-1])))
    a = daily_cycle_s(rng, 0.4, 3.0)
    out["cloudrun daily cycle (3 days)"] = (CloudRunModel, cloud_run(), draws(a, rng, 100.0), "sync", 3 * 86_400.0)
    a = poisson_s(rng, 160.0, 20_000)
    for label, fields in (("~10 per instance", {"vcpu": 2, "max_concurrency": 18}),
                          ("~80 per instance", {"vcpu": 2, "max_concurrency": 170}),
                          ("~80 per instance on 8 vCPU", {"vcpu": 8, "memory_gib": 4.0, "max_concurrency": 170})):
        out[f"cloudrun {label}"] = (CloudRunModel, cloud_run(**fields), draws(a, rng, 20.0, 1980.0), "sync",
                                    float(np.ceil(a[-1])))
    a = bursts_s(rng, 5.0, 60.0, 600.0, 6)
    duration_s = 6 * 660.0
    out["cloudrun bursts and idle gaps"] = (CloudRunModel, cloud_run(), draws(a, rng, 20.0, 180.0), "sync", duration_s)
    out["cloudrun bursts, one minimum instance"] = (CloudRunModel, cloud_run(min_instances=1, idle_timeout_s=120.0),
                                                    draws(a, rng, 20.0, 180.0), "sync", duration_s)
    a = bursts_s(rng, 200.0, 10.0, 400.0, 3)
    out["cloudrun spike past capacity, pending queue"] = (
        CloudRunModel, cloud_run(max_instances=2, max_concurrency=5, idle_timeout_s=30.0),
        draws(a, rng, 50.0, 200.0), "sync", 1230.0)
    out["cloudrun spike, queue-fed"] = (CloudRunModel, cloud_run(max_instances=3, max_concurrency=4),
                                        draws(a, rng, 50.0, 200.0), "queue", 1230.0)
    ties = draws(TIES_S, rng, 400.0, 600.0)
    out["cloudrun requests on the tick grid"] = (
        CloudRunModel, cloud_run(max_concurrency=2, startup_ms=5000.0, idle_timeout_s=60.0), ties, "sync", 2100.0)
    out["cloudrun on the tick grid, no pending queue"] = (
        CloudRunModel, cloud_run(max_concurrency=1, max_instances=3, startup_ms=5000.0, idle_timeout_s=60.0,
                                 pending_timeout_s=0.0), ties, "sync", 2100.0)
    a = poisson_s(rng, 20.0, 20_000)
    out["lmi steady"] = (LmiModel, lmi(), draws(a, rng, 100.0), "sync", float(np.ceil(a[-1])))
    a = bursts_s(rng, 150.0, 120.0, 900.0, 3)
    out["lmi spikes and idle gaps"] = (LmiModel, lmi(), draws(a, rng, 60.0, 100.0), "sync", 3 * 1020.0)
    out["lmi spikes, queue-fed"] = (LmiModel, lmi(max_instances=6), draws(a, rng, 60.0, 100.0), "queue", 3 * 1020.0)
    out["lmi requests on the tick grid"] = (LmiModel, lmi(min_instances=1, concurrency_per_vcpu=1,
                                                          instance_launch_s=10.0), ties, "sync", 2100.0)
    return out


def run(spec, *, skip: bool):
    model_class, config, d, mode, duration_s = spec
    previous = getattr(SharedCpuFleet, "skip_ticks_at_rest", True)   # the engine that always ticked has no flag
    SharedCpuFleet.skip_ticks_at_rest = skip
    try:
        args = (config, d, mode, duration_s) + ((np.random.default_rng(5),) if model_class is CloudRunModel else ())
        model = model_class(*args)
        ledger, end_s = model.run()
    finally:
        SharedCpuFleet.skip_ticks_at_rest = previous
    return model, ledger, end_s


def ledger_digest(ledger, end_s: float) -> str:
    """SHA-256 of every array the requests and instances tables are built from, and the run's end."""
    h = hashlib.sha256()
    for values in (ledger.start_s, ledger.end_s, ledger.init_s, ledger.cold, ledger.status, ledger.instance_id,
                   ledger.created_s, ledger.ready_s, ledger.retired_s, ledger.instance_provisioned):
        h.update(np.ascontiguousarray(values).tobytes())
    h.update(np.float64(end_s).tobytes())
    return h.hexdigest()


SCENARIOS = scenarios()


@functools.cache
def skipping(name: str):
    """(model, ledger, end) of a scenario run as the engine runs it: ticks skipped at rest."""
    return run(SCENARIOS[name], skip=True)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_skipping_ticks_at_rest_gives_the_tables_of_the_engine_that_ticked_every_period(name):
    stored = json.loads(DIGESTS.read_text())
    _, ledger, end_s = skipping(name)
    assert ledger_digest(ledger, end_s) == stored[name]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_skipping_ticks_at_rest_gives_the_tables_of_a_tick_every_period(name):
    _, ledger, end_s = skipping(name)
    reference, reference_ledger, reference_end_s = run(SCENARIOS[name], skip=False)
    assert reference.ticks_skipped == 0
    assert end_s == reference_end_s
    pd.testing.assert_frame_equal(ledger.requests_table(), reference_ledger.requests_table(), check_exact=True)
    pd.testing.assert_frame_equal(ledger.instances_table(), reference_ledger.instances_table(), check_exact=True)


def test_ticks_are_skipped_in_idle_gaps_and_not_while_requests_arrive_steadily():
    skipped = {name: skipping(name)[0].ticks_skipped for name in
               ("cloudrun bursts and idle gaps", "cloudrun requests on the tick grid", "lmi spikes and idle gaps",
                "lmi requests on the tick grid", "cloudrun steady", "lmi steady")}
    # Six 600 s gaps at 5 s per tick: each gap less the window (60 s) and the idle instance's move to standby.
    assert 500 < skipped["cloudrun bursts and idle gaps"] < 6 * 600 / 5
    assert 120 < skipped["lmi spikes and idle gaps"] < 3 * 900 / 10
    assert skipped["cloudrun requests on the tick grid"] > 100 and skipped["lmi requests on the tick grid"] > 50
    assert skipped["cloudrun steady"] == 0 and skipped["lmi steady"] == 0


# ---------------------------------------------------------------- the book's runs, against a tick every period
def both_ways(fn):
    """fn() with ticks skipped at rest, and with a tick every period."""
    previous = SharedCpuFleet.skip_ticks_at_rest
    try:
        out = []
        for skip in (True, False):
            SharedCpuFleet.skip_ticks_at_rest = skip
            out.append(fn())
        return out
    finally:
        SharedCpuFleet.skip_ticks_at_rest = previous


@pytest.mark.parametrize("table", [deployment_shape.run, cold_starts.run, concurrency_cost.run_concurrency,
                                   concurrency_cost.run_traffic, capstone.run],
                         ids=["lab1", "lab2", "lab3 concurrency", "lab3 traffic", "lab4 capstone"])
def test_every_lab_panel_table_at_its_defaults_is_the_same_either_way(table):
    skipping, ticking = both_ways(table)
    pd.testing.assert_frame_equal(skipping, ticking, check_exact=True)


@pytest.mark.parametrize("label, workload, config", [
    ("the benchmark's month, shortened to 3 days", Workload(Diurnal(mean_rate_per_s=0.4, peak_to_trough=4.0),
                                                            duration_s=3 * 86_400.0, cpu_ms=Exponential(mean_ms=100.0)),
     CloudRunConfig()),
    ("chapter 2's bursts with gaps", Workload(OnOff(rate_on_per_s=5.0, on_s=60.0, off_s=1800.0), duration_s=4 * 1860.0,
                                              cpu_ms=Exponential(mean_ms=20.0), io_ms=Exponential(mean_ms=180.0)), CloudRunConfig()),
    ("LMI under a standard load", Workload(Poisson(rate_per_s=20.0), duration_s=1000.0, cpu_ms=Exponential(mean_ms=100.0)),
     LambdaManagedInstancesConfig()),
    ("LMI with gaps", Workload(OnOff(rate_on_per_s=50.0, on_s=60.0, off_s=1200.0), duration_s=3 * 1260.0,
                               cpu_ms=Exponential(mean_ms=50.0), io_ms=Exponential(mean_ms=150.0)), LambdaManagedInstancesConfig()),
    ("timestamps on whole seconds", Workload(Replay(list(TIES_S)), duration_s=2100.0, cpu_ms=Exponential(mean_ms=400.0),
                                             io_ms=Exponential(mean_ms=600.0)),
     CloudRunConfig(max_concurrency=2, startup_ms=5000.0, idle_timeout_s=60.0)),
])
def test_simulate_gives_the_same_tables_either_way(label, workload, config):
    skipping, ticking = both_ways(lambda: simulate(workload, config, seed=3))
    pd.testing.assert_frame_equal(skipping.requests, ticking.requests, check_exact=True)
    pd.testing.assert_frame_equal(skipping.instances, ticking.instances, check_exact=True)
    assert skipping.window_s == ticking.window_s
