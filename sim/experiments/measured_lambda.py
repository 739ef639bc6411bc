"""The Lambda model against twenty experiments measured on real AWS Lambda (the trust appendix).

The measurements were published with the SimFaaS simulator (Mahmoudi and Khazaei, CLOSER 2021;
repository pacslab/simfaas, `examples/exp.csv`, MIT licence) and are copied unchanged into
`chapters/data/aws_lambda_keepalive_measured.csv` (see `chapters/data/README.md`). Each row is one
function under Poisson arrivals with a 10-minute keep-alive (the 2020-era platform): the measured
mean warm and cold response times, the share of cold starts with its standard error, and the
time-averaged number of execution environments alive.

Each experiment is simulated as it ran: its arrival rate, exponential handler times with the
measured warm mean, cold starts lasting the measured cold-minus-warm difference (a fixed INIT),
its keep-alive, and every other setting at the book's defaults. The handler time is I/O wait, so
the default memory's CPU scaling does not stretch it. A run is long enough that its cold-start
share's standard error is about `SE_FRACTION` of the measurement's or less; the first
`validation.WARMUP_FRACTION` of it is dropped and the rest estimated by batch means.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import _check
from ..arrivals import Poisson
from ..config import DISPATCH_POLICIES, LambdaConfig
from ..distributions import Exponential, Fixed
from ..plotting import new_figure, platform_colour, styled
from ..run import simulate
from ..stats import batch_means, time_average
from ..sweep import map_in_order
from ..validation import N_BATCHES, WARMUP_FRACTION
from ..workload import MAX_REQUESTS, Workload

SEED = 1

#: The measurements, copied unchanged from SimFaaS's `examples/exp.csv` (chapters/data/README.md).
DATA_PATH = Path(__file__).resolve().parents[2] / "chapters" / "data" / "aws_lambda_keepalive_measured.csv"

#: Columns of the CSV, in order (chapters/data/README.md says what each one means).
COLUMNS = ("arrival_rate_per_s", "warm_s", "cold_s", "keep_alive_s", "p_cold", "p_cold_se",
           "mean_instances", "mean_running", "mean_idle")

#: The book's dispatch policy first (LambdaConfig's default), then the alternatives.
POLICIES = (LambdaConfig().dispatch,) + tuple(p for p in DISPATCH_POLICIES if p != LambdaConfig().dispatch)

#: Target: the simulated cold-start share's standard error at most this fraction of the measurement's.
SE_FRACTION = 0.5
#: The shortest run (requests counted after the warm-up).
MIN_REQUESTS = 20_000
#: The longest simulated window a Workload accepts (366 days).
MAX_DURATION_S = 366 * 86_400.0
#: The alternative policies' runs are cut to this many requests: their errors dwarf their standard errors.
OTHER_POLICY_MAX_REQUESTS = 100_000

#: SimFaaS 0.2.2 on the same rows (newest-first dispatch, exponential service times with the measured
#: means): mean relative errors as published with the data (chapters/data/README.md). Not simulated here.
SIMFAAS_MRE = {"p_cold": 0.122, "mean_instances": 0.0305}
SIMFAAS_LABEL = "SimFaaS 0.2.2, newest first (published)"

POLICY_LABELS = {"most_recently_freed": "most recently freed", "oldest_idle_first": "oldest idle first",
                 "random": "random"}


# ---------------------------------------------------------------- the data
def load_measurements(path: str | Path = DATA_PATH) -> pd.DataFrame:
    """The measured experiments, one row each, checked: a bad row is refused with its line number."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"path={str(path)!r} does not exist; expected the measurements CSV "
                         f"(default {DATA_PATH})")
    table = pd.read_csv(path, dtype=str, skipinitialspace=True, skip_blank_lines=False)
    if tuple(table.columns) != COLUMNS:
        raise ValueError(f"{path.name} has columns {list(table.columns)}; expected {list(COLUMNS)}")
    line = pd.Series(np.arange(len(table)) + 2, index=table.index)   # line 1 is the header
    table = table[table.notna().any(axis=1)]                          # blank lines, numbered but skipped
    if table.empty:
        raise ValueError(f"{path.name} has no rows; expected one row per experiment")
    numbers = table.apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(numbers).all(axis=1)
    if bad.any():
        k = bad.idxmax()
        raise ValueError(f"{path.name} line {line[k]}: {','.join(table.loc[k].fillna(''))!r} has a value that "
                         "is not a finite number")
    rules = [
        ("arrival_rate_per_s > 0", numbers["arrival_rate_per_s"] > 0),
        ("warm_s > 0", numbers["warm_s"] > 0),
        ("cold_s >= warm_s", numbers["cold_s"] >= numbers["warm_s"]),
        ("cold_s - warm_s <= 10 s (Lambda's INIT limit)", numbers["cold_s"] - numbers["warm_s"] <= 10.0),
        ("keep_alive_s in (0, 86,400]", (numbers["keep_alive_s"] > 0) & (numbers["keep_alive_s"] <= 86_400)),
        ("p_cold in (0, 1]", (numbers["p_cold"] > 0) & (numbers["p_cold"] <= 1)),
        ("p_cold_se > 0", numbers["p_cold_se"] > 0),
        ("mean_instances > 0", numbers["mean_instances"] > 0),
        ("mean_running >= 0", numbers["mean_running"] >= 0),
        ("mean_idle >= 0", numbers["mean_idle"] >= 0),
    ]
    for rule, ok in rules:
        if not ok.all():
            k = (~ok).idxmax()
            raise ValueError(f"{path.name} line {line[k]}: {','.join(table.loc[k])!r} breaks the rule {rule}")
    return numbers.reset_index(drop=True)


