"""Closed-form queueing results the simulator is checked against (docs/design.md section 3.5).

Every function takes rates per second and times in seconds, validates its arguments and
raises ValueError naming the parameter when a queue would be unstable (utilisation >= 1).
Only numpy and math are used; the Erlang formulas use the numerically stable recursion.
"""
from __future__ import annotations

import math

import numpy as np

from sim import _check

_MAX_SERVERS = 1_000_000


def _rate(arrival_rate_per_s):
    return _check.number("arrival_rate_per_s", arrival_rate_per_s, low=0.0)


def _service(mean_service_s):
    return _check.number("mean_service_s", mean_service_s, low=0.0, low_open=True)


def _servers(servers, name="servers"):
    return int(_check.number(name, servers, low=1, high=_MAX_SERVERS, integer=True))


def _require_stable(arrival_rate_per_s, mean_service_s, servers):
    rho = arrival_rate_per_s * mean_service_s / servers
    if rho >= 1.0:
        limit = servers / mean_service_s
        raise ValueError(
            f"arrival_rate_per_s={arrival_rate_per_s!r} is out of range; expected a number < {limit:g} "
            f"(servers/mean_service_s): utilisation {rho:g} >= 1 makes the queue unstable")
    return rho


def offered_load(arrival_rate_per_s: float, mean_service_s: float) -> float:
    """Offered load a = λ·E[S] in erlangs (mean number of busy servers with unlimited servers)."""
    return _rate(arrival_rate_per_s) * _service(mean_service_s)


def utilisation(arrival_rate_per_s: float, mean_service_s: float, servers: int = 1) -> float:
    """Utilisation ρ = λ·E[S]/c of a station with `servers` servers (may be >= 1: not checked for stability)."""
    return offered_load(arrival_rate_per_s, mean_service_s) / _servers(servers)


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang-B: probability that an arrival to an M/G/c/c loss system finds all `servers` busy.

    Insensitive to the service-time distribution. Stable recursion B(k) = a·B(k−1) / (k + a·B(k−1)).
    """
    c = _servers(servers)
    a = _check.number("offered_load", offered_load, low=0.0)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Erlang-C: probability that an arrival to an M/M/c queue waits; needs offered_load < servers.

    Computed from Erlang-B as C = B / (1 − ρ(1 − B)) with ρ = offered_load/servers.
    """
    c = _servers(servers)
    a = _check.number("offered_load", offered_load, low=0.0)
    if a >= c:
        raise ValueError(f"offered_load={offered_load!r} is out of range; expected a number < servers={c} "
                         "(utilisation >= 1 makes the queue unstable)")
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def mmc_mean_wait_s(arrival_rate_per_s: float, mean_service_s: float, servers: int) -> float:
    """M/M/c mean time in queue: E[W] = C(c, a) / (cμ − λ)."""
    lam, es, c = _rate(arrival_rate_per_s), _service(mean_service_s), _servers(servers)
    _require_stable(lam, es, c)
    return erlang_c(c, lam * es) / (c / es - lam)


def mmc_mean_response_s(arrival_rate_per_s: float, mean_service_s: float, servers: int) -> float:
    """M/M/c mean response time E[T] = E[W] + E[S] (c = 1 gives 1/(μ − λ)).

    Also the mean response time of c processors shared by all jobs present (M/M/c-PS, each of n jobs
    served at rate min(1, c/n)), since the number in system is the same birth-death process.
    """
    return mmc_mean_wait_s(arrival_rate_per_s, mean_service_s, servers) + mean_service_s


def _mmck_distribution(arrival_rate_per_s, mean_service_s, servers, capacity):
    """Stationary distribution p_0..p_K of the number in an M/M/c/K system."""
    lam, es, c = _rate(arrival_rate_per_s), _service(mean_service_s), _servers(servers)
    k = int(_check.number("capacity", capacity, low=c, high=_MAX_SERVERS, integer=True))
    a = lam * es
    if a == 0.0:
        p = np.zeros(k + 1)
        p[0] = 1.0
        return p
    n = np.arange(k + 1, dtype=float)
    log_a = math.log(a)
    log_terms = np.empty(k + 1)
    low = n <= c
    log_terms[low] = n[low] * log_a - np.array([math.lgamma(x + 1.0) for x in n[low]])
    log_terms[~low] = c * log_a - math.lgamma(c + 1.0) + (n[~low] - c) * math.log(a / c)
    log_terms -= log_terms.max()
    p = np.exp(log_terms)
    return p / p.sum()


def mmck_blocking(arrival_rate_per_s: float, mean_service_s: float, servers: int, capacity: int) -> float:
    """M/M/c/K blocking probability: an arrival finds `capacity` (K >= c) jobs present and is lost.

    K = c gives Erlang-B; K → ∞ approaches M/M/c (blocking → 0 when ρ < 1). Any ρ is allowed.
    """
    return float(_mmck_distribution(arrival_rate_per_s, mean_service_s, servers, capacity)[-1])


def mmck_mean_response_s(arrival_rate_per_s: float, mean_service_s: float, servers: int, capacity: int) -> float:
    """M/M/c/K mean response time of admitted jobs, by Little's law: E[N] / (λ(1 − P_block))."""
    p = _mmck_distribution(arrival_rate_per_s, mean_service_s, servers, capacity)
    lam = _check.number("arrival_rate_per_s", arrival_rate_per_s, low=0.0, low_open=True)
    mean_in_system = float(np.dot(np.arange(p.size), p))
    return mean_in_system / (lam * (1.0 - p[-1]))


def mg1_ps_mean_response_s(arrival_rate_per_s: float, mean_service_s: float) -> float:
    """M/G/1 processor sharing mean response time E[T] = E[S]/(1 − ρ); insensitive to the work law."""
    lam, es = _rate(arrival_rate_per_s), _service(mean_service_s)
    rho = _require_stable(lam, es, 1)
    return es / (1.0 - rho)


def mginf_mean_busy(arrival_rate_per_s: float, mean_service_s: float) -> float:
    """M/G/∞ time-averaged number of busy servers λ·E[S] (Lambda with no effective concurrency limit)."""
    return offered_load(arrival_rate_per_s, mean_service_s)


def keepalive_cold_probability(arrival_rate_per_s: float, keep_alive_s: float) -> float:
    """P(cold) = e^(−λT): Poisson arrivals, negligible service time, one environment kept alive T seconds."""
    lam = _rate(arrival_rate_per_s)
    t = _check.number("keep_alive_s", keep_alive_s, low=0.0)
    return math.exp(-lam * t)


def keepalive_mean_environments(arrival_rate_per_s: float, keep_alive_s: float) -> float:
    """Time-averaged number of live environments 1 − e^(−λT) (same regime as keepalive_cold_probability).

    The single environment lives from an arrival until the next arrival or T seconds, whichever is first:
    E[min(X, T)]/E[X] with X ~ Exp(λ).
    """
    return -math.expm1(-_rate(arrival_rate_per_s) * _check.number("keep_alive_s", keep_alive_s, low=0.0))
