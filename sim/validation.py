"""The simulator against closed-form queueing theory (docs/design.md section 3.5).

Each check builds a workload and a platform configuration in a regime where a formula in
`sim.theory` is exact, simulates it once, drops a warm-up (the first `WARMUP_FRACTION` of the
run) and estimates the quantity by batch means. `validation_table` runs them all.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _check, theory
from .config import CloudRunConfig, LambdaConfig
from .distributions import Exponential, Fixed, LogNormal
from .arrivals import Poisson
from .run import simulate
from .stats import Estimate, batch_means, time_average
from .workload import Workload

#: Share of the simulated window dropped as warm-up before estimating.
WARMUP_FRACTION = 0.05
#: Batches used by every batch-means estimate.
N_BATCHES = 20
# Lambda checks use runtime="python": its first-invoke overhead is 0 ms, so init_ms=0 means a cold
# request's handler time is exactly its work (other runtimes add a first-invoke delay after INIT).
#: Scale-up rate far above anything these checks need (environments per 10 s).
_FAST_SCALE_UP = 1_000_000


@dataclass(frozen=True)
class Check:
    """One comparison: the theoretical value and the simulated estimate."""

    check: str
    oracle: float
    estimate: Estimate

    @property
    def within_4se(self) -> bool:
        return self.estimate.within(self.oracle, k=4.0)

    @property
    def z(self) -> float:
        """How many standard errors the estimate is from the formula (signed)."""
        return (self.estimate.mean - self.oracle) / self.estimate.se

    def row(self) -> dict:
        return {"check": self.check, "oracle": self.oracle, "simulated": self.estimate.mean,
                "se": self.estimate.se, "z": self.z, "within_3se": self.estimate.within(self.oracle, k=3.0)}


def _size(n_requests, seed):
    _check.number("n_requests", n_requests, low=1000, high=2_000_000, integer=True)
    _check.number("seed", seed, low=0, integer=True)


def _work(kind: str, mean_ms: float):
    _check.choice("service", kind, ("exponential", "fixed"))
    return Exponential(mean_ms=mean_ms) if kind == "exponential" else Fixed(ms=mean_ms)


def _steady(requests: pd.DataFrame, duration_s: float) -> pd.DataFrame:
    """Requests that arrived after the warm-up, in arrival order."""
    kept = requests[requests["arrival_s"] >= WARMUP_FRACTION * duration_s]
    return kept.sort_values("arrival_s", kind="stable")


def erlang_b_check(service: str = "exponential", servers: int = 5, offered_load: float = 3.0,
                   mean_service_s: float = 1.0, n_requests: int = 20_000, seed: int = 1) -> Check:
    """Lambda with concurrency limit c, no queue, no INIT delay: P(throttled) = Erlang-B(c, λE[S])."""
    _size(n_requests, seed)
    rate = offered_load / mean_service_s
    duration_s = n_requests / rate
    workload = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s, cpu_ms=Fixed(ms=0.0),
                        io_ms=_work(service, 1000.0 * mean_service_s), mode="sync")
    config = LambdaConfig(runtime="python", concurrency_limit=servers, scale_up_per_10s=_FAST_SCALE_UP, init_ms=0.0)
    steady = _steady(simulate(workload, config, seed=seed).requests, duration_s)
    throttled = (steady["status"] == "throttled").to_numpy(dtype=float)
    return Check(f"Erlang-B throttling, c={servers}, a={offered_load:g}, {service} service",
                 theory.erlang_b(servers, offered_load), batch_means(throttled, N_BATCHES))


def mginf_check(arrival_rate_per_s: float = 20.0, median_ms: float = 300.0, p95_ms: float = 1500.0,
                n_requests: int = 20_000, seed: int = 1) -> Check:
    """Lambda with no effective limit: time-averaged busy environments = λ·E[S] (M/G/∞, lognormal S)."""
    _size(n_requests, seed)
    service = LogNormal(median_ms=median_ms, p95_ms=p95_ms)
    duration_s = n_requests / arrival_rate_per_s
    workload = Workload(arrivals=Poisson(rate_per_s=arrival_rate_per_s), duration_s=duration_s,
                        cpu_ms=Fixed(ms=0.0), io_ms=service, mode="sync")
    config = LambdaConfig(runtime="python", concurrency_limit=1000, scale_up_per_10s=_FAST_SCALE_UP, init_ms=0.0)
    requests = simulate(workload, config, seed=seed).requests
    ok = requests[requests["status"] == "ok"]
    busy = time_average(ok["start_s"], ok["end_s"], WARMUP_FRACTION * duration_s, duration_s, N_BATCHES)
    return Check(f"M/G/inf busy environments, λ={arrival_rate_per_s:g}/s, lognormal service",
                 theory.mginf_mean_busy(arrival_rate_per_s, service.mean_ms / 1000.0), busy)


def keepalive_checks(arrival_rate_per_s: float = 0.02, keep_alive_s: float = 50.0,
                     n_requests: int = 20_000, seed: int = 1) -> tuple[Check, Check]:
    """Lambda, negligible service: P(cold) = e^(−λT) and mean live environments = 1 − e^(−λT)."""
    _size(n_requests, seed)
    duration_s = n_requests / arrival_rate_per_s
    workload = Workload(arrivals=Poisson(rate_per_s=arrival_rate_per_s), duration_s=duration_s,
                        cpu_ms=Fixed(ms=0.0), io_ms=Fixed(ms=0.0), mode="sync")
    config = LambdaConfig(runtime="python", keep_alive_s=keep_alive_s, init_ms=0.0)
    result = simulate(workload, config, seed=seed)
    steady = _steady(result.requests, duration_s)
    cold = batch_means(steady["cold"].to_numpy(dtype=float), N_BATCHES)
    envs = result.instances
    alive = time_average(envs["created_s"], envs["retired_s"], WARMUP_FRACTION * duration_s, duration_s, N_BATCHES)
    label = f"λT={arrival_rate_per_s * keep_alive_s:g}"
    return (Check(f"Keep-alive P(cold), {label}",
                  theory.keepalive_cold_probability(arrival_rate_per_s, keep_alive_s), cold),
            Check(f"Keep-alive live environments, {label}",
                  theory.keepalive_mean_environments(arrival_rate_per_s, keep_alive_s), alive))


def _one_instance(vcpu: float, max_concurrency: int, pending_timeout_s: float = 10.0) -> CloudRunConfig:
    return CloudRunConfig(vcpu=vcpu, memory_gib=max(0.5, vcpu / 2), max_concurrency=max_concurrency,
                          min_instances=1, max_instances=1, startup_ms=0.0, pending_timeout_s=pending_timeout_s)


def _cloudrun_latency(work, rate: float, config: CloudRunConfig, n_requests: int, seed: int) -> Estimate:
    duration_s = n_requests / rate
    workload = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s, cpu_ms=work,
                        io_ms=Fixed(ms=0.0), mode="sync")
    steady = _steady(simulate(workload, config, seed=seed).requests, duration_s)
    return batch_means(steady.loc[steady["status"] == "ok", "latency_s"].to_numpy(), N_BATCHES)


def ps_check(work: str = "exponential", utilisation: float = 0.5, mean_work_ms: float = 100.0,
             n_requests: int = 20_000, seed: int = 1) -> Check:
    """One Cloud Run instance, 1 vCPU, no effective cap: mean latency = E[S]/(1 − ρ) (M/G/1-PS)."""
    _size(n_requests, seed)
    rate = utilisation / (mean_work_ms / 1000.0)
    estimate = _cloudrun_latency(_work(work, mean_work_ms), rate, _one_instance(1.0, 1000), n_requests, seed)
    return Check(f"M/G/1-PS mean latency (s), ρ={utilisation:g}, {work} work",
                 theory.mg1_ps_mean_response_s(rate, mean_work_ms / 1000.0), estimate)


def mmc_check(vcpu: int = 2, utilisation: float = 0.6, mean_work_ms: float = 100.0,
              n_requests: int = 20_000, seed: int = 1) -> Check:
    """One Cloud Run instance with c vCPUs, exponential CPU work: mean latency = M/M/c mean."""
    _size(n_requests, seed)
    rate = utilisation * vcpu / (mean_work_ms / 1000.0)
    estimate = _cloudrun_latency(Exponential(mean_ms=mean_work_ms), rate, _one_instance(float(vcpu), 1000),
                                 n_requests, seed)
    return Check(f"M/M/{vcpu} mean latency (s), ρ={utilisation:g}",
                 theory.mmc_mean_response_s(rate, mean_work_ms / 1000.0, vcpu), estimate)


def mmck_check(vcpu: int = 2, capacity: int = 4, offered_load: float = 1.6, mean_work_ms: float = 100.0,
               n_requests: int = 20_000, seed: int = 1) -> Check:
    """One Cloud Run instance, c vCPUs, cap K, no pending wait: P(throttled) = M/M/c/K blocking."""
    _size(n_requests, seed)
    mean_s = mean_work_ms / 1000.0
    rate = offered_load / mean_s
    duration_s = n_requests / rate
    workload = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s,
                        cpu_ms=Exponential(mean_ms=mean_work_ms), io_ms=Fixed(ms=0.0), mode="sync")
    config = _one_instance(float(vcpu), capacity, pending_timeout_s=0.0)
    steady = _steady(simulate(workload, config, seed=seed).requests, duration_s)
    throttled = (steady["status"] == "throttled").to_numpy(dtype=float)
    return Check(f"M/M/{vcpu}/{capacity} throttling, a={offered_load:g}",
                 theory.mmck_blocking(rate, mean_s, vcpu, capacity), batch_means(throttled, N_BATCHES))


def pool_check(connections: int = 5, utilisation: float = 0.7, mean_query_ms: float = 100.0,
               n_requests: int = 20_000, seed: int = 1) -> Check:
    """One Cloud Run instance whose requests query a database through its own pool of c connections
    (`db_pool`), CPU work zero, exponential query times, a concurrency cap no request reaches: mean latency
    = the M/M/c mean response time, E[S] + C(c, a) / (cμ − λ) (the query, and the wait for a connection).
    (Latency rather than the wait alone: the same absolute standard error on a larger value, so a
    hundredth of it at the trust page's size; tests/test_connection_pool.py checks the wait itself.)"""
    _size(n_requests, seed)
    _check.number("connections", connections, low=1, high=1000, integer=True)
    _check.number("utilisation", utilisation, low=0, low_open=True, high=0.99)
    mean_s = mean_query_ms / 1000.0
    rate = utilisation * connections / mean_s
    duration_s = n_requests / rate
    workload = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s, cpu_ms=Fixed(ms=0.0),
                        io_ms=Exponential(mean_ms=mean_query_ms), mode="sync")
    config = CloudRunConfig(vcpu=1.0, memory_gib=0.5, max_concurrency=1000, min_instances=1, max_instances=1,
                            startup_ms=0.0, connections_per_instance=connections, db_pool=True)
    steady = _steady(simulate(workload, config, seed=seed).requests, duration_s)
    return Check(f"M/M/{connections} mean latency (s), a pool of {connections} DB connections, ρ={utilisation:g}",
                 theory.mmc_mean_response_s(rate, mean_s, connections),
                 batch_means(steady["latency_s"].to_numpy(), N_BATCHES))


