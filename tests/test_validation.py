"""The simulator agrees with queueing theory within 4 standard errors (docs/design.md section 3.5).

Each check drops a warm-up and estimates by batch means (sim.validation, sim.stats); the oracle
is pinned to its textbook value here too, so a wrong oracle cannot hide a wrong simulator.
Every statistical test was run with 20 different seeds before being trusted.
"""
import math

import numpy as np
import pytest

from sim import stats, validation

N = 60_000  # requests per check


def assert_agrees(check, oracle, max_relative_se):
    """The oracle is the pinned value, the estimate is precise enough to mean something, and it agrees."""
    assert check.oracle == pytest.approx(oracle, rel=1e-5), check.check
    assert 0 < check.estimate.se <= max_relative_se * oracle, f"{check.check}: SE too large: {check.estimate}"
    assert check.within_4se, f"{check.check}: simulated {check.estimate} vs theory {check.oracle:.6g}"


# --- estimators -------------------------------------------------------------------------------

def test_replications_mean_and_standard_error():
    est = stats.replications([1.0, 2.0, 3.0, 4.0])
    assert est.mean == 2.5
    assert est.se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    mean, se = est
    assert (mean, se) == (est.mean, est.se)


def test_batch_means_uses_equal_contiguous_batches():
    est = stats.batch_means(np.r_[np.zeros(10), np.ones(10), 99.0], n_batches=2)
    assert est.mean == 0.5 and est.se == pytest.approx(0.5)


def test_batch_means_standard_error_covers_the_truth_for_iid_data():
    rng = np.random.default_rng(3)
    hits = sum(stats.batch_means(rng.exponential(2.0, 2000), 20).within(2.0, k=2) for _ in range(400))
    assert 0.90 <= hits / 400 <= 0.99  # about 94% for t with 19 degrees of freedom


def test_estimate_within_and_interval():
    est = stats.Estimate(1.0, 0.1)
    assert est.within(1.39) and not est.within(1.41)
    assert est.interval(2.0) == pytest.approx((0.8, 1.2))


def test_time_average_of_intervals():
    # one interval open on [0, 5), one on [2, 10), one never closed (NaN) from 8
    avg = stats.interval_time_averages([0, 2, 8], [5, 10, np.nan], 0.0, 10.0, n_batches=2)
    assert avg == pytest.approx([(5 + 3) / 5, (0 + 5 + 2) / 5])
    assert stats.time_average([0, 2, 8], [5, 10, np.nan], 0.0, 10.0, n_batches=2).mean == pytest.approx(1.5)


@pytest.mark.parametrize("call,name", [
    (lambda: stats.batch_means([1.0, 2.0, 3.0], n_batches=1), "n_batches"),
    (lambda: stats.batch_means([1.0, 2.0], n_batches=3), "values"),
    (lambda: stats.replications([1.0]), "values"),
    (lambda: stats.replications([1.0, float("nan")]), "values"),
    (lambda: stats.Estimate(1.0, 0.1).within(1.0, k=-1), "k"),
    (lambda: stats.time_average([0], [1], 5.0, 5.0), "t1"),
    (lambda: validation.validation_table(n_requests=10), "n_requests"),
    (lambda: validation.ps_check(n_requests=10), "n_requests"),
    (lambda: validation.erlang_b_check(service="gamma"), "service"),
    (lambda: validation.pool_check(utilisation=0.0), "utilisation"),
    (lambda: validation.pool_check(n_requests=10), "n_requests"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- the simulator against theory -------------------------------------------------------------

@pytest.mark.parametrize("service", ["exponential", "fixed"])
def test_lambda_throttle_probability_is_erlang_b_for_any_service_law(service):
    check = validation.erlang_b_check(service, servers=5, offered_load=3.0, n_requests=N, seed=11)
    assert_agrees(check, 0.110054, max_relative_se=0.05)


def test_lambda_busy_environments_without_limit_are_lambda_times_mean_service():
    check = validation.mginf_check(arrival_rate_per_s=20.0, median_ms=300.0, p95_ms=1500.0, n_requests=N, seed=12)
    sigma = math.log(5.0) / 1.6448536269514722
    assert_agrees(check, 20.0 * 0.3 * math.exp(sigma**2 / 2), max_relative_se=0.03)


def test_lambda_single_environment_keep_alive_cold_probability_and_lifetime():
    cold, alive = validation.keepalive_checks(arrival_rate_per_s=0.02, keep_alive_s=50.0, n_requests=N, seed=13)
    assert_agrees(cold, math.exp(-1.0), max_relative_se=0.03)
    assert_agrees(alive, 1 - math.exp(-1.0), max_relative_se=0.03)


@pytest.mark.parametrize("work", ["exponential", "fixed"])
def test_cloud_run_one_vcpu_mean_latency_is_processor_sharing(work):
    check = validation.ps_check(work, utilisation=0.5, mean_work_ms=100.0, n_requests=N, seed=14)
    assert_agrees(check, 0.2, max_relative_se=0.03)


def test_cloud_run_two_vcpus_mean_latency_is_mmc():
    check = validation.mmc_check(vcpu=2, utilisation=0.6, mean_work_ms=100.0, n_requests=N, seed=15)
    assert_agrees(check, 0.1 / (1 - 0.6**2), max_relative_se=0.03)  # M/M/2: E[S]/(1 − ρ²)


def test_cloud_run_capped_instance_throttle_probability_is_mmck():
    check = validation.mmck_check(vcpu=2, capacity=4, offered_load=1.6, mean_work_ms=100.0, n_requests=N, seed=16)
    # M/M/2/4 at a = 1.6: p_n ∝ 1, a, a²/2, a³/4, a⁴/8
    terms = [1, 1.6, 1.6**2 / 2, 1.6**3 / 4, 1.6**4 / 8]
    assert_agrees(check, terms[-1] / sum(terms), max_relative_se=0.05)


def test_a_pool_of_c_database_connections_is_an_mmc_queue():
    check = validation.pool_check(connections=5, utilisation=0.7, mean_query_ms=100.0, n_requests=N, seed=17)
    # M/M/5 at a = 3.5: E[T] = C(5, 3.5) / (5/0.1 - 35) + 0.1, with C from Erlang-B
    a, b = 3.5, 1.0
    for k in range(1, 6):
        b = a * b / (k + a * b)
    erlang_c = b / (1 - 0.7 * (1 - b))
    assert_agrees(check, erlang_c / 15.0 + 0.1, max_relative_se=0.03)


def test_validation_table_has_the_documented_columns_and_every_check_within_3_se():
    table = validation.validation_table(seed=1)
    assert list(table.columns) == ["check", "oracle", "simulated", "se", "z", "within_3se"]
    assert len(table) == 10 and table["se"].gt(0).all()
    assert np.allclose(table["z"], (table["simulated"] - table["oracle"]) / table["se"])
    assert table["within_3se"].all(), table[~table["within_3se"]]
    assert (table["z"].abs() <= 3).tolist() == table["within_3se"].tolist()
    # precise enough to mean something: each standard error at most 2% of its value
    assert (table["se"] <= 0.02 * table["oracle"]).all(), table
