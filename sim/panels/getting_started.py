"""Getting started's experiment: Poisson requests for ten minutes on both platforms' defaults.

`experiment(rate_per_s)` is the page's workload (the rate slider drives it); `run(**values)` gives its
table, the figures its HTML twin shows, with the mean CPU per request as a second setting.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..config import CloudRunConfig, LambdaConfig
from ..distributions import Exponential
from ..arrivals import Poisson
from ..run import Comparison
from ._common import PANEL_MAX_REQUESTS, check_configs, column_table, limited, run_configs, standard_rows, table_at

SEED = 1
CONFIGS = (LambdaConfig(), CloudRunConfig())
DURATION_S = 600.0
DEFAULTS = {"rate_per_s": 5.0, "cpu_ms": 100.0}


def experiment(rate_per_s: float = DEFAULTS["rate_per_s"], cpu_ms: float = DEFAULTS["cpu_ms"],
               configs: Sequence = CONFIGS, seed: int = SEED, max_requests: int = PANEL_MAX_REQUESTS * 50) -> Comparison:
    """Poisson arrivals at `rate_per_s` for ten minutes, exponential CPU work of mean `cpu_ms`, on each config."""
    workload = limited({"arrivals": Poisson(rate_per_s=rate_per_s), "duration_s": DURATION_S,
                        "cpu_ms": Exponential(mean_ms=cpu_ms)}, max_requests)
    return run_configs(workload, check_configs(configs), seed)


def table(runs: Comparison) -> pd.DataFrame:
    """One column per platform: capacity, cold starts, latency and cost."""
    rows = {**standard_rows("requests", "environments / instances started", "peak alive", "cold starts",
                            "p50 latency (ms)", "p99 latency (ms)"),
            "cost of the window (USD)": lambda f: round(float(f.bill.total_usd), 5)}
    return column_table(runs, rows)


def run(configs: Sequence = CONFIGS, **values) -> pd.DataFrame:
    """The table at these settings (DEFAULTS for any left out; an unknown name is refused with the valid ones)."""
    return table_at(experiment, table, DEFAULTS, configs, values)