# ---------------------------------------------------------------- one experiment
def run_requests(p_cold: float, p_cold_se: float, arrival_rate_per_s: float,
                 se_fraction: float = SE_FRACTION) -> int:
    """Requests to simulate (after the warm-up) so that a binomial share near the measured `p_cold` has a
    standard error of `se_fraction` x `p_cold_se`: p(1 − p) / (se_fraction · p_cold_se)², at least
    MIN_REQUESTS, at most what fits in MAX_DURATION_S at the arrival rate (and the run cap)."""
    _check.number("p_cold", p_cold, low=0, low_open=True, high=1)
    _check.number("p_cold_se", p_cold_se, low=0, low_open=True, high=1)
    _check.number("arrival_rate_per_s", arrival_rate_per_s, low=0, low_open=True)
    _check.number("se_fraction", se_fraction, low=0, low_open=True, high=10)
    wanted = p_cold * (1 - p_cold) / (se_fraction * p_cold_se) ** 2
    most = min(MAX_DURATION_S * (1 - WARMUP_FRACTION) * arrival_rate_per_s, 0.95 * MAX_REQUESTS)
    return int(math.ceil(min(max(wanted, MIN_REQUESTS), most)))


def experiment(arrival_rate_per_s: float, warm_s: float, cold_s: float, keep_alive_s: float,
               n_requests: int, dispatch: str = POLICIES[0]) -> tuple[Workload, LambdaConfig]:
    """The workload and Lambda configuration of one measured experiment, run for `n_requests` after the
    warm-up: Poisson arrivals, exponential handler times with mean `warm_s` (I/O wait, so memory's CPU
    scaling does not apply), a fixed INIT of cold_s − warm_s, the keep-alive, the dispatch policy, and
    every other LambdaConfig field at its default."""
    _check.number("arrival_rate_per_s", arrival_rate_per_s, low=0, low_open=True)
    _check.number("warm_s", warm_s, low=0, low_open=True)
    _check.number("cold_s", cold_s, low=warm_s)
    _check.number("n_requests", n_requests, low=1000, high=MAX_REQUESTS, integer=True)
    duration_s = n_requests / arrival_rate_per_s / (1 - WARMUP_FRACTION)
    workload = Workload(arrivals=Poisson(rate_per_s=arrival_rate_per_s), duration_s=duration_s,
                        cpu_ms=Fixed(ms=0.0), io_ms=Exponential(mean_ms=1000.0 * warm_s))
    config = LambdaConfig(keep_alive_s=float(keep_alive_s), init_ms=1000.0 * (cold_s - warm_s), dispatch=dispatch)
    return workload, config


