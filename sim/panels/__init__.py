"""Interactive panels of the labs, one module per lab; PANELS maps a panel's name to its factory.

Each factory takes `configs=` (the platforms: one table column and one line or bar each, so a third
platform adds a third column) and `max_requests=` (the run cap), and returns a sim.widgets.Panel whose
`table()` is the result table at the current settings. Each module also runs its experiments without
widgets: `deployment_shape.run()`, `cold_starts.run()`, `concurrency_cost.run_concurrency()` and
`concurrency_cost.run_traffic()` and `capstone.run()` return the tables at the defaults (keyword arguments change settings).
"""
from __future__ import annotations

from . import capstone, cold_starts, concurrency_cost, deployment_shape
from ._common import PANEL_MAX_REQUESTS

#: name -> factory(configs=..., max_requests=...) of a Panel; the lab that shows it in the comment.
PANELS = {
    "deployment_shape": deployment_shape.panel,          # labs/01_deployment_shape
    "cold_starts": cold_starts.panel,                    # labs/02_cold_starts
    "concurrency": concurrency_cost.concurrency_panel,   # labs/03_concurrency_and_cost
    "traffic_cost": concurrency_cost.traffic_panel,      # labs/03_concurrency_and_cost
    "capstone": capstone.panel,                          # labs/04_your_workload_decides
}

__all__ = ["PANELS", "PANEL_MAX_REQUESTS", "capstone", "cold_starts", "concurrency_cost", "deployment_shape"]
