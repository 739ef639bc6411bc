"""The Azure Functions 2019 trace's invocation counts (AzureFunctionsDataset2019,
https://github.com/Azure/AzurePublicDataset/blob/master/AzureFunctionsDataset2019.md; references.bib: shahrad2020,
azure_functions_dataset_2019): files `invocations_per_function_md.anon.dNN.csv`, one row per function with
`HashOwner,HashApp,HashFunction,Trigger` and 1,440 columns `1` to `1440`, the invocations in each minute of the day.
The chosen functions' counts are summed per minute and expanded into arrivals by the rule of sim.traffic.counts
(uniform within each minute, seeded).
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from .. import _check
from .counts import expand
from .summary import plausibility
from .trace import make_trace

KEYS = ["HashOwner", "HashApp", "HashFunction", "Trigger"]
MINUTES = [str(m) for m in range(1, 1441)]


def read(text: str, function: str | None = None, trigger: str | None = None, seed: int = 0):
    """Arrivals of the functions in the file (one `function` by its HashFunction, or those of one `trigger`,
    e.g. "http"), minute 1 starting at 0 s."""
    _check.number("seed", seed, low=0, integer=True)
    table = pd.read_csv(io.StringIO(text), dtype={k: str for k in KEYS})
    missing = [c for c in KEYS + MINUTES if c not in table.columns]
    if missing:
        raise ValueError(f"line 1: the header lacks {missing[:3]}{'...' if len(missing) > 3 else ''}; expected "
                         "HashOwner,HashApp,HashFunction,Trigger,1,...,1440")
    chosen = np.ones(len(table), dtype=bool)
    if function is not None:
        chosen &= (table["HashFunction"] == function).to_numpy()
    if trigger is not None:
        chosen &= (table["Trigger"] == trigger).to_numpy()
    if not chosen.any():
        raise ValueError(f"function={function!r}, trigger={trigger!r} match no row; expected a HashFunction or "
                         f"Trigger in the file (triggers: {sorted(table['Trigger'].unique())})")
    minutes = table.loc[chosen, MINUTES].apply(pd.to_numeric, errors="coerce")
    values = minutes.to_numpy(dtype=float)
    bad = ~(np.isfinite(values) & (values >= 0) & (np.round(values) == values))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"line {int(minutes.index[row]) + 2}: minute {MINUTES[col]} is "
                         f"{table.loc[minutes.index[row], MINUTES[col]]!r}; expected a whole number of invocations")
    counts = values.sum(axis=0).astype(np.int64)
    times = expand(np.arange(1440) * 60.0, counts, 60.0, seed)
    if times.size == 0:
        raise ValueError("the chosen functions have no invocations that day; expected at least one")
    trace = make_trace("azure_functions", times, relative=False, lines=len(table) + 1, interval_s=60.0,
                       notes=[f"{int(chosen.sum()):,} function(s) summed per minute; minute 1 starts at 0 s",
                              f"counts per 60 s spread uniformly within each minute (seed {seed})"])
    trace.warnings.extend(plausibility(trace))
    return trace