def simulate_experiment(arrival_rate_per_s: float, warm_s: float, cold_s: float, keep_alive_s: float,
                        n_requests: int, dispatch: str = POLICIES[0], seed: int = SEED) -> dict:
    """Simulate one experiment: the cold-start share of the requests after the warm-up and the
    time-averaged environments alive over the same window, each with its batch-means standard error, and how
    many environments the keep-alive retired in that window."""
    workload, config = experiment(arrival_rate_per_s, warm_s, cold_s, keep_alive_s, n_requests, dispatch)
    result = simulate(workload, config, seed=seed)
    start_s, end_s = WARMUP_FRACTION * workload.duration_s, workload.duration_s
    req = result.requests
    steady = req[(req["arrival_s"] >= start_s) & (req["instance_id"] >= 0)].sort_values("arrival_s", kind="stable")
    cold = batch_means(steady["cold"].to_numpy(dtype=float), N_BATCHES)
    envs = result.instances
    alive = time_average(envs["created_s"], envs["retired_s"], start_s, end_s, N_BATCHES)
    retired = int(envs["retired_s"].between(start_s, end_s, inclusive="left").sum())
    return {"dispatch": dispatch, "arrival_rate_per_s": arrival_rate_per_s, "requests": int(len(steady)),
            "retired": retired,
            "simulated_days": (end_s - start_s) / 86_400.0, "p_cold_sim": cold.mean, "p_cold_sim_se": cold.se,
            "mean_instances_sim": alive.mean, "mean_instances_sim_se": alive.se}


def _run(job: dict) -> dict:
    return simulate_experiment(**job)


# ---------------------------------------------------------------- every experiment, every policy
def jobs(measured: pd.DataFrame, policies: Sequence[str] = POLICIES, seed: int = SEED) -> list[dict]:
    """One simulation per (policy, experiment). Each experiment has its own seed, shared by the policies
    (the same arrivals and handler times under each); the book's policy runs to the SE target, the others
    to at most OTHER_POLICY_MAX_REQUESTS."""
    _check.number("seed", seed, low=0, integer=True)
    for policy in policies:
        _check.choice("policy", policy, DISPATCH_POLICIES)
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(len(measured))]
    out = []
    for policy in policies:
        for row, row_seed in zip(measured.itertuples(index=False), seeds):
            n = run_requests(row.p_cold, row.p_cold_se, row.arrival_rate_per_s)
            if policy != POLICIES[0]:
                n = min(n, OTHER_POLICY_MAX_REQUESTS)
            out.append({"arrival_rate_per_s": row.arrival_rate_per_s, "warm_s": row.warm_s, "cold_s": row.cold_s,
                        "keep_alive_s": row.keep_alive_s, "n_requests": n, "dispatch": policy, "seed": row_seed})
    return out


def comparison(measured: pd.DataFrame | None = None, policies: Sequence[str] = POLICIES, seed: int = SEED,
               executor="process", max_workers: int = 2) -> pd.DataFrame:
    """Every experiment simulated under each policy beside its measurement: one row per (policy, experiment).

    executor: "process" (a local pool of `max_workers`), None (one after another) or any
    concurrent.futures.Executor; the table is the same whichever runs it.
    """
    measured = load_measurements() if measured is None else measured
    work = jobs(measured, policies, seed)
    if isinstance(executor, str):
        _check.choice("executor", executor, ("process",))
        _check.number("max_workers", max_workers, low=1, high=64, integer=True)
        with ProcessPoolExecutor(max_workers=max_workers) as pool:
            rows = map_in_order(_run, work, pool)
    elif executor is None or isinstance(executor, Executor):
        rows = map_in_order(_run, work, executor)
    else:
        raise ValueError(f"executor={executor!r} is not allowed; expected 'process', None or a "
                         "concurrent.futures.Executor")
    return join_measured(pd.DataFrame(rows), measured)


#: The simulated columns of `comparison`'s table, as the page stores them for the tests (`records_json`).
SIMULATED_COLUMNS = ("dispatch", "arrival_rate_per_s", "requests", "retired", "simulated_days", "p_cold_sim", "p_cold_sim_se",
                     "mean_instances_sim", "mean_instances_sim_se")


