"""Speed of the simulator, as ratios to a bare SimPy baseline measured in the same run.

Run from the repository root:

    .venv/bin/python benchmarks/bench.py            # full: 5 to 15 minutes, with the machine's load
    .venv/bin/python benchmarks/bench.py --quick    # smaller runs, 1 to 3 minutes

It prints a table and writes benchmarks/results/latest.json. The machine may be shared, so every
model figure is divided by a baseline timed in the same process, right after each model run: a bare
SimPy M/M/inf with one Process per request that only waits out its service time, at the model run's
arrival rate and mean number of requests in the system (Little's law: the sum of latencies over the
window). SimPy's event heap grows with the events pending, so only a baseline at the same load says
whether the model adds cost per event. Times are CPU seconds of this process (time.process_time);
a ratio is the median over the `--repeat` pairs, a rate comes from the best run.
See benchmarks/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import simpy  # noqa: E402

from sim import (CloudRunConfig, Diurnal, Exponential, LambdaConfig, LambdaManagedInstancesConfig, Poisson,  # noqa: E402
                 Workload, simulate)  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
SEED = 1

# Targets of the speed issue, as ratios measured in one run.
LAMBDA_MIN_RATIO = 1.0          # Lambda model / baseline at about 8, 230 and 1,000 alive environments
LAMBDA_FLATNESS = 0.85          # ratio at 1,000 alive / ratio at 8 alive
CLOUD_RUN_MIN_RATIO = 0.75      # Cloud Run model / baseline at about 10 and 80 in flight per instance
CLOUD_RUN_MONTH_MIN_RATIO = 0.8  # Cloud Run model / baseline on a month of daily-cycle traffic
CLOUD_RUN_COST_SPREAD = 0.10    # cost per request, ~80 per instance on 8 vCPUs (matched CPU use per vCPU) vs ~10
MAX_BYTES_PER_REQUEST = 200     # result tables
MAX_PANEL_S = 0.3               # median callback time of a lab panel at its defaults, its PNG included


# -- scenarios -------------------------------------------------------------------------------------
def standard_workload(n: int) -> Workload:
    """The getting-started workload (exponential CPU work, mean 100 ms) at 20 requests/s, n requests."""
    rate = 20.0
    return Workload(Poisson(rate_per_s=rate), duration_s=n / rate, cpu_ms=Exponential(mean_ms=100.0),
                    max_requests=max(2 * n, 1000))


def month_workload() -> Workload:
    """30 days of traffic with a daily cycle (4x peak to trough) averaging 0.4 requests/s: about 1e6 requests."""
    return Workload(Diurnal(mean_rate_per_s=0.4, peak_to_trough=4.0), duration_s=30 * 86_400.0,
                    cpu_ms=Exponential(mean_ms=100.0))


def lambda_scaled_workload(rate_per_s: float, n: int) -> Workload:
    """Same work at a higher rate, so that more execution environments are alive."""
    return Workload(Poisson(rate_per_s=rate_per_s), duration_s=n / rate_per_s,
                    cpu_ms=Exponential(mean_ms=100.0), max_requests=max(2 * n, 1000))


def io_bound_workload(n: int) -> Workload:
    """An API that mostly waits on a backend: 20 ms CPU, about 2 s I/O, 160 requests/s (about 320 in flight)."""
    rate = 160.0
    return Workload(Poisson(rate_per_s=rate), duration_s=n / rate, cpu_ms=Exponential(mean_ms=20.0),
                    io_ms=Exponential(mean_ms=1980.0), max_requests=max(2 * n, 1000))


def scenarios(quick: bool) -> list[dict]:
    """Every timed run: name, group, n (about how many requests), workload and config."""
    big = [10**5] if quick else [10**5, 10**6]
    scaled_n = 50_000 if quick else 200_000
    out = []
    for n in big:
        label = f"{n:.0e}".replace("e+0", "e")
        out.append({"name": f"lambda standard {label}", "group": "standard", "n": n,
                    "workload": standard_workload(n), "config": LambdaConfig()})
        out.append({"name": f"cloudrun standard {label}", "group": "standard", "n": n,
                    "workload": standard_workload(n), "config": CloudRunConfig()})
        out.append({"name": f"lmi standard {label}", "group": "standard", "n": n,
                    "workload": standard_workload(n), "config": LambdaManagedInstancesConfig()})
    if not quick:   # a month of daily-cycle traffic: Cloud Run's autoscaler ticks every 5 s while requests come
        for config in (LambdaConfig(), CloudRunConfig()):
            out.append({"name": f"{config.platform} month", "group": "month", "n": 1_036_800,
                        "workload": month_workload(), "config": config})
    # Lambda: the load scaled so that about 8, 230 and 1,000 environments are alive. The concurrency
    # limit is raised above the peak so every request takes the serving path (none is throttled).
    for alive, rate in ((8, 5.0), (230, 520.0), (1000, 2550.0)):
        out.append({"name": f"lambda ~{alive} alive", "group": "lambda_scaling", "target_alive": alive,
                    "n": scaled_n, "workload": lambda_scaled_workload(rate, scaled_n),
                    "config": LambdaConfig(concurrency_limit=3000)})
    # Cloud Run: one I/O-bound workload (about 320 requests in flight), served by instances that take
    # up to 18 or up to 170 requests; the autoscaler's 60% target gives about 10 or 80 per instance.
    for per_instance, concurrency in ((10, 18), (80, 170)):
        out.append({"name": f"cloudrun ~{per_instance} per instance", "group": "cloudrun_scaling",
                    "target_per_instance": per_instance, "n": scaled_n, "workload": io_bound_workload(scaled_n),
                    "config": CloudRunConfig(vcpu=2, max_concurrency=concurrency)})
    # A control, not a target: ~80 per instance on 8 vCPUs, where requests almost never share a vCPU.
    # Against "~10 per instance" it shows what requests per instance cost apart from CPU sharing.
    out.append({"name": "cloudrun ~80 per instance 8 vCPU", "group": "cloudrun_control",
                "target_per_instance": 80, "n": scaled_n, "workload": io_bound_workload(scaled_n),
                "config": CloudRunConfig(vcpu=8, memory_gib=4.0, max_concurrency=170)})
    return out


# -- the baseline ----------------------------------------------------------------------------------
def baseline_mm_inf(rate_per_s: float, in_system: float, n: int, seed: int = SEED) -> int:
    """Bare SimPy M/M/inf: one Process per request that waits out an exponential service time.

    The mean service time is in_system / rate_per_s, so the mean number in flight matches the model run.
    Random numbers are drawn in one block, as the models do.
    """
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / rate_per_s, n).tolist()
    services = rng.exponential(in_system / rate_per_s, n).tolist()
    env = simpy.Environment()

    def request(service_s):
        yield env.timeout(service_s)

    def source():
        for gap_s, service_s in zip(gaps, services):
            yield env.timeout(gap_s)
            env.process(request(service_s))

    env.process(source())
    env.run()
    return n


def events_per_request(fn, *args, **kwargs) -> float:
    """SimPy events processed per request by `fn(*args)`, which returns a Result or a request count:
    an untimed run with Environment.step counted."""
    count = 0
    step = simpy.Environment.step

    def counting_step(env):
        nonlocal count
        count += 1
        step(env)

    simpy.Environment.step = counting_step
    try:
        value = fn(*args, **kwargs)
    finally:
        simpy.Environment.step = step
    return count / (value if isinstance(value, int) else len(value.requests))


def timed(fn, *args, **kwargs):
    """(CPU seconds of this process, return value). CPU time leaves out the time other jobs on a
    shared machine hold the cores; the runs are single-threaded, so it is the work they cost."""
    gc.collect()
    t0 = time.process_time()
    value = fn(*args, **kwargs)
    return time.process_time() - t0, value


# -- model runs ------------------------------------------------------------------------------------
def describe(result) -> dict:
    """Load figures of a run: requests, rate, mean in system, instances alive, bytes held per request."""
    req, inst = result.requests, result.instances
    n = len(req)
    window_s = result.window_s[1]
    in_system = float(req["latency_s"].sum() / window_s)
    alive = result.mean_instances()
    table_bytes = int(req.memory_usage(deep=True).sum() + inst.memory_usage(deep=True).sum())
    return {
        "requests": n,
        "window_s": window_s,
        "arrival_rate_per_s": n / window_s,
        "mean_in_system": in_system,
        "mean_alive": alive,
        "peak_alive": result.peak_instances(),
        "in_system_per_alive_instance": in_system / alive if alive else float("nan"),
        "instances_started": len(inst),
        "throttle_rate": float((req["status"] == "throttled").mean()),
        "cold_start_rate": float(req["cold"].mean()),
        "table_bytes_per_request": table_bytes / n,
        "requests_table_bytes_per_request": int(req.memory_usage(deep=True).sum()) / n,
    }


def bench_scenario(spec: dict, repeat: int) -> dict:
    """Time the model and the matched baseline `repeat` times, each baseline run right after a model run.

    The ratio is the median of the pairs' ratios (a pair shares the machine's state of the moment);
    the rates are from the best run of each.
    """
    workload, config = spec["workload"], spec["config"]
    model_s, result = timed(simulate, workload, config, seed=SEED)
    load = describe(result)
    del result
    load["model_events_per_request"] = events_per_request(simulate, workload, config, seed=SEED)
    load["baseline_events_per_request"] = events_per_request(
        baseline_mm_inf, load["arrival_rate_per_s"], load["mean_in_system"], load["requests"])
    model_times, base_times = [], []
    for k in range(repeat):
        if k:
            model_s = timed(simulate, workload, config, seed=SEED)[0]
        model_times.append(model_s)
        base_times.append(timed(baseline_mm_inf, load["arrival_rate_per_s"], load["mean_in_system"],
                                load["requests"])[0])
    pair_ratios = [b / m for m, b in zip(model_times, base_times)]
    model_rate = load["requests"] / min(model_times)
    base_rate = load["requests"] / min(base_times)
    return {
        "name": spec["name"], "group": spec["group"], "platform": config.platform,
        **{k: spec[k] for k in ("target_alive", "target_per_instance") if k in spec},
        **load,
        "model_requests_per_s": model_rate, "baseline_requests_per_s": base_rate,
        "model_us_per_request": 1e6 / model_rate, "baseline_us_per_request": 1e6 / base_rate,
        "ratio": statistics.median(pair_ratios),
        "ratio_low": min(pair_ratios), "ratio_high": max(pair_ratios),
        "model_times_s": model_times, "baseline_times_s": base_times,
    }


def peak_memory(spec: dict) -> dict:
    """Peak Python memory (tracemalloc) while simulating, and what the result tables keep, per request."""
    import tracemalloc
    gc.collect()
    tracemalloc.start()
    result = simulate(spec["workload"], spec["config"], seed=SEED)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(result.requests)
    return {"name": spec["name"], "requests": n, "peak_bytes_per_request": peak / n,
            "table_bytes_per_request": describe(result)["table_bytes_per_request"]}


def warm_up() -> None:
    """One small run of everything, so that no timed run pays for first-call costs."""
    for config in (LambdaConfig(), CloudRunConfig()):
        simulate(standard_workload(2000), config, seed=SEED)
    baseline_mm_inf(20.0, 2.0, 2000)


# -- lab panels ------------------------------------------------------------------------------------
def notebook_panels() -> list[tuple[str, object]]:
    """Every Panel the book's notebooks build, found by running their code cells with output hidden."""
    import nbformat
    from sim import widgets

    made: list = []
    original = widgets.Panel.__init__

    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    found = []
    widgets.Panel.__init__ = recording_init
    try:
        for path in sorted((ROOT / "chapters").rglob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
            if not any("explore(" in source or "Panel(" in source for source in code):
                continue   # no panel here: do not run the chapter
            namespace = {"__name__": "__main__"}
            before = len(made)
            cwd = os.getcwd()
            os.chdir(path.parent)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    for source in code:
                        source = "\n".join(line for line in source.splitlines()
                                           if not line.lstrip().startswith(("%", "!")))
                        exec(compile(source, str(path), "exec"), namespace)
            finally:
                os.chdir(cwd)
            for k, panel in enumerate(made[before:]):
                found.append((f"{path.stem}[{k}]", panel))
    finally:
        widgets.Panel.__init__ = original
    return found


def registry_panels() -> list[tuple[str, object]]:
    """The labs' panels from the `sim.panels.PANELS` registry (name -> factory of a Panel), at their defaults."""
    try:
        from sim.panels import PANELS
    except ImportError:
        return []
    out = []
    with contextlib.redirect_stdout(io.StringIO()):
        for name, factory in PANELS.items():
            panel = factory if hasattr(factory, "_redraw") else factory()
            out.append((f"PANELS[{name!r}]", panel))
    return out


def bench_panels(runs: int) -> list[dict]:
    """Median time of each panel's callback (Panel._redraw) at its default settings: the simulation
    alone (`run`), and the callback as a slider calls it: run, table if the panel has one, the figure
    (the previous one, updated) and the PNG the panel displays (outside a kernel display() prints the
    table's text instead of its HTML). Panels: those the chapters build, then the labs' `sim.panels.PANELS`."""
    out = []
    panels = notebook_panels() + registry_panels()
    for name, panel in panels:
        values = panel.values()
        run_only, callback = [], []
        for _ in range(runs):
            run_only.append(timed(panel.run, **values)[0])
            with contextlib.redirect_stdout(io.StringIO()):
                callback.append(timed(panel._redraw)[0])
        out.append({"name": name, "defaults": {k: _plain(v) for k, v in values.items()}, "runs": runs,
                    "run_median_s": statistics.median(run_only),
                    "callback_median_s": statistics.median(callback)})
    return out


def bench_capstone_map() -> dict:
    """Wall-clock time of the capstone's decision map at its defaults (18 cells x 3 replications x 3 platforms),
    on the default local process pool and one after another in this process; wall time, because the work
    runs in other processes. On a shared machine both move with the load; their ratio is the pool's speed-up."""
    from sim.experiments import capstone
    timings = {}
    for label, executor in (("process_pool", "process"), ("serial", None)):
        started = time.perf_counter()
        table = capstone.decision_map(2.0, replications=3, executor=executor)
        timings[f"{label}_wall_s"] = time.perf_counter() - started
    timings["runs"] = int(len(table) // len(capstone.CONFIGS))
    timings["pool_speedup"] = timings["serial_wall_s"] / timings["process_pool_wall_s"]
    return timings


def _plain(value):
    return value.item() if hasattr(value, "item") else value


# -- report ----------------------------------------------------------------------------------------
def check_targets(rows: list[dict], panels: list[dict]) -> list[dict]:
    by = {row["name"]: row for row in rows}
    lam = [row for row in rows if row["group"] == "lambda_scaling"]
    run = [row for row in rows if row["group"] == "cloudrun_scaling"]
    checks = []
    for row in lam:
        checks.append((f"{row['name']}: ratio >= {LAMBDA_MIN_RATIO}", row["ratio"], row["ratio"] >= LAMBDA_MIN_RATIO))
    if len(lam) >= 2:
        flat = lam[-1]["ratio"] / lam[0]["ratio"]
        checks.append((f"lambda ratio at ~1000 alive / at ~8 alive >= {LAMBDA_FLATNESS}", flat, flat >= LAMBDA_FLATNESS))
    for row in run:
        checks.append((f"{row['name']}: ratio >= {CLOUD_RUN_MIN_RATIO}", row["ratio"],
                       row["ratio"] >= CLOUD_RUN_MIN_RATIO))
    if "cloudrun month" in by:
        ratio = by["cloudrun month"]["ratio"]
        checks.append((f"cloudrun month: ratio >= {CLOUD_RUN_MONTH_MIN_RATIO}", ratio,
                       ratio >= CLOUD_RUN_MONTH_MIN_RATIO))
    control = contention_control(rows)
    if control:
        # Judged at matched CPU use per vCPU: ~10 per instance on 2 vCPUs against ~80 per instance on 8 vCPUs.
        spread = control["spread_10_vs_80_on_8_vcpu"]
        checks.append((f"cloudrun cost per request spread, ~10 vs ~80 per instance at matched CPU use per vCPU "
                       f"(8 vCPUs) <= {CLOUD_RUN_COST_SPREAD:.0%}", spread, spread <= CLOUD_RUN_COST_SPREAD))
    worst_bytes = max(row["table_bytes_per_request"] for row in by.values())
    checks.append((f"result tables <= {MAX_BYTES_PER_REQUEST} bytes per request (worst run)", worst_bytes,
                   worst_bytes <= MAX_BYTES_PER_REQUEST))
    for panel in panels:
        checks.append((f"panel {panel['name']} callback median <= {MAX_PANEL_S} s", panel["callback_median_s"],
                       panel["callback_median_s"] <= MAX_PANEL_S))
    return [{"target": name, "value": value, "met": bool(met)} for name, value, met in checks]


def contention_control(rows: list[dict]) -> dict | None:
    """How the two Cloud Run runs at ~10 and ~80 per instance differ, and how the ~10 run and the control
    (~80 per instance on 8 vCPUs) differ: spreads of cost per request and events. The three runs have the
    same workload, so the same baseline: their costs per request compare as the inverse of their ratios,
    which cancels the machine's speed of the moment."""
    by = {row["name"]: row for row in rows}
    ten, eighty, control = (by.get(f"cloudrun ~{k}") for k in ("10 per instance", "80 per instance",
                                                                 "80 per instance 8 vCPU"))
    if not (ten and eighty and control):
        return None

    def spread(a, b):
        return max(a["ratio"], b["ratio"]) / min(a["ratio"], b["ratio"]) - 1

    return {"spread_10_vs_80": spread(ten, eighty), "spread_10_vs_80_on_8_vcpu": spread(ten, control),
            "events_per_request": {row["name"]: row["model_events_per_request"] for row in (ten, eighty, control)}}


def print_report(rows, panels, checks, memory) -> None:
    print(f"\n{'scenario':32s} {'requests':>9s} {'alive':>7s} {'in sys':>7s} {'per inst':>8s} "
          f"{'model/s':>9s} {'base/s':>9s} {'ratio':>6s} {'range':>9s} {'us/req':>7s} {'ev/req':>6s} {'B/req':>6s}")
    for r in rows:
        print(f"{r['name']:32s} {r['requests']:9,d} {r['mean_alive']:7.1f} {r['mean_in_system']:7.1f} "
              f"{r['in_system_per_alive_instance']:8.1f} {r['model_requests_per_s']:9,.0f} "
              f"{r['baseline_requests_per_s']:9,.0f} {r['ratio']:6.2f} {r['ratio_low']:4.2f}-{r['ratio_high']:4.2f} "
              f"{r['model_us_per_request']:7.1f} {r['model_events_per_request']:6.2f} "
              f"{r['table_bytes_per_request']:6.1f}")
    print("(ev/req: SimPy events per request; the baseline processes "
          f"{rows[0]['baseline_events_per_request']:.2f})" if rows else "")
    if memory:
        print(f"\n{'memory (bytes per request)':28s} {'peak':>9s} {'tables':>9s}")
        for m in memory:
            print(f"{m['name']:28s} {m['peak_bytes_per_request']:9.0f} {m['table_bytes_per_request']:9.1f}")
    if panels:
        print(f"\n{'panel (median of runs)':28s} {'simulate':>9s} {'callback':>9s}  (callback: table, figure, PNG)")
        for p in panels:
            print(f"{p['name']:28s} {p['run_median_s']:9.3f} {p['callback_median_s']:9.3f}")
    print("\ntargets")
    for c in checks:
        print(f"  [{'met' if c['met'] else 'NOT met':7s}] {c['target']}: {c['value']:.3f}")


def markdown(report: dict) -> str:
    """The run's figures as one Markdown table (README.md and benchmarks/README.md show it), with the
    command that made them and the target each is held to."""
    targets = {"lambda ~": f">= {LAMBDA_MIN_RATIO}", "cloudrun ~10 per instance": f">= {CLOUD_RUN_MIN_RATIO}",
               "cloudrun ~80 per instance": f">= {CLOUD_RUN_MIN_RATIO}",
               "cloudrun month": f">= {CLOUD_RUN_MONTH_MIN_RATIO}"}
    lines = [f"`{report.get('command', '.venv/bin/python benchmarks/bench.py')}` ({report['when'][:10]}, "
             f"{report['cpus']} cores shared with other jobs, load average {report['load_average'][0]:.1f} at the end)", "",
             "| run | requests | alive | model req/s | baseline req/s | ratio (range), or value | events/req | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in report["scenarios"]:
        target = next((t for key, t in targets.items() if r["name"].startswith(key)
                       and not r["name"].endswith("8 vCPU")), "")
        lines.append(f"| {r['name']} | {r['requests']:,} | {r['mean_alive']:,.0f} | {r['model_requests_per_s']:,.0f} "
                     f"| {r['baseline_requests_per_s']:,.0f} | {r['ratio']:.2f} ({r['ratio_low']:.2f}-{r['ratio_high']:.2f}) "
                     f"| {r['model_events_per_request']:.2f} | {target} |")
    control = report.get("cloudrun_contention_control")
    if control:
        lines.append(f"| Cloud Run cost per request, ~80 vs ~10 per instance on 8 vCPUs (matched CPU use per vCPU) "
                     f"| | | | | {control['spread_10_vs_80_on_8_vcpu']:+.0%} | | <= {CLOUD_RUN_COST_SPREAD:.0%} |")
        lines.append(f"| the same on 2 vCPUs (requests share vCPUs) | | | | | {control['spread_10_vs_80']:+.0%} | | |")
    lam = [r for r in report["scenarios"] if r["group"] == "lambda_scaling"]
    if len(lam) >= 2:
        lines.append(f"| Lambda: ratio at ~1000 alive / at ~8 alive | | | | | {lam[-1]['ratio'] / lam[0]['ratio']:.2f} | "
                     f"| >= {LAMBDA_FLATNESS} |")
    if report["scenarios"]:
        worst = max(r["table_bytes_per_request"] for r in report["scenarios"])
        lines.append(f"| result tables, bytes per request (worst run) | | | | | {worst:.0f} | | <= {MAX_BYTES_PER_REQUEST} |")
    for p in report["panels"]:
        lines.append(f"| panel {p['name']}: callback with its PNG, s (simulation alone) | | | | "
                     f"| {p['callback_median_s']:.3f} ({p['run_median_s']:.3f}) | | <= {MAX_PANEL_S} |")
    cmap = report.get("capstone_map")
    if cmap:
        lines.append(f"| capstone decision map, {cmap['runs']} simulations of 3 platforms: wall s, process pool "
                     f"(serially) | | | | | {cmap['process_pool_wall_s']:.1f} ({cmap['serial_wall_s']:.1f}) | | |")
    return "\n".join(lines)


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "sim"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return head + ("+uncommitted sim changes" if dirty else "")
    except OSError:
        return "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, no 1e6 run")
    parser.add_argument("--repeat", type=int, default=None, help="timed model+baseline pairs per figure (median ratio, best time)")
    parser.add_argument("--panel-runs", type=int, default=None, help="callback runs per panel (median)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output path")
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this text")
    parser.add_argument("--no-panels", action="store_true", help="skip the lab panels")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="print the Markdown table of a results file (e.g. benchmarks/results/latest.json) and stop")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0
    repeat = args.repeat or (3 if args.quick else 5)
    panel_runs = args.panel_runs or (5 if args.quick else 9)

    started = time.time()
    warm_up()
    rows = []
    for spec in scenarios(args.quick):
        if args.only and args.only not in spec["name"]:
            continue
        reps = 2 if spec["n"] >= 10**6 and not args.repeat else repeat
        row = bench_scenario(spec, reps)
        rows.append(row)
        print(f"{row['name']:32s} ratio {row['ratio']:5.2f} [{row['ratio_low']:.2f}-{row['ratio_high']:.2f}]  "
              f"({row['model_requests_per_s']:,.0f} vs {row['baseline_requests_per_s']:,.0f} requests/s)", flush=True)
    memory = [peak_memory(spec) for spec in scenarios(True) if spec["group"] == "standard"
              and (not args.only or args.only in spec["name"])]
    panels = [] if args.no_panels else bench_panels(panel_runs)
    capstone_map = None if args.no_panels else bench_capstone_map()
    checks = check_targets(rows, panels) if rows else []
    print_report(rows, panels, checks, memory)
    control = contention_control(rows)
    if control:
        events = list(control["events_per_request"].values())
        print(f"\ncloudrun: cost per request ~80 vs ~10 per instance (2 vCPUs) {control['spread_10_vs_80']:+.0%}, "
              f"events per request {events[1]:.2f} vs {events[0]:.2f}; the same ~80 per instance on 8 vCPUs "
              f"(no CPU sharing, {events[2]:.2f} events) {control['spread_10_vs_80_on_8_vcpu']:+.0%}")
    if capstone_map:
        print(f"\ncapstone decision map ({capstone_map['runs']} simulations of 3 platforms): "
              f"{capstone_map['process_pool_wall_s']:.1f} s on the process pool, {capstone_map['serial_wall_s']:.1f} s "
              f"serially (speed-up {capstone_map['pool_speedup']:.2f}x on {os.cpu_count()} cores)")
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": shlex.join([".venv/bin/python", "benchmarks/bench.py", *(sys.argv[1:] if argv is None else argv)]),
        "git": git_state(),
        "quick": args.quick, "repeat": repeat, "panel_runs": panel_runs,
        "python": platform.python_version(), "simpy": simpy.__version__, "numpy": np.__version__,
        "cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
        "bench_wall_s": time.time() - started,
        "scenarios": rows, "memory": memory, "panels": panels, "capstone_map": capstone_map, "targets": checks,
        "cloudrun_contention_control": control,
    }
    print("\n" + markdown(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=float) + "\n")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} "
          f"({report['bench_wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
