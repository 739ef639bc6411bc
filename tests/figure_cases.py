"""Every figure helper the book's notebooks draw, each on a small run of the data its page gives it.

FIGURES maps a name to a function that draws the figure; tests/test_figures.py prints each one as a
notebook does and checks its text size and its axes. A helper the notebooks call must have a case here
(test_figures checks that too, by reading the notebooks' code cells).
"""
from __future__ import annotations

import functools

import pandas as pd

from sim import plotting
from sim.experiments import assumptions, capstone, cold_starts, decision, deployment_shape, managed_instances
from sim.experiments import concurrency_cost, measured_lambda
from sim.panels import capstone as capstone_panel
from sim.panels import cold_starts as cold_starts_panel
from sim.panels import concurrency_cost as concurrency_panel
from sim.panels import deployment_shape as shape_panel
from sim.panels import getting_started
from sim.sweep import summarise, sweep

DB_MAX_CONNECTIONS, POOLER_MAX_CONNECTIONS = 55, 50     # chapter 1's example settings


@functools.cache
def _side_by_side():
    return deployment_shape.side_by_side(duration_s=120.0)


@functools.cache
def _burst_runs():
    return deployment_shape.burst_runs()


@functools.cache
def _decision_cells():
    runs = decision.decision_map(rates_per_hour=(10.0, 1000.0, 10000.0), on_fractions=(1.0, 0.1), target_requests=100)
    return decision.compare_cells(runs)


def _keepalive():
    lam = cold_starts.keepalive_sweep((60.0, 360.0, 1800.0), n_requests=300)
    run = cold_starts.keepalive_sweep((60.0, 900.0, 3600.0), config=cold_starts.CLOUD_RUN_KEEPALIVE, n_requests=300)
    return pd.concat([lam, run], ignore_index=True)


def _measured():
    measured = measured_lambda.load_measurements().head(4)
    return measured_lambda.comparison(measured, policies=("most_recently_freed",), executor=None)


def _cost_sweep():
    costs = sweep(concurrency_panel.traffic_point, {"on_fraction": [1.0, 0.1], "io_share": [0.5, 0.9]},
                  replications=2, max_workers=1)
    return summarise(costs, metrics=["monthly_usd"])


def _steady():
    runs = managed_instances.steady_cost(rates_per_s=(10.0, 100.0), replications=2)
    return managed_instances.steady_summary(runs)


#: name -> draw(): the Figure, as the page draws it (the name says which helper and which page).
FIGURES = {
    "plotting.plot_instances (chapter 1, getting started)": lambda: plotting.plot_instances(_side_by_side()),
    "plotting.plot_instances (chapter 1's burst)": lambda: plotting.plot_instances(_burst_runs()),
    "plotting.plot_overview (getting started, its rate slider)": lambda: plotting.plot_overview(
        getting_started.experiment(5.0)),
    "deployment_shape.plot_state_sweep": lambda: deployment_shape.plot_state_sweep(
        deployment_shape.state_sweep(rates_per_s=(1.0, 20.0), duration_s=120.0)),
    "deployment_shape.plot_connections": lambda: deployment_shape.plot_connections(
        deployment_shape.connection_series(_burst_runs(), DB_MAX_CONNECTIONS, POOLER_MAX_CONNECTIONS), DB_MAX_CONNECTIONS),
    "cold_starts.plot_runtimes": lambda: cold_starts.plot_runtimes(cold_starts.runtime_sweep(seeds=(1, 2))),
    "cold_starts.plot_package_size": lambda: cold_starts.plot_package_size(cold_starts.package_sweep(seeds=(1, 2))),
    "cold_starts.plot_keepalive": lambda: cold_starts.plot_keepalive(_keepalive()),
    "cold_starts.plot_p99_vs_cost": lambda: cold_starts.plot_p99_vs_cost(cold_starts.provisioning_sweep(
        provisioned_concurrency=(0, 2, 8), min_instances=(0, 1), seeds=(1, 2))),
    "concurrency_cost.plot_latency_vs_concurrency": lambda: concurrency_cost.plot_latency_vs_concurrency(
        concurrency_cost.latency_vs_concurrency(max_concurrencies=(1, 16, 1000), replications=2, duration_s=60.0)),
    "concurrency_cost.plot_burst": lambda: concurrency_cost.plot_burst(concurrency_cost.burst()[0]),
    "concurrency_cost.plot_cost_vs_burstiness": lambda: concurrency_cost.plot_cost_vs_burstiness(
        concurrency_cost.cost_vs_burstiness(on_fractions=(1.0, 0.1), cycle_s=600.0, cycles=1)),
    "concurrency_cost.plot_cost_vs_io_share": lambda: concurrency_cost.plot_cost_vs_io_share(
        concurrency_cost.cost_vs_io_share(rates_per_s=(2.0, 50.0), io_shares=(0.0, 0.5, 0.9, 0.98), duration_s=60.0)),
    "managed_instances.plot_steady_cost": lambda: managed_instances.plot_steady_cost(_steady()),
    "managed_instances.plot_growth": lambda: managed_instances.plot_growth(managed_instances.growth()[0]),
    "decision.plot_queue_vs_sync": lambda: decision.plot_queue_vs_sync(*decision.queue_vs_sync()),
    "decision.plot_decision_map (cost)": lambda: decision.plot_decision_map(_decision_cells(), "cost"),
    "decision.plot_decision_map (p99)": lambda: decision.plot_decision_map(_decision_cells(), "p99"),
    "assumptions.plot_trust": lambda: assumptions.plot_trust(
        assumptions.erlang_b_points(n_requests=1000), assumptions.ps_points(n_requests=1000),
        assumptions.keepalive_points(n_requests=1000)),
    "measured_lambda.plot_comparison": lambda: measured_lambda.plot_comparison(_measured()),
    "capstone.plot_map": lambda: capstone.plot_map(capstone.map_cells(capstone.decision_map(
        2.0, on_fractions=(1.0, 0.1), replications=2, executor=None))),
    "panels.deployment_shape.show (lab 1)": lambda: shape_panel.show(shape_panel.experiment()),
    "panels.cold_starts.show (lab 2)": lambda: cold_starts_panel.show(cold_starts_panel.experiment()),
    "panels.concurrency_cost.burst_show (lab 3)": lambda: concurrency_panel.burst_show(
        concurrency_panel.burst_experiment()),
    "panels.concurrency_cost.traffic_show (lab 3)": lambda: concurrency_panel.traffic_show(
        concurrency_panel.traffic_experiment()),
    "panels.concurrency_cost.plot_cost_sweep (lab 3)": lambda: concurrency_panel.plot_cost_sweep(_cost_sweep()),
    "panels.capstone.plot_verdict (lab 4)": lambda: capstone_panel.plot_verdict(capstone_panel.run()),
}
