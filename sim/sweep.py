"""Parameter sweeps: run a task at every point of a grid, on any concurrent.futures executor, as one table.

    table = sweep(task, {"on_fraction": [1.0, 0.1], "rate_per_s": [1.0, 5.0]}, replications=3)
    summary = summarise(table)          # mean, standard error and 95% interval per grid point

`task(**point, seed=seed)` is called once per grid point and replication; replication k uses seed + k.
It returns a dict (one row), a list of dicts or a DataFrame (several rows, e.g. one per platform).
The executor may be a local process pool (the default), None (one after another in this process), or
any `concurrent.futures.Executor`, such as a Dask cluster's `dask.distributed.Client(...).get_executor()`.
Rows come back in grid order whatever order the runs finish in, so every executor gives the same table.
"""
from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd

from . import _check, cpus

#: Columns `sweep` adds beside the grid's coordinates.
REPLICATION, SEED = "replication", "seed"


# ---------------------------------------------------------------- running many tasks in order
def map_in_order(task: Callable, items: Iterable, executor: Executor | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list:
    """`task(item)` for every item, results in the items' order: one after another (executor None) or
    submitted to `executor`. `progress(done, total)` is called after each result arrives (any order).

    On a process pool or a cluster `task` must be picklable (a module-level function or a partial of one).
    """
    items = list(items)
    total = len(items)
    if progress is not None:
        progress(0, total)
    if executor is None:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(task(item))
            if progress is not None:
                progress(done, total)
        return results
    futures = {executor.submit(task, item): index for index, item in enumerate(items)}
    results = [None] * total
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        if progress is not None:
            progress(done, total)
    return results


# ---------------------------------------------------------------- progress
class TextProgress:
    """Progress on a text stream: one line rewritten in place ("sweep: 12/40 runs")."""

    def __init__(self, label: str = "sweep", stream=None):
        self.label, self.stream = label, stream or sys.stderr

    def __call__(self, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{self.label}: {done}/{total} runs", end=end, file=self.stream, flush=True)


class WidgetProgress:
    """Progress as an ipywidgets bar with a count, for notebooks."""

    def __init__(self, label: str = "sweep"):
        import ipywidgets
        from IPython.display import display
        self.bar = ipywidgets.IntProgress(value=0, min=0, max=1, description=label)
        self.count = ipywidgets.Label("")
        display(ipywidgets.HBox([self.bar, self.count]))

    def __call__(self, done: int, total: int) -> None:
        self.bar.max = max(total, 1)
        self.bar.value = done
        self.count.value = f"{done}/{total} runs"


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def progress_display(label: str = "sweep") -> Callable[[int, int], None]:
    """A progress callback that suits where the code runs: a widget bar in a notebook, else a text line."""
    return WidgetProgress(label) if _in_notebook() else TextProgress(label)


def _progress(progress) -> Callable[[int, int], None] | None:
    if progress is None or progress is False:
        return None
    if progress is True:
        return progress_display()
    if callable(progress):
        return progress
    raise ValueError(f"progress={progress!r} is not allowed; expected None, True or a callable(done, total)")


# ---------------------------------------------------------------- the sweep
def grid_points(grid: Mapping[str, Sequence]) -> list[dict]:
    """Every combination of the grid's values, the last name varying fastest (itertools.product order)."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid={grid!r} is not allowed; expected a non-empty dict of name -> sequence of values")
    for name, values in grid.items():
        if not isinstance(name, str) or name in (REPLICATION, SEED):
            raise ValueError(f"grid name {name!r} is not allowed; expected a string other than "
                             f"{REPLICATION!r} and {SEED!r}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable) or len(list(values)) == 0:
            raise ValueError(f"grid[{name!r}]={values!r} is not allowed; expected a non-empty sequence of values")
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]


class _Call:
    """One run of the task: picklable, so process pools and Dask can ship it."""

    def __init__(self, task: Callable):
        self.task = task

    def __call__(self, job: tuple[dict, int]):
        point, seed = job
        return self.task(**point, seed=seed)


def _rows(output, point: dict, replication: int, seed: int) -> list[dict]:
    if isinstance(output, pd.DataFrame):
        records = output.to_dict("records")
    elif isinstance(output, Mapping):
        records = [dict(output)]
    elif isinstance(output, (list, tuple)) and all(isinstance(r, Mapping) for r in output):
        records = [dict(r) for r in output]
    elif isinstance(output, (int, float, np.number)) and not isinstance(output, bool):
        records = [{"value": output}]
    else:
        raise ValueError(f"the task returned {type(output).__name__}; expected a dict, a list of dicts, "
                         "a DataFrame or a number")
    clash = [k for k in (*point, REPLICATION, SEED) if any(k in r for r in records)]
    if clash:
        raise ValueError(f"the task's rows have columns {clash} that the sweep sets itself; rename them")
    return [{**point, REPLICATION: replication, SEED: seed, **record} for record in records]


def sweep(task: Callable, grid: Mapping[str, Sequence], replications: int = 1, executor="process",
          progress=None, seed: int = 1, max_workers: int | None = None) -> pd.DataFrame:
    """Run `task(**point, seed=...)` at every grid point, `replications` times (seeds seed, seed+1, ...).

    executor: "process" (a local ProcessPoolExecutor, `max_workers` processes, by default the CPUs this process may
    use, at most sim.cpus.MAX_DEFAULT_WORKERS, and no more than the jobs; closed afterwards), None
    (one after another in this process), or any concurrent.futures.Executor (left open; e.g. Dask's
    `Client.get_executor()`). progress: None, True (a bar in notebooks, a text line elsewhere) or a
    callable(done, total). Returns one row per task row, in grid order then replication order, with the
    grid's coordinates, `replication` and `seed` first; `table.attrs["coordinates"]` names the grid columns.
    """
    points = grid_points(grid)
    _check.number("replications", replications, low=1, high=10_000, integer=True)
    _check.number("seed", seed, low=0, integer=True)
    if max_workers is not None:
        _check.number("max_workers", max_workers, low=1, high=1024, integer=True)
    if not callable(task):
        raise ValueError(f"task={task!r} is not allowed; expected a callable(**point, seed=...)")
    jobs = [(point, seed + k) for point in points for k in range(replications)]
    report = _progress(progress)
    call = _Call(task)
    if isinstance(executor, str):
        _check.choice("executor", executor, ("process",))
        with ProcessPoolExecutor(max_workers=max_workers or min(cpus.default_workers(), len(jobs))) as pool:
            outputs = map_in_order(call, jobs, pool, report)
    elif executor is None or isinstance(executor, Executor) or hasattr(executor, "submit"):
        outputs = map_in_order(call, jobs, executor, report)
    else:
        raise ValueError(f"executor={executor!r} is not allowed; expected 'process', None or a "
                         "concurrent.futures.Executor")
    rows = []
    for (point, run_seed), output in zip(jobs, outputs):
        rows += _rows(output, point, run_seed - seed, run_seed)
    table = pd.DataFrame(rows)
    table.attrs["coordinates"] = list(grid)
    return table


# ---------------------------------------------------------------- replications -> estimates
#: Student t quantiles t(0.975, df) for df = 1..30; beyond, a Cornish-Fisher expansion around 1.96.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042)


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom (a 95% two-sided interval)."""
    _check.number("df", df, low=1, integer=True)
    if df <= len(_T975):
        return _T975[int(df) - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def _estimate(values: np.ndarray) -> tuple[int, float, float, float]:
    """(n, mean, standard error, half-width of the 95% interval) of the finite values; NaN where undefined."""
    values = values[np.isfinite(values)]
    n = int(values.size)
    mean = float(values.mean()) if n else math.nan
    se = float(values.std(ddof=1) / math.sqrt(n)) if n >= 2 else math.nan
    half = t_quantile_975(n - 1) * se if n >= 2 else math.nan
    return n, mean, se, half


def summarise(table: pd.DataFrame, metrics: Sequence[str] | None = None,
              by: Sequence[str] | None = None, wide: bool = False) -> pd.DataFrame:
    """Mean, standard error and 95% confidence interval (Student t, replications as independent runs) of
    each metric at each grid point, over the finite values.

    Long (the default): one row per (grid point, metric), in the table's order, with `metric`, `n`, `mean`,
    `se`, `ci95_low` and `ci95_high`. Wide (`wide=True`): one row per grid point, with columns `<metric>`
    (the mean) and `<metric>_se` for each metric, as the chapters' tables and error bars read them.
    by: the columns that name a grid point (default: the sweep's coordinates plus the task's text columns,
    such as `config`). metrics: numeric columns to estimate (default: every other numeric column).
    With one replication, or fewer than two finite values, se and the interval are NaN.
    The table is what `sweep` returns, or any table of runs with a `replication` column.
    """
    if not isinstance(table, pd.DataFrame) or REPLICATION not in table:
        raise ValueError("table is not allowed; expected the DataFrame that sweep() returns "
                         f"(a table of runs with a {REPLICATION!r} column)")
    _check.flag("wide", wide)
    coordinates = list(table.attrs.get("coordinates", []))
    if by is None:
        text = [c for c in table.columns if c not in coordinates and c not in (REPLICATION, SEED)
                and not pd.api.types.is_numeric_dtype(table[c])]
        by = coordinates + text
    by = list(by)
    missing = [c for c in by if c not in table]
    if missing:
        raise ValueError(f"by={by} names columns {missing} that the table does not have")
    if metrics is None:
        metrics = [c for c in table.columns if c not in by and c not in (REPLICATION, SEED)
                   and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
    metrics = list(metrics)
    missing = [m for m in metrics if m not in table]
    if missing or not metrics:
        raise ValueError(f"metrics={metrics} is not allowed; expected numeric columns of the table")
    rows = []
    for key, group in table.groupby(by, sort=False, dropna=False) if by else [((), table)]:
        point = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        estimates = {metric: _estimate(group[metric].to_numpy(dtype=float)) for metric in metrics}
        if wide:
            rows.append({**point, **{name: value for metric, (_n, mean, se, _half) in estimates.items()
                                     for name, value in ((metric, mean), (f"{metric}_se", se))}})
            continue
        for metric, (n, mean, se, half) in estimates.items():
            rows.append({**point, "metric": metric, "n": n, "mean": mean, "se": se,
                         "ci95_low": mean - half, "ci95_high": mean + half})
    return pd.DataFrame(rows)
