"""The Lambda model against real AWS Lambda measurements (sim.experiments.measured_lambda, trust appendix).

The page's glued mean relative errors are checked against the data: the stored notebook keeps the
simulated values it used (glue `aws_records`), nbval checks those equal a fresh run, and these tests
recompute the errors from the CSV and those values, and re-simulate the cheapest experiments.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from sim import LambdaConfig
from sim.arrivals import Poisson
from sim.distributions import Exponential, Fixed
from sim.experiments import measured_lambda as ml
from sim.run import simulate
from sim.stats import batch_means, replications

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "chapters" / "appendix_trust.ipynb"
DATA = ROOT / "chapters" / "data" / "aws_lambda_keepalive_measured.csv"
GLUE_MIME = "application/papermill.record/text/plain"


def _glued() -> dict[str, str]:
    """Every text glued in the stored trust appendix: name -> value."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in output.get("data", {}) and "image/png" not in str(output["data"]):
                out[name] = ast.literal_eval(output["data"][GLUE_MIME])
    return out


def _printed_outputs() -> str:
    """The text of every displayed (not glued) output of the stored page."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return "\n".join(o["data"].get("text/html", "") + o["data"].get("text/plain", "")
                     for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "execute_result")


@pytest.fixture(scope="module")
def glued():
    return _glued()


@pytest.fixture(scope="module")
def stored_table(glued):
    return ml.table_from_records(glued["aws_records"], ml.load_measurements())


# ---------------------------------------------------------------- the page's numbers
def test_glued_mean_relative_errors_equal_those_computed_from_the_data(glued, stored_table):
    raw = pd.read_csv(DATA)   # the data file itself, read independently of the module's loader
    stored = pd.DataFrame(json.loads(glued["aws_records"]))
    assert list(dict.fromkeys(stored["dispatch"])) == list(ml.POLICIES)
    for policy in ml.POLICIES:
        sim = stored[stored["dispatch"] == policy]
        assert np.array_equal(sim["arrival_rate_per_s"].to_numpy(), raw["arrival_rate_per_s"].to_numpy())
        p_cold = np.mean(np.abs(sim["p_cold_sim"].to_numpy() - raw["p_cold"]) / raw["p_cold"])
        alive = np.mean(np.abs(sim["mean_instances_sim"].to_numpy() - raw["mean_instances"]) / raw["mean_instances"])
        assert glued[f"aws_mre_p_cold_{policy}"] == f"{100 * p_cold:.1f}%"
        assert glued[f"aws_mre_mean_instances_{policy}"] == f"{100 * alive:.2f}%"
    # The module gives the same texts from the same data (and the page glues every one of them).
    for key, text in ml.mre_texts(ml.error_table(stored_table)).items():
        assert glued[f"aws_{key}"] == text


def test_printed_error_table_shows_the_glued_errors(glued):
    printed = _printed_outputs()
    for policy in (*ml.POLICIES, "simfaas"):
        for metric in ("p_cold", "mean_instances"):
            assert glued[f"aws_mre_{metric}_{policy}"] in printed


def test_simfaas_figures_are_the_published_ones_from_the_data_readme(glued):
    readme = (ROOT / "chapters" / "data" / "README.md").read_text()
    assert "12.2% on `p_cold` and 3.05% on `mean_instances`" in readme
    assert (glued["aws_mre_p_cold_simfaas"], glued["aws_mre_mean_instances_simfaas"]) == ("12.2%", "3.05%")


def test_every_glued_finding_equals_the_module_on_the_stored_runs(glued, stored_table):
    for key, text in ml.findings(stored_table, ml.load_measurements()).items():
        assert glued[f"aws_{key}"] == text, key


def test_stored_runs_are_the_modules_runs(glued):
    """Re-simulate the cheapest experiment (the lowest rate) under each policy: the stored values are exact."""
    stored = ml.table_from_records(glued["aws_records"])
    measured = ml.load_measurements()
    lowest = measured["arrival_rate_per_s"].idxmin()
    for job in ml.jobs(measured):
        if job["arrival_rate_per_s"] != measured.loc[lowest, "arrival_rate_per_s"]:
            continue
        fresh = ml.simulate_experiment(**job)
        row = stored[(stored["dispatch"] == job["dispatch"])
                     & (stored["arrival_rate_per_s"] == job["arrival_rate_per_s"])].iloc[0]
        for column in ml.SIMULATED_COLUMNS:
            assert row[column] == fresh[column], (job["dispatch"], column)


def test_simulated_standard_errors_are_below_the_measurements(stored_table):
    """The page says the differences are not simulation noise: under the book's policy every simulated
    cold-start share's standard error is below the measurement's (the runs aim at SE_FRACTION of it)."""
    book = stored_table[stored_table["dispatch"] == ml.POLICIES[0]]
    assert len(book) == 20
    assert (book["p_cold_sim_se"] < book["p_cold_measured_se"]).all()
    assert book["se_ratio"].median() < 2 * ml.SE_FRACTION


# ---------------------------------------------------------------- mean relative error
def test_mean_relative_error_hand_worked():
    # |0.11-0.10|/0.10 = 0.1, |0.18-0.20|/0.20 = 0.1, |2.0-2.5|/2.5 = 0.2: mean 0.4/3
    assert ml.relative_errors([0.11, 0.18, 2.0], [0.10, 0.20, 2.5]) == pytest.approx([0.1, 0.1, 0.2], rel=1e-12)
    assert ml.mean_relative_error([0.11, 0.18, 2.0], [0.10, 0.20, 2.5]) == pytest.approx(0.4 / 3, rel=1e-12)
    # relative to the measurement, not symmetric: 1 against 2 is 50%, 2 against 1 is 100%
    assert ml.mean_relative_error([1.0], [2.0]) == pytest.approx(0.5)
    assert ml.mean_relative_error([2.0], [1.0]) == pytest.approx(1.0)
    assert ml.mean_relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0


def test_mean_relative_error_refuses_bad_input():
    with pytest.raises(ValueError, match=r"measured\[1\]=0"):
        ml.mean_relative_error([1.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="simulated has 2 values and measured 3"):
        ml.mean_relative_error([1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        ml.mean_relative_error([math.nan], [1.0])
    with pytest.raises(ValueError, match="at least one"):
        ml.mean_relative_error([], [])


def test_error_table_hand_worked():
    measured = pd.DataFrame({"arrival_rate_per_s": [0.5, 1.0], "p_cold": [0.1, 0.2], "p_cold_se": [0.01, 0.01],
                             "mean_instances": [2.0, 4.0]})
    simulated = pd.DataFrame({"dispatch": ["most_recently_freed"] * 2 + ["random"] * 2,
                              "arrival_rate_per_s": [0.5, 1.0] * 2, "requests": [1, 1] * 2, "retired": [0] * 4,
                              "simulated_days": [1.0] * 4, "p_cold_sim": [0.12, 0.2, 0.05, 0.1],
                              "p_cold_sim_se": [0.001] * 4, "mean_instances_sim": [2.0, 3.0, 3.0, 4.0],
                              "mean_instances_sim_se": [0.01] * 4})
    errors = ml.error_table(ml.join_measured(simulated, measured))
    assert errors["p_cold_mre"].tolist()[:2] == pytest.approx([0.1, 0.5])      # (0.2 + 0)/2, (0.5 + 0.5)/2
    assert errors["mean_instances_mre"].tolist()[:2] == pytest.approx([0.125, 0.25])   # (0 + 0.25)/2, (0.5 + 0)/2
    assert errors["model"].iloc[-1] == ml.SIMFAAS_LABEL and not errors["simulated_here"].iloc[-1]
    assert ml.mre_texts(errors)["mre_mean_instances_random"] == "25.00%"
    assert ml.percent(0.0305, 2) == "3.05%" and ml.percent(0.137, 1) == "13.7%"


# ---------------------------------------------------------------- one experiment
def test_experiment_changes_only_rate_work_init_and_keep_alive():
    row = ml.load_measurements().iloc[0]
    workload, config = ml.experiment(row.arrival_rate_per_s, row.warm_s, row.cold_s, row.keep_alive_s, 20_000,
                                     "oldest_idle_first")
    assert config == dataclasses.replace(LambdaConfig(), keep_alive_s=600.0, dispatch="oldest_idle_first",
                                         init_ms=1000.0 * (row.cold_s - row.warm_s))
    assert config.init_ms == pytest.approx(608.4)
    assert workload.arrivals == Poisson(rate_per_s=row.arrival_rate_per_s)
    assert workload.cpu_ms == Fixed(ms=0.0) and workload.io_ms == Exponential(mean_ms=1955.0)
    assert workload.duration_s * row.arrival_rate_per_s * (1 - 0.05) == pytest.approx(20_000)


def test_cold_starts_last_the_measured_difference_and_handlers_the_warm_mean():
    row = ml.load_measurements().iloc[-1]   # 1 request per second
    workload, config = ml.experiment(row.arrival_rate_per_s, row.warm_s, row.cold_s, row.keep_alive_s, 20_000)
    req = simulate(workload, config, seed=3).requests
    cold = req[req["cold"]]
    assert len(cold) > 0
    assert np.allclose(cold["init_s"], row.cold_s - row.warm_s, rtol=0, atol=1e-12)
    assert (req.loc[~req["cold"], "init_s"] == 0).all()
    handler_s = (req["end_s"] - req["start_s"]).to_numpy()
    estimate = batch_means(handler_s, 20)   # independent draws: batches are a plain standard error
    assert estimate.within(row.warm_s, k=4.0), (estimate, row.warm_s)


def test_lowest_rate_cold_share_matches_keep_alive_theory():
    """At 0.0019 requests per second two requests rarely overlap (λ·E[D] ≈ 0.005 for a handler run D), so
    one environment is reused or replaced. The next request, X ~ Exp(λ) later, starts cold if it comes while
    the environment is busy (X ≤ D) or after the keep-alive ran out (X > D + T): P(cold) = 1 − E[e^(−λD)]·q
    with q = 1 − e^(−λT). D = S + INIT if the previous request was cold, else S, with S ~ Exp(mean m):
    E[e^(−λD)] = a·(1 − p·(1 − b)), a = 1/(1 + λm), b = e^(−λ·INIT). Solving p = 1 − a·q·(1 − p(1 − b)):
    p = (1 − a·q) / (1 − a·q·(1 − b)). The overlap this ignores moves p by far less than the SE here."""
    row = ml.load_measurements().iloc[0]
    lam, m, init_s, t = row.arrival_rate_per_s, row.warm_s, row.cold_s - row.warm_s, row.keep_alive_s
    a, q, b = 1 / (1 + lam * m), -math.expm1(-lam * t), math.exp(-lam * init_s)
    theory = (1 - a * q) / (1 - a * q * (1 - b))
    shares = [ml.simulate_experiment(lam, m, row.cold_s, t, 50_000, seed=100 + k)["p_cold_sim"] for k in range(4)]
    estimate = replications(shares)
    assert estimate.se < 0.002
    assert estimate.within(theory, k=4.0), (estimate, theory)
    # The configured experiment is not the negligible-work regime: e^(−λT) alone is 0.327, theory 0.330.
    assert theory - math.exp(-lam * t) == pytest.approx(0.0027, abs=0.0002)


# ---------------------------------------------------------------- run length and the data
def test_run_requests_hand_worked():
    # p(1 − p)/(0.5 se)^2 = 0.00131 × 0.99869 / (0.00004)^2 = 817,677.2 -> 817,678
    assert ml.run_requests(0.00131, 0.00008, 1.0) == 817_678
    assert ml.run_requests(0.2, 0.01, 1.0) == ml.MIN_REQUESTS          # 6,400 wanted: the floor
    # 1e-4 requests per second fit 366 days x 0.95 x 1e-4 = 3,004.4 requests after the warm-up
    assert ml.run_requests(0.3, 0.01, 1e-4) == 3005
    with pytest.raises(ValueError, match="p_cold_se=0"):
        ml.run_requests(0.3, 0, 1.0)


def test_measurements_load_as_published():
    measured = ml.load_measurements()
    assert list(measured.columns) == list(ml.COLUMNS)
    assert len(measured) == 20 and (measured["keep_alive_s"] == 600).all()
    assert measured["arrival_rate_per_s"].iloc[0] == 0.001863 and measured["p_cold_se"].iloc[-1] == 0.00008


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_csv_row_is_refused_with_its_line_number(tmp_path):
    lines = DATA.read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:3] + [lines[3].replace("0.14543", "n/a")] + lines[4:]) + "\n")
    with pytest.raises(ValueError, match="line 4: .*not a finite number"):
        ml.load_measurements(bad)
    gap = tmp_path / "gap.csv"      # a blank line is skipped but still counted
    gap.write_text("\n".join(lines[:2] + [""] + lines[2:3] + [lines[3].replace("0.14543", "n/a")]) + "\n")
    with pytest.raises(ValueError, match="line 5: .*not a finite number"):
        ml.load_measurements(gap)
    assert len(ml.load_measurements(_write(tmp_path / "blank.csv", lines[:2] + [""] + lines[2:]))) == 20
    swapped = tmp_path / "swapped.csv"
    fields = lines[5].split(",")
    fields[1], fields[2] = fields[2], fields[1]
    swapped.write_text("\n".join(lines[:5] + [",".join(fields)] + lines[6:]) + "\n")
    with pytest.raises(ValueError, match="line 6: .*cold_s >= warm_s"):
        ml.load_measurements(swapped)
    header = tmp_path / "header.csv"
    header.write_text("rate,warm\n1,2\n")
    with pytest.raises(ValueError, match="expected \\['arrival_rate_per_s'"):
        ml.load_measurements(header)
    with pytest.raises(ValueError, match="does not exist"):
        ml.load_measurements(tmp_path / "missing.csv")