def join_measured(simulated: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """Simulated rows (SIMULATED_COLUMNS; the experiments in the data's order under each policy) beside their
    measurements, with relative errors, the ratio of standard errors and the gap in combined SEs (z)."""
    missing = [c for c in SIMULATED_COLUMNS if c not in simulated]
    if missing:
        raise ValueError(f"simulated lacks the columns {missing}; expected {list(SIMULATED_COLUMNS)}")
    policies = list(dict.fromkeys(simulated["dispatch"]))
    if len(simulated) != len(policies) * len(measured):
        raise ValueError(f"simulated has {len(simulated)} rows; expected {len(measured)} experiments x "
                         f"{len(policies)} policies")
    meas = measured[["p_cold", "p_cold_se", "mean_instances"]].rename(
        columns={"p_cold": "p_cold_measured", "p_cold_se": "p_cold_measured_se",
                 "mean_instances": "mean_instances_measured"})
    table = pd.concat([simulated[list(SIMULATED_COLUMNS)].reset_index(drop=True),
                       pd.concat([meas] * len(policies), ignore_index=True)], axis=1)
    rates = np.tile(measured["arrival_rate_per_s"].to_numpy(dtype=float), len(policies))
    if not np.array_equal(table["arrival_rate_per_s"].to_numpy(dtype=float), rates):
        raise ValueError("simulated's arrival rates do not follow the measurements' rows under each policy")
    table["p_cold_rel_error"] = relative_errors(table["p_cold_sim"], table["p_cold_measured"])
    table["mean_instances_rel_error"] = relative_errors(table["mean_instances_sim"], table["mean_instances_measured"])
    table["se_ratio"] = table["p_cold_sim_se"] / table["p_cold_measured_se"]
    gap = table["p_cold_sim"] - table["p_cold_measured"]
    table["p_cold_z"] = gap / np.hypot(table["p_cold_sim_se"], table["p_cold_measured_se"])
    return table


def records_json(table: pd.DataFrame) -> str:
    """The simulated columns as JSON records (floats exact), so a stored notebook can be checked later."""
    return json.dumps(table[list(SIMULATED_COLUMNS)].to_dict("records"))


def table_from_records(text: str, measured: pd.DataFrame | None = None) -> pd.DataFrame:
    """`comparison`'s table rebuilt from `records_json` text and the measurements."""
    measured = load_measurements() if measured is None else measured
    return join_measured(pd.DataFrame(json.loads(text)), measured)


# ---------------------------------------------------------------- errors
def relative_errors(simulated, measured) -> np.ndarray:
    """|simulated − measured| / |measured|, element by element (equal lengths, measured never zero)."""
    s = np.asarray(simulated, dtype=float).ravel()
    m = np.asarray(measured, dtype=float).ravel()
    if s.size != m.size or s.size == 0:
        raise ValueError(f"simulated has {s.size} values and measured {m.size}; expected the same number, "
                         "at least one")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(m))):
        raise ValueError("simulated or measured holds NaN or infinite values; expected finite numbers")
    if np.any(m == 0):
        raise ValueError(f"measured[{int(np.flatnonzero(m == 0)[0])}]=0 is not allowed; a relative error "
                         "needs a non-zero measurement")
    return np.abs(s - m) / np.abs(m)


def mean_relative_error(simulated, measured) -> float:
    """Mean relative error: the average over experiments of |simulated − measured| / |measured| (a fraction)."""
    return float(relative_errors(simulated, measured).mean())


#: Decimal places the page prints each mean relative error with (SimFaaS's published precision).
MRE_DECIMALS = {"p_cold": 1, "mean_instances": 2}


def error_table(table: pd.DataFrame) -> pd.DataFrame:
    """Mean relative errors (fractions) on the cold-start share and the environments alive, one row per
    policy, then SimFaaS's published figures on the same rows (`simulated_here` False: not run here)."""
    rows = []
    for policy, group in table.groupby("dispatch", sort=False):
        rows.append({"model": f"this simulator, {POLICY_LABELS[policy]}", "dispatch": policy, "simulated_here": True,
                     "p_cold_mre": mean_relative_error(group["p_cold_sim"], group["p_cold_measured"]),
                     "mean_instances_mre": mean_relative_error(group["mean_instances_sim"],
                                                               group["mean_instances_measured"])})
    rows.append({"model": SIMFAAS_LABEL, "dispatch": "most_recently_freed", "simulated_here": False,
                 "p_cold_mre": SIMFAAS_MRE["p_cold"], "mean_instances_mre": SIMFAAS_MRE["mean_instances"]})
    return pd.DataFrame(rows)


def errors_display(errors: pd.DataFrame) -> pd.DataFrame:
    """`error_table` for reading: the mean relative errors as percentages, indexed by model."""
    return pd.DataFrame({
        "mean relative error, P(cold)": errors["p_cold_mre"].map(lambda x: percent(x, MRE_DECIMALS["p_cold"])),
        "mean relative error, environments alive": errors["mean_instances_mre"].map(
            lambda x: percent(x, MRE_DECIMALS["mean_instances"])),
    }).set_axis(errors["model"].rename(None))


def mre_texts(errors: pd.DataFrame) -> dict[str, str]:
    """The mean relative errors as the page glues them: key `mre_<metric>_<dispatch or simfaas>` -> text."""
    out = {}
    for row in errors.itertuples(index=False):
        who = row.dispatch if row.simulated_here else "simfaas"
        for metric, decimals in MRE_DECIMALS.items():
            out[f"mre_{metric}_{who}"] = percent(getattr(row, f"{metric}_mre"), decimals)
    return out


