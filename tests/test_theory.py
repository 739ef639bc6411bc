"""sim.theory against independently known values: textbook numbers, direct sums, limiting cases."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim import theory
from sim.stats import replications


def direct_erlang_b(c, a):
    """Erlang-B from its defining sum (fine for small c)."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def direct_erlang_c(c, a):
    """Erlang-C from its defining sum (fine for small c)."""
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)


# --- Erlang-B -------------------------------------------------------------------------------

@pytest.mark.parametrize("a", [0.0, 0.1, 1.0, 7.5, 100.0])
def test_erlang_b_one_server_is_a_over_one_plus_a(a):
    assert theory.erlang_b(1, a) == pytest.approx(a / (1 + a))


def test_erlang_b_textbook_values():
    assert theory.erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-7)
    assert theory.erlang_b(2, 1.0) == pytest.approx(0.2)
    assert theory.erlang_b(5, 3.0) == pytest.approx(0.110054, abs=5e-7)


@pytest.mark.parametrize("c,a", [(1, 0.5), (3, 2.0), (8, 4.0), (12, 15.0), (20, 10.0)])
def test_erlang_b_matches_the_defining_sum(c, a):
    assert theory.erlang_b(c, a) == pytest.approx(direct_erlang_b(c, a), rel=1e-12)


def test_erlang_b_is_stable_for_large_systems():
    b = theory.erlang_b(1000, 950.0)
    assert 0.0 < b < 1.0 and math.isfinite(b)
    assert 0.0 <= theory.erlang_b(100_000, 10.0) < 1e-300


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 60), a=st.floats(0.01, 80.0))
def test_erlang_b_is_a_probability_falling_with_servers_and_rising_with_load(c, a):
    b = theory.erlang_b(c, a)
    assert 0.0 <= b <= 1.0
    assert theory.erlang_b(c + 1, a) <= b
    assert theory.erlang_b(c, a * 1.1) >= b


# --- Erlang-C and M/M/c ---------------------------------------------------------------------

@pytest.mark.parametrize("c,a", [(1, 0.3), (2, 1.0), (5, 4.0), (10, 8.0), (30, 25.0)])
def test_erlang_c_relation_to_erlang_b(c, a):
    b = theory.erlang_b(c, a)
    rho = a / c
    assert theory.erlang_c(c, a) == pytest.approx(b / (1 - rho * (1 - b)), rel=1e-12)
    assert theory.erlang_c(c, a) == pytest.approx(direct_erlang_c(c, a), rel=1e-10)


def test_erlang_c_known_values():
    assert theory.erlang_c(1, 0.7) == pytest.approx(0.7)            # M/M/1: P(wait) = ρ
    assert theory.erlang_c(2, 1.0) == pytest.approx(1 / 3)          # M/M/2: 2ρ²/(1+ρ) at ρ = 0.5


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 50), rho=st.floats(0.01, 0.99))
def test_erlang_c_is_at_least_erlang_b(c, rho):
    assert theory.erlang_b(c, c * rho) <= theory.erlang_c(c, c * rho) <= 1.0


@pytest.mark.parametrize("lam,es", [(0.5, 1.0), (9.0, 0.1), (0.0, 2.0)])
def test_mm1_response_is_one_over_mu_minus_lambda(lam, es):
    assert theory.mmc_mean_response_s(lam, es, 1) == pytest.approx(1 / (1 / es - lam))


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9])
def test_mm2_response_closed_form(rho):
    es = 0.2
    lam = 2 * rho / es
    assert theory.mmc_mean_response_s(lam, es, 2) == pytest.approx(es / (1 - rho**2))


def test_mmc_response_approaches_service_time_with_many_servers():
    assert theory.mmc_mean_response_s(10.0, 1.0, 40) == pytest.approx(1.0, rel=1e-6)


def test_mmc_wait_is_erlang_c_over_capacity_gap():
    assert theory.mmc_mean_wait_s(12.0, 0.1, 2) == pytest.approx(theory.erlang_c(2, 1.2) / (20 - 12))


# --- M/M/c/K --------------------------------------------------------------------------------

@pytest.mark.parametrize("c,a", [(1, 0.5), (2, 1.6), (5, 3.0), (10, 12.0)])
def test_mmck_with_k_equal_c_is_erlang_b(c, a):
    assert theory.mmck_blocking(a, 1.0, c, c) == pytest.approx(theory.erlang_b(c, a), rel=1e-12)


@pytest.mark.parametrize("rho,k", [(0.5, 3), (0.8, 10), (1.0, 4), (1.5, 6)])
def test_mm1k_blocking_closed_form(rho, k):
    expected = 1 / (k + 1) if rho == 1.0 else (1 - rho) * rho**k / (1 - rho ** (k + 1))
    assert theory.mmck_blocking(rho, 1.0, 1, k) == pytest.approx(expected, rel=1e-12)


def test_mmck_large_capacity_approaches_mmc():
    lam, es, c = 3.2, 0.5, 2
    assert theory.mmck_blocking(lam, es, c, 2000) < 1e-12
    assert theory.mmck_mean_response_s(lam, es, c, 2000) == pytest.approx(theory.mmc_mean_response_s(lam, es, c),
                                                                         rel=1e-9)