def all_checks(seed: int = 1, n_requests: int = 20_000) -> list[Check]:
    """Every check once, each simulation with its own seed derived from `seed`."""
    _size(n_requests, seed)
    seeds = np.random.SeedSequence(seed).generate_state(9)
    s = [int(x) for x in seeds]
    return [erlang_b_check("exponential", n_requests=n_requests, seed=s[0]),
            erlang_b_check("fixed", n_requests=n_requests, seed=s[1]),
            mginf_check(n_requests=n_requests, seed=s[2]),
            *keepalive_checks(n_requests=n_requests, seed=s[3]),
            ps_check("exponential", n_requests=n_requests, seed=s[4]),
            ps_check("fixed", n_requests=n_requests, seed=s[5]),
            mmc_check(n_requests=n_requests, seed=s[6]),
            mmck_check(n_requests=n_requests, seed=s[7]),
            pool_check(n_requests=n_requests, seed=s[8])]


#: Requests per check on the trust page: enough that each standard error is about a hundredth of its value.
TABLE_REQUESTS = 100_000


def validation_table(seed: int = 1, n_requests: int = TABLE_REQUESTS) -> pd.DataFrame:
    """Table of check, oracle, simulated, se, z (standard errors from the formula) and within_3se."""
    checks = all_checks(seed=seed, n_requests=n_requests)
    return pd.DataFrame([c.row() for c in checks],
                        columns=["check", "oracle", "simulated", "se", "z", "within_3se"])