def _rates(rates) -> str:
    """Arrival rates as a list for prose: "0.0079, 0.016 and 0.05"."""
    texts = [f"{r:.2g}" for r in rates]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _from_rate(holds: pd.Series) -> float:
    """The lowest arrival rate (the index) from which `holds` is True at every faster rate (NaN if none)."""
    holds = holds.sort_index()
    upward = holds[::-1].cummin()[::-1]
    return float(holds[upward].index.min()) if upward.any() else math.nan


def _same_from_rate(others: pd.DataFrame) -> float:
    """The lowest arrival rate from which every faster experiment gives the same results under each of the
    policies in `others`."""
    columns = ["p_cold_sim", "mean_instances_sim"]
    spread = others.groupby("arrival_rate_per_s")[columns].agg(lambda x: x.max() - x.min()).max(axis=1)
    return _from_rate(spread == 0)


def findings(table: pd.DataFrame, measured: pd.DataFrame | None = None) -> dict[str, str]:
    """The figures the page's prose states, as text: the data's range, run lengths and standard errors,
    where the book's policy disagrees with the measurements and by how much, and the other policies."""
    measured = load_measurements() if measured is None else measured
    book = table[table["dispatch"] == POLICIES[0]]
    init_ms = 1000 * (measured["cold_s"] - measured["warm_s"])
    beyond = book[book["p_cold_z"].abs() > 2]
    worst_cold = book.loc[book["p_cold_rel_error"].idxmax()]
    below = book[book["mean_instances_sim"] < book["mean_instances_measured"]]
    worst_alive = book.loc[book["mean_instances_rel_error"].idxmax()]
    others = table[table["dispatch"] != POLICIES[0]]
    if book.empty or others.empty:
        raise ValueError(f"table has the policies {sorted(set(table['dispatch']))}; expected the book's "
                         f"({POLICIES[0]!r}) and at least one other")
    over = others["mean_instances_sim"] / others["mean_instances_measured"] - 1
    tiny = others.assign(ratio=others["p_cold_sim"] / others["p_cold_measured"])
    # From which rate up every other policy has under a tenth of the measured cold-start share.
    from_rate = _from_rate(tiny.groupby("arrival_rate_per_s")["ratio"].max() < 0.1)
    no_retire_rate = _from_rate(others.groupby("arrival_rate_per_s")["retired"].max() == 0)
    return {
        "n_experiments": f"{len(measured)}",
        "rate_min": f"{measured['arrival_rate_per_s'].min():.2g}",
        "rate_max": f"{measured['arrival_rate_per_s'].max():.2g}",
        "keep_alive_s": f"{measured['keep_alive_s'].iloc[0]:g}",
        "book_keep_alive_min": f"{LambdaConfig().keep_alive_s / 60:g}",
        "init_min_ms": f"{init_ms.min():.0f}",
        "init_max_ms": f"{init_ms.max():.0f}",
        "se_fraction": f"{SE_FRACTION:g}",
        "min_requests": f"{MIN_REQUESTS:,}",
        "requests_min": f"{book['requests'].min():,}",
        "requests_max": f"{book['requests'].max():,}",
        "requests_total": f"{int(table['requests'].sum()):,}",
        "days_min": f"{book['simulated_days'].min():.0f}",
        "days_max": f"{book['simulated_days'].max():.0f}",
        "se_ratio_max": f"{book['se_ratio'].max():.2f}",
        "se_ratio_median": f"{book['se_ratio'].median():.2f}",
        "other_max_requests": f"{OTHER_POLICY_MAX_REQUESTS:,}",
        "n_beyond_2se": f"{len(beyond)}",
        "beyond_rates": _rates(beyond["arrival_rate_per_s"]) if len(beyond) else "none",
        "n_cold_higher": f"{int((book['p_cold_sim'] > book['p_cold_measured']).sum())}",
        "worst_cold_error": percent(worst_cold["p_cold_rel_error"], 0),
        "worst_cold_rate": f"{worst_cold['arrival_rate_per_s']:.2g}",
        "worst_cold_measured": f"{worst_cold['p_cold_measured']:.3f}",
        "worst_cold_sim": f"{worst_cold['p_cold_sim']:.3f}",
        "n_alive_below": f"{len(below)}",
        "worst_alive_error": percent(worst_alive["mean_instances_rel_error"], 1),
        "worst_alive_rate": f"{worst_alive['arrival_rate_per_s']:.2g}",
        "others_cold_from_rate": f"{from_rate:.2g}",
        "others_same_from_rate": f"{_same_from_rate(others):.2g}",
        "others_no_retire_from_rate": f"{no_retire_rate:.2g}",
        "others_alive_over_max": percent(over.max(), 0),
    }