def test_mmck_blocking_falls_with_capacity_and_is_stable_when_overloaded():
    values = [theory.mmck_blocking(6.0, 0.5, 2, k) for k in range(2, 12)]
    assert all(x > y for x, y in zip(values, values[1:]))
    b = theory.mmck_blocking(50.0, 1.0, 4, 5000)        # ρ = 12.5, huge K: no overflow
    assert b == pytest.approx(1 - 4 / 50, rel=1e-9)     # throughput saturates at c/E[S]


def test_mmck_zero_load_never_blocks():
    assert theory.mmck_blocking(0.0, 1.0, 3, 5) == 0.0


def test_mmck_mean_response_with_k_equal_c_is_the_service_time():
    assert theory.mmck_mean_response_s(3.0, 0.7, 4, 4) == pytest.approx(0.7)


# --- processor sharing, M/G/∞, keep-alive ---------------------------------------------------

def test_mg1_ps_response():
    assert theory.mg1_ps_mean_response_s(5.0, 0.1) == pytest.approx(0.2)
    assert theory.mg1_ps_mean_response_s(0.0, 0.3) == pytest.approx(0.3)
    assert theory.mg1_ps_mean_response_s(8.0, 0.1) == pytest.approx(theory.mmc_mean_response_s(8.0, 0.1, 1))


def test_mginf_mean_busy_is_offered_load():
    assert theory.mginf_mean_busy(20.0, 0.5) == pytest.approx(10.0)
    assert theory.offered_load(4.0, 0.25) == pytest.approx(1.0)
    assert theory.utilisation(12.0, 0.1, 2) == pytest.approx(0.6)


def test_keepalive_single_environment():
    assert theory.keepalive_cold_probability(0.01, 100.0) == pytest.approx(math.exp(-1))
    assert theory.keepalive_mean_environments(0.01, 100.0) == pytest.approx(1 - math.exp(-1))
    assert theory.keepalive_cold_probability(1.0, 0.0) == 1.0
    assert theory.keepalive_mean_environments(0.0, 360.0) == 0.0
    assert theory.keepalive_mean_environments(1e-12, 1.0) == pytest.approx(1e-12, rel=1e-6)  # no cancellation


def test_keepalive_mean_environments_matches_a_monte_carlo_integral():
    # Each gap between arrivals keeps the environment alive for min(gap, keep-alive): the long-run fraction
    # of time alive is sum(min(gap, 3)) / sum(gap). Twenty independent batches give the estimate and its SE.
    rng = np.random.default_rng(7)
    gaps = rng.exponential(1 / 0.5, (20, 10_000))
    per_batch = np.minimum(gaps, 3.0).sum(axis=1) / gaps.sum(axis=1)
    assert replications(per_batch).within(theory.keepalive_mean_environments(0.5, 3.0), k=4)


def test_numpy_scalars_are_accepted():
    assert theory.erlang_b(np.int64(2), np.float64(1.0)) == pytest.approx(0.2)


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("call,name", [
    (lambda: theory.erlang_b(0, 1.0), "servers"),
    (lambda: theory.erlang_b(2.5, 1.0), "servers"),
    (lambda: theory.erlang_b(True, 1.0), "servers"),
    (lambda: theory.erlang_b(2, -1.0), "offered_load"),
    (lambda: theory.erlang_b(2, float("nan")), "offered_load"),
    (lambda: theory.erlang_b(2, "3"), "offered_load"),
    (lambda: theory.erlang_c(2, 2.0), "offered_load"),
    (lambda: theory.erlang_c(2, 3.0), "offered_load"),
    (lambda: theory.mmc_mean_response_s(20.0, 0.1, 2), "arrival_rate_per_s"),
    (lambda: theory.mmc_mean_response_s(-1.0, 0.1, 2), "arrival_rate_per_s"),
    (lambda: theory.mmc_mean_response_s(1.0, 0.0, 2), "mean_service_s"),
    (lambda: theory.mmc_mean_wait_s(1.0, 0.1, 0), "servers"),
    (lambda: theory.mmck_blocking(1.0, 0.1, 3, 2), "capacity"),
    (lambda: theory.mmck_blocking(1.0, -0.1, 3, 4), "mean_service_s"),
    (lambda: theory.mmck_mean_response_s(0.0, 0.1, 3, 4), "arrival_rate_per_s"),
    (lambda: theory.mg1_ps_mean_response_s(10.0, 0.1), "arrival_rate_per_s"),
    (lambda: theory.mg1_ps_mean_response_s(12.0, 0.1), "arrival_rate_per_s"),
    (lambda: theory.mginf_mean_busy(float("inf"), 0.1), "arrival_rate_per_s"),
    (lambda: theory.keepalive_cold_probability(1.0, -5.0), "keep_alive_s"),
    (lambda: theory.keepalive_mean_environments(-1.0, 5.0), "arrival_rate_per_s"),
    (lambda: theory.utilisation(1.0, 0.1, servers=0), "servers"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_unstable_queue_message_says_why():
    with pytest.raises(ValueError, match=r"arrival_rate_per_s=20\.0.*< 20.*unstable"):
        theory.mmc_mean_response_s(20.0, 0.1, 2)
