"""A month of production traffic on three platforms, in windows on a local process pool.

Run from the repository root:

    .venv/bin/python benchmarks/month_bench.py                 # the month: 30 days, 100 million requests
    .venv/bin/python benchmarks/month_bench.py --days 2 --slice-days 1    # a quick look

The workload is a daily cycle (sim.Diurnal, peak/trough 2, peak at 14:00) averaging 100 million requests in
30 days (38.58 per second), each request 20 ms of CPU and 180 ms of I/O wait (exponential, the book's
standard work), on the default Lambda, Cloud Run and Lambda Managed Instances configs, in windows of a day.
It prints, and writes to benchmarks/results/month.json:

- scaling: wall time of a `--slice-days` slice (4 days) on 1 worker and on 2 workers, in this process, and
  their ratio; the machine may be shared, so the load average before and after and the cores the workers
  got (their CPU seconds / wall seconds) are printed with it. Linux's autogroup scheduler shares the CPUs
  between sessions, not processes: while another session keeps a core busy, two workers share one core;
- the month: wall time, peak memory (resident set of this process and of the largest worker, from
  resource.getrusage; workers x largest + this process bounds the total), the three-platform verdict;
- warm-up: one day at 5 requests per second (a trace, each request with its own work) as one run and as
  6-hour windows with no warm-up and with the default one (sim.windows.warmup_for), to show how much the warm-up matters and that it suffices.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim import (CloudRunConfig, Diurnal, Exponential, LambdaConfig, LambdaManagedInstancesConfig,  # noqa: E402
                 Replay, Workload, compare)
from sim import windows  # noqa: E402
from sim.distributions import Recorded  # noqa: E402
from sim.sweep import TextProgress  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "month.json"
SEED = 1
DAY_S = 86_400.0
MONTH_REQUESTS = 100_000_000
CONFIGS = (LambdaConfig(), CloudRunConfig(), LambdaManagedInstancesConfig())

# Targets of the issue.
MAX_WALL_S = 30 * 60
MAX_PEAK_GIB = 3.0
MIN_SPEEDUP = 1.8


def month_workload(days: float, rate_per_s: float) -> windows.LongWorkload:
    return windows.LongWorkload(Diurnal(mean_rate_per_s=rate_per_s), duration_s=days * DAY_S,
                                cpu_ms=Exponential(mean_ms=20.0), io_ms=Exponential(mean_ms=180.0))


def load() -> float:
    return os.getloadavg()[0]


def rss_mib(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024   # Linux: KiB


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)   # workers that have ended (the pool is shut down)
    return usage.ru_utime + usage.ru_stime


def timed_run(workload, workers: int, progress=None, window_s=DAY_S) -> tuple[float, object, float]:
    """Wall seconds, the runs, and the workers' CPU seconds."""
    start, cpu = time.perf_counter(), children_cpu_s()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        runs = windows.compare_windows(workload, *CONFIGS, seed=SEED, window_s=window_s, executor=pool,
                                       progress=progress)
    return time.perf_counter() - start, runs, children_cpu_s() - cpu


def scaling(rate_per_s: float, slice_days: float) -> dict:
    workload = month_workload(slice_days, rate_per_s)
    before = load()
    one_s, one, one_cpu = timed_run(workload, 1)
    two_s, two, two_cpu = timed_run(workload, 2)
    same = all(one[name].summary() == two[name].summary() for name in one)
    return dict(slice_days=slice_days, requests=one["Lambda"].requests, one_worker_s=one_s, two_workers_s=two_s,
                speedup=one_s / two_s, identical_answers=same, load_before=before, load_after=load(),
                one_worker_cpu_s=one_cpu, two_workers_cpu_s=two_cpu,
                cores_used_one=one_cpu / one_s, cores_used_two=two_cpu / two_s)


def warmup_check() -> dict:
    rng = np.random.default_rng(SEED)
    trace = Diurnal(mean_rate_per_s=5.0).times(rng, DAY_S)
    # each request's own work, so that one run and the windows differ only by the windows
    workload = Workload(Replay(trace), duration_s=DAY_S, cpu_ms=Recorded(rng.exponential(20.0, trace.size)),
                        io_ms=Recorded(rng.exponential(180.0, trace.size)))
    single = compare(workload, *CONFIGS, seed=SEED)
    rows = {}
    for warmup_s in (0.0, windows.warmup_for(CONFIGS)):
        runs = windows.compare_windows(workload, *CONFIGS, seed=SEED, window_s=DAY_S / 4, warmup_s=warmup_s,
                                       executor=None)
        for config in CONFIGS:
            one, win = single[config.name].summary(), runs[config.name]
            rows[f"{config.name}, warm-up {warmup_s:g} s"] = dict(
                bill_difference=win.bill().total_usd / one["cost_usd"] - 1,
                cold_starts_one_run=one["cold_starts"], cold_starts_windows=win.cold_starts,
                cold_start_rate_se=win.batch_se("cold_start_rate"),
                p99_one_run_ms=one["latency_p99_ms"], p99_windows_ms=win.summary()["latency_p99_ms"],
                p99_se_ms=win.batch_se("latency_p99_ms"))
    return dict(requests=int(trace.size), window_s=DAY_S / 4, rows=rows)