def experiments_display(table: pd.DataFrame, policy: str = POLICIES[0]) -> pd.DataFrame:
    """One policy's rows for reading: rate, run length, measured and simulated values with their SEs."""
    _check.choice("policy", policy, tuple(table["dispatch"].unique()))
    rows = table[table["dispatch"] == policy]
    return pd.DataFrame({
        "rate (1/s)": rows["arrival_rate_per_s"].map("{:.4g}".format),
        "requests": rows["requests"].map("{:,}".format),
        "days": rows["simulated_days"].map("{:,.1f}".format),
        "P(cold) measured": [_plus_minus(m, e) for m, e in zip(rows["p_cold_measured"], rows["p_cold_measured_se"])],
        "P(cold) simulated": [_plus_minus(m, e) for m, e in zip(rows["p_cold_sim"], rows["p_cold_sim_se"])],
        "P(cold) error": rows["p_cold_rel_error"].map("{:.1%}".format),
        "alive measured": rows["mean_instances_measured"].map("{:.3f}".format),
        "alive simulated": [f"{m:.3f} ± {s:.3f}" for m, s in zip(rows["mean_instances_sim"],
                                                                  rows["mean_instances_sim_se"])],
        "alive error": rows["mean_instances_rel_error"].map("{:.1%}".format),
    }).reset_index(drop=True)


def _plus_minus(mean: float, se: float) -> str:
    """"mean ± se" with the standard error to two significant digits and the mean to the same decimals."""
    decimals = 6 if se <= 0 else max(0, 1 - math.floor(math.log10(se)))
    return f"{mean:.{decimals}f} ± {se:.{decimals}f}"


def percent(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage with `decimals` decimal places: percent(0.0305, 2) == "3.05%"."""
    _check.number("decimals", decimals, low=0, high=6, integer=True)
    return f"{100 * fraction:.{decimals}f}%"


# ---------------------------------------------------------------- figure
_POLICY_STYLES = {"most_recently_freed": ("-", "o"), "oldest_idle_first": ("--", "s"), "random": (":", "^")}


@styled
def plot_comparison(table: pd.DataFrame, ax=None) -> Figure:
    """Two panels against the arrival rate: the cold-start share and the environments alive, measured
    (black, ±2 SE bars where published) and simulated under each policy (Lambda's colour, a line style each).
    Shares of exactly zero cannot be drawn on the logarithmic axis and are left out."""
    fig, axes = new_figure(ax, ncols=2, figsize=(10.0, 4.2))
    colour = platform_colour("lambda")
    first = table[table["dispatch"] == table["dispatch"].iloc[0]]
    for policy, rows in table.groupby("dispatch", sort=False):
        linestyle, marker = _POLICY_STYLES[policy]
        label = f"simulated, {POLICY_LABELS[policy]}"
        positive = rows[rows["p_cold_sim"] > 0]
        axes[0].plot(positive["arrival_rate_per_s"], positive["p_cold_sim"], color=colour, linestyle=linestyle,
                     marker=marker, markersize=4, linewidth=1.6, label=label)
        axes[1].plot(rows["arrival_rate_per_s"], rows["mean_instances_sim"], color=colour, linestyle=linestyle,
                     marker=marker, markersize=4, linewidth=1.6, label=label)
    axes[0].errorbar(first["arrival_rate_per_s"], first["p_cold_measured"], yerr=2 * first["p_cold_measured_se"],
                     fmt="o", color="#222222", markersize=4, capsize=2.5, linestyle="none",
                     label="measured on AWS Lambda, ±2 SE")
    axes[1].plot(first["arrival_rate_per_s"], first["mean_instances_measured"], "o", color="#222222",
                 markersize=4, label="measured on AWS Lambda")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("share of requests that start cold")
    axes[1].set_ylabel("environments alive (time average)")
    axes[1].set_ylim(bottom=0)
    for panel in axes:
        panel.set_xscale("log")
        panel.set_xlabel("arrival rate λ (requests per second)")
        panel.legend(loc="best", fontsize=8.5)
    return fig
