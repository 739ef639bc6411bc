"""Entry points: run a workload on a platform, or on several with the same random draws."""
from __future__ import annotations

import pandas as pd

from . import _check
from .cloudrun_model import CloudRunModel
from .lambda_model import LambdaModel
from .lmi_model import LmiModel
from .config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from .randomness import streams
from .result import Result
from .ledger import Ledger
from .workload import Draws, Workload


def simulate(workload: Workload, config, seed: int = 0) -> Result:
    """Run `workload` on one platform `config`; the same seed gives identical tables."""
    if not isinstance(workload, Workload):
        raise ValueError(f"workload={workload!r} is not allowed; expected a sim.Workload")
    _check.number("seed", seed, low=0, integer=True)
    ledger, end_s = run_draws(config, workload.draw(seed), workload.mode, workload.duration_s, streams(seed))
    return Result(config, workload, seed, ledger, end_s)


def run_draws(config, draws: Draws, mode: str, duration_s: float, rng: dict) -> tuple[Ledger, float]:
    """Run the model of `config` on `draws` (arrivals in [0, duration_s)) with the generators `rng`
    (sim.randomness.streams); returns the ledger and the time the last request ended (at least duration_s)."""
    if isinstance(config, LambdaConfig):
        model = LambdaModel(config, draws, mode, duration_s, rng["cold_start"], rng["dispatch"])
    elif isinstance(config, CloudRunConfig):
        model = CloudRunModel(config, draws, mode, duration_s, rng["cold_start"])
    elif isinstance(config, LambdaManagedInstancesConfig):
        model = LmiModel(config, draws, mode, duration_s)
    else:
        raise ValueError(f"config={config!r} is not allowed; expected a LambdaConfig, a CloudRunConfig "
                         "or a LambdaManagedInstancesConfig")
    return model.run()


def check_configs(configs) -> None:
    """Configs run side by side: at least one, with distinct names (a Comparison's keys)."""
    if not configs:
        raise ValueError("configs=() is not allowed; expected at least one platform config")
    names = [getattr(c, "name", None) for c in configs]
    if len(set(names)) != len(names):
        raise ValueError(f"configs have names {names}; expected distinct names (set name=... on each)")


class Comparison(dict):
    """Results of one workload on several platforms, keyed by config name, with common random numbers."""

    def table(self) -> pd.DataFrame:
        """The summaries side by side: one column per platform."""
        return pd.DataFrame({name: result.summary() for name, result in self.items()}).drop(index="platform")


def compare(workload: Workload, *configs, seed: int = 0) -> Comparison:
    """Run the same arrivals and work on each config (their names must differ), e.g. Lambda, Cloud Run and
    Lambda Managed Instances side by side: `compare(w, LambdaConfig(), CloudRunConfig(),
    LambdaManagedInstancesConfig()).table()`."""
    check_configs(configs)
    return Comparison((c.name, simulate(workload, c, seed=seed)) for c in configs)