def month(days: float, rate_per_s: float, workers: int, window_s: float) -> dict:
    workload = month_workload(days, rate_per_s)
    before = load()
    wall_s, runs, cpu_s = timed_run(workload, workers, TextProgress("month windows"), window_s)
    table = runs.table()
    bills = {name: {"total_usd": agg.bill().total_usd, "monthly_usd": agg.bill().monthly_usd} for name, agg in runs.items()}
    self_mib, child_mib = rss_mib(resource.RUSAGE_SELF), rss_mib(resource.RUSAGE_CHILDREN)
    return dict(days=days, rate_per_s=rate_per_s, workers=workers, window_s=window_s,
                requests=runs["Lambda"].requests, wall_s=wall_s, workers_cpu_s=cpu_s, peak_rss_self_mib=self_mib,
                peak_rss_largest_worker_mib=child_mib, peak_total_bound_mib=self_mib + workers * child_mib,
                load_before=before, load_after=load(), table=table.astype(str).to_dict(), bills=bills,
                cheapest=min(bills, key=lambda name: bills[name]["total_usd"]))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--requests", type=float, default=MONTH_REQUESTS, help="requests in 30 days (sets the rate)")
    parser.add_argument("--slice-days", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--window-s", type=float, default=DAY_S)
    parser.add_argument("--skip", choices=("scaling", "month", "warmup"), action="append", default=[])
    args = parser.parse_args(argv)
    rate = args.requests / (30 * DAY_S)
    out = dict(machine=dict(python=platform.python_version(), cpus=len(os.sched_getaffinity(0))), rate_per_s=rate)
    print(f"rate {rate:.2f} requests/s; load average {load():.2f}; {out['machine']['cpus']} CPUs", flush=True)
    if "scaling" not in args.skip:
        out["scaling"] = s = scaling(rate, args.slice_days)
        print(f"scaling, {s['slice_days']:g} days ({s['requests']:,} requests x 3 platforms): 1 worker "
              f"{s['one_worker_s']:.1f} s, 2 workers {s['two_workers_s']:.1f} s, speed-up {s['speedup']:.2f}x "
              f"(target >= {MIN_SPEEDUP}); identical answers: {s['identical_answers']}; load average "
              f"{s['load_before']:.2f} -> {s['load_after']:.2f}; cores the workers got: {s['cores_used_one']:.2f} "
              f"(1 worker), {s['cores_used_two']:.2f} (2 workers)", flush=True)
    if "warmup" not in args.skip:
        out["warmup"] = w = warmup_check()
        print(f"warm-up check: one day, {w['requests']:,} requests, windows of {w['window_s']:g} s")
        for label, row in w["rows"].items():
            print(f"  {label}: bill {row['bill_difference']:+.4%}, cold starts {row['cold_starts_one_run']} (one run) "
                  f"vs {row['cold_starts_windows']} (windows), p99 {row['p99_one_run_ms']:.1f} vs "
                  f"{row['p99_windows_ms']:.1f} ms (SE {row['p99_se_ms']:.1f})", flush=True)
    if "month" not in args.skip:
        out["month"] = m = month(args.days, rate, args.workers, args.window_s)
        print(f"month: {m['days']:g} days, {m['requests']:,} requests x 3 platforms on {m['workers']} workers: "
              f"{m['wall_s'] / 60:.1f} min wall (target <= {MAX_WALL_S / 60:g}); peak memory {m['peak_rss_self_mib']:.0f} "
              f"MiB here + {m['peak_rss_largest_worker_mib']:.0f} MiB the largest worker, at most "
              f"{m['peak_total_bound_mib'] / 1024:.2f} GiB in all (target <= {MAX_PEAK_GIB:g}); load average "
              f"{m['load_before']:.2f} -> {m['load_after']:.2f}; cores the workers got: "
              f"{m['workers_cpu_s'] / m['wall_s']:.2f}")
        print(pd.DataFrame(m["table"]).to_string())
        for name, b in m["bills"].items():
            print(f"  {name}: ${b['total_usd']:,.2f} for the {m['days']:g} days")
        print(f"  cheapest: {m['cheapest']}")
    # what ran replaces its part of the last results; the parts skipped keep their last figures
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved.update(out)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(saved, indent=2, default=float) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return out


if __name__ == "__main__":
    main()
