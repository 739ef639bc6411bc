"""The HTML twin of each lab panel (and of getting started's rate slider): its grid and its bars.

`TWINS[name]()` computes the grid with `sim` and returns a sim.twins.Twin; `TWIN_RUNS[name]` is the function
whose table each grid point shows, so a test can compare every point with a fresh `run(**point)`.
Each grid holds the change its lab is about: the idle gap crossing the keep-alive, the spike that
overflows the database, the concurrency cap that starts to hurt CPU-bound work, the traffic at which
one platform becomes cheaper than the other.
"""
from __future__ import annotations

import functools

from ..plotting import PLATFORM_LABELS, platform_key
from ..twins import Control, Twin, panel_twin
from . import capstone, cold_starts, concurrency_cost, deployment_shape, getting_started


def _platforms(configs) -> dict[str, str]:
    return {c.name: PLATFORM_LABELS[platform_key(c.platform)] for c in configs}


def _evenly(low: float, high: float, step: float) -> tuple:
    n = int(round((high - low) / step))
    return tuple(round(low + k * step, 9) for k in range(n + 1))


#: name -> (run function, its configs, controls, bar rows, what it shows)
SPECS = {
    "getting_started": (
        getting_started.run, getting_started.CONFIGS,
        (Control("rate_per_s", "requests per second", _evenly(2.5, 25.0, 2.5), getting_started.DEFAULTS["rate_per_s"]),
         Control("cpu_ms", "mean CPU per request (ms)", (50.0, 100.0, 200.0, 400.0), getting_started.DEFAULTS["cpu_ms"],
                 kind="radio")),
        ("peak alive", "p99 latency (ms)", "cost of the window (USD)"),
        "ten minutes of Poisson requests on Lambda and Cloud Run at their defaults"),
    "deployment_shape": (
        deployment_shape.run, deployment_shape.CONFIGS,
        (Control("spike_rate_per_s", "spike (requests/s, 10 s)", _evenly(50.0, 300.0, 50.0),
                 deployment_shape.DEFAULTS["spike_rate_per_s"]),
         Control("db_max_connections", "database connection limit", (25, 50, 75, 100, 125),
                 deployment_shape.DEFAULTS["db_max_connections"]),
         Control("pooler", "Lambda: connection pooler", (False, True), deployment_shape.DEFAULTS["pooler"],
                 kind="checkbox")),
        ("peak alive", "DB connections, peak", "requests failed (DB full)"),
        "a 10-second spike against a database with a connection limit, with and without a pooler for Lambda"),
    "cold_starts": (
        cold_starts.run, cold_starts.CONFIGS,
        (Control("gap_s", "idle gap between bursts (s)", _evenly(120.0, 1200.0, 120.0), cold_starts.DEFAULTS["gap_s"]),
         Control("keep_alive_s", "Lambda keep-alive (s)", _evenly(120.0, 1200.0, 120.0),
                 cold_starts.DEFAULTS["keep_alive_s"])),
        ("cold starts", "p99 latency (ms)", "per 30-day month (USD)"),
        "six one-minute bursts separated by an idle gap, against Lambda's keep-alive and Cloud Run's idle timeout"),
    "concurrency": (
        concurrency_cost.run_concurrency, concurrency_cost.CONCURRENCY_CONFIGS,
        (Control("max_concurrency", "Cloud Run max concurrency", (1, 2, 5, 10, 20, 40, 80),
                 concurrency_cost.CONCURRENCY_DEFAULTS["max_concurrency"], kind="radio"),
         Control("cpu_ms", "CPU per request (ms of 1 vCPU)", _evenly(0.0, 100.0, 20.0),
                 concurrency_cost.CONCURRENCY_DEFAULTS["cpu_ms"])),
        ("p99 latency (ms)", "peak alive", "cold starts"),
        "a 20-second burst of requests with CPU work and a 100 ms I/O wait, against Cloud Run's concurrency cap"),
    "traffic_cost": (
        concurrency_cost.run_traffic, concurrency_cost.TRAFFIC_CONFIGS,
        (Control("mean_rate_per_s", "mean requests/s", (0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
                 concurrency_cost.TRAFFIC_DEFAULTS["mean_rate_per_s"], kind="radio"),
         Control("on_fraction", "share of each 10 min with traffic", (0.05, 0.1, 0.25, 0.5, 1.0),
                 concurrency_cost.TRAFFIC_DEFAULTS["on_fraction"], kind="radio",
                 labels=("5%", "10%", "25%", "50%", "100%")),
         Control("io_share", "share of a request spent on I/O", _evenly(0.0, 0.8, 0.2),
                 concurrency_cost.TRAFFIC_DEFAULTS["io_share"])),
        ("per 30-day month (USD)", "p99 latency (ms)"),
        "traffic of a given mean rate, burstiness and I/O share on Lambda, Cloud Run and Lambda Managed Instances"),
    "capstone": (
        capstone.run, capstone.capstone.CONFIGS,
        (Control("shape", "traffic shape", tuple(capstone.capstone.SHAPES), capstone.DEFAULTS["shape"], kind="select"),
         Control("mean_rate_per_s", "mean requests per second", (0.5, 1.0, 2.0, 5.0, 10.0),
                 capstone.DEFAULTS["mean_rate_per_s"], kind="radio"),
         Control("cpu_ms", "CPU per request (ms)", (5.0, 20.0, 100.0, 300.0), capstone.DEFAULTS["cpu_ms"],
                 kind="radio")),
        ("monthly cost (USD)", "p99 latency (ms)"),
        "a traffic shape of 30 minutes on the three platforms, with the verdict table"),
}

#: name -> the function whose table a grid point shows (called as run(**point)).
TWIN_RUNS = {name: spec[0] for name, spec in SPECS.items()}


def twin(name: str, *, parallel: bool = True) -> Twin:
    """The HTML twin of the panel `name` (a key of SPECS), its grid computed now."""
    if name not in SPECS:
        raise ValueError(f"name={name!r} is not allowed; expected one of {', '.join(map(repr, SPECS))}")
    run, configs, controls, bars, what = SPECS[name]
    return panel_twin(name.replace("_", "-"), run, controls, bars, _platforms(configs), what, parallel=parallel)


TWINS = {name: functools.partial(twin, name) for name in SPECS}
