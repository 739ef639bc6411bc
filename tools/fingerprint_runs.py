"""Fingerprints of the simulator's behaviour: one sha256 per scenario, to show a refactoring changes nothing.

Run from the repository root:

    .venv/bin/python tools/fingerprint_runs.py                    # print the fingerprints
    .venv/bin/python tools/fingerprint_runs.py --save F.json      # and keep them
    .venv/bin/python tools/fingerprint_runs.py --compare F.json   # and say which differ (exit 1 if any)

Each scenario is a small run (about 20,000 requests) of the benchmark's workloads (benchmarks/bench.py) and of the
features around them: connection pools and the pooler, keep-alive and dispatch variants, queue mode, CPU sharing on
Cloud Run, provisioned capacity, the bill of each run, sim.state's reports, sim.stats' estimates, the theory functions
on a grid, and windows and aggregates of a 2-day LongWorkload run serially.
A scenario's parts (every result table as pandas CSV, the summary, the timeline, the bill's line items, text and
HTML) are hashed one by one; the scenario's hash covers its parts, the overall hash every scenario.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from sim import (CloudRunConfig, Diurnal, Exponential, Fixed, LambdaConfig,  # noqa: E402
                 LambdaManagedInstancesConfig, LogNormal, OnOff, Poisson, Spike, Workload, simulate)
from sim import stats, theory  # noqa: E402
from sim.state import cache_hit_rate, db_connections  # noqa: E402
from sim.windows import LongWorkload, compare_windows  # noqa: E402

SEED = 1
N = 20_000


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _text(value) -> str:
    """A value as exact text: floats by repr, arrays and tables in full."""
    if hasattr(value, "to_csv"):
        return value.to_csv()
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist())
    return json.dumps(value, sort_keys=True, default=_exact)


def _exact(value):
    """JSON for what json cannot write itself: arrays in full, numpy scalars as numbers, the rest by repr."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "to_csv"):
        return value.to_csv()
    return repr(value)


def poisson(rate_per_s: float, n: int = N, cpu_ms=Exponential(mean_ms=100.0), io_ms=Fixed(0.0),
            mode: str = "sync") -> Workload:
    """n requests (in expectation) at `rate_per_s`, as the benchmark's workloads."""
    return Workload(Poisson(rate_per_s=rate_per_s), duration_s=n / rate_per_s, cpu_ms=cpu_ms, io_ms=io_ms, mode=mode,
                    max_requests=2 * n)


def run_scenarios() -> list[tuple[str, Workload, object]]:
    standard = poisson(20.0)
    io_bound = poisson(160.0, cpu_ms=Exponential(mean_ms=20.0), io_ms=Exponential(mean_ms=1980.0))
    api = poisson(50.0, cpu_ms=Exponential(mean_ms=20.0), io_ms=LogNormal(median_ms=80.0, p95_ms=250.0))
    cpu_bound = poisson(40.0, cpu_ms=LogNormal(median_ms=150.0, p95_ms=600.0))
    bursty = Workload(OnOff(rate_on_per_s=60.0, on_s=30.0, off_s=90.0), duration_s=1200.0,
                      cpu_ms=Exponential(mean_ms=50.0), io_ms=Exponential(mean_ms=100.0), max_requests=2 * N)
    spike = Workload(Spike(base_rate_per_s=5.0, spike_rate_per_s=400.0, spike_start_s=600.0, spike_duration_s=30.0),
                     duration_s=2400.0, cpu_ms=Exponential(mean_ms=80.0), max_requests=2 * N)
    daily = Workload(Diurnal(mean_rate_per_s=2.0, peak_to_trough=4.0), duration_s=10_000.0,
                     cpu_ms=Exponential(mean_ms=100.0), max_requests=2 * N)
    queue = poisson(30.0, cpu_ms=Exponential(mean_ms=200.0), io_ms=Exponential(mean_ms=300.0), mode="queue")
    return [
        ("lambda standard", standard, LambdaConfig()),
        ("cloudrun standard", standard, CloudRunConfig()),
        ("lmi standard", standard, LambdaManagedInstancesConfig()),
        ("lambda ~230 alive", poisson(520.0), LambdaConfig(concurrency_limit=3000)),
        ("cloudrun ~10 per instance", io_bound, CloudRunConfig(vcpu=2, max_concurrency=18)),
        ("cloudrun ~80 per instance", io_bound, CloudRunConfig(vcpu=2, max_concurrency=170)),
        ("cloudrun ~80 per instance 8 vCPU", io_bound, CloudRunConfig(vcpu=8, memory_gib=4.0, max_concurrency=170)),
        ("cloudrun cpu sharing", cpu_bound, CloudRunConfig(vcpu=1, max_concurrency=80)),
        ("cloudrun cpu sharing instance billing", cpu_bound,
         CloudRunConfig(vcpu=2, max_concurrency=40, billing="instance", min_instances=2)),
        ("lmi cpu sharing", cpu_bound, LambdaManagedInstancesConfig()),
        ("lambda pooler", io_bound, LambdaConfig(concurrency_limit=3000, pooler_max_connections=100)),
        ("lambda pooler tight", api, LambdaConfig(pooler_max_connections=3, timeout_s=2.0)),
        ("cloudrun db pool", api, CloudRunConfig(max_concurrency=80, db_pool=True, connections_per_instance=4)),
        ("lmi db pool", api, LambdaManagedInstancesConfig(db_pool=True, connections_per_instance=4)),
        ("lambda keep-alive 30 s", bursty, LambdaConfig(keep_alive_s=30.0)),
        ("lambda keep-alive 0 s", api, LambdaConfig(keep_alive_s=0.0)),
        ("lambda oldest idle first", bursty, LambdaConfig(dispatch="oldest_idle_first")),
        ("lambda random dispatch", bursty, LambdaConfig(dispatch="random")),
        ("lambda provisioned", spike, LambdaConfig(provisioned_concurrency=5, memory_mb=512, architecture="arm64")),
        ("lambda spike limited", spike, LambdaConfig(concurrency_limit=20)),
        ("cloudrun spike", spike, CloudRunConfig(max_instances=5, max_concurrency=10)),
        ("lmi spike", spike, LambdaManagedInstancesConfig()),
        ("lambda daily", daily, LambdaConfig()),
        ("cloudrun daily min instances", daily, CloudRunConfig(min_instances=1)),
        ("lambda queue", queue, LambdaConfig(concurrency_limit=10)),
        ("cloudrun queue", queue, CloudRunConfig(max_instances=2, max_concurrency=8)),
        ("lmi queue", queue, LambdaManagedInstancesConfig(min_instances=1, max_instances=2)),
    ]


def run_parts(workload: Workload, config) -> dict[str, str]:
    result = simulate(workload, config, seed=SEED)
    bill = result.bill()
    parts = {
        "requests": result.requests, "instances": result.instances, "summary": result.summary(),
        "timeline": result.timeline(), "bill lines": bill.lines, "bill total": bill.total_usd,
        "bill text": bill.to_text(), "bill html": bill._repr_html_(),
        "mean instances": stats.time_average(result.instances["created_s"], result.instances["retired_s"],
                                             *result.window_s).__dict__,
        "latency batch means": stats.batch_means(result.requests["latency_s"]).__dict__,
        "cache hit rate": cache_hit_rate(result),
    }
    report = db_connections(result)
    parts["db connections"] = report.__dict__
    if config.platform == "lambda":
        parts["db connections pooled"] = db_connections(result, db_max_connections=50,
                                                        pooler_max_connections=20).__dict__
    else:
        parts["db connections limited"] = db_connections(result, db_max_connections=30).__dict__
    return {name: _sha(_text(value)) for name, value in parts.items()}


def theory_parts() -> dict[str, str]:
    out = {}
    rows = []
    for rate in (0.5, 2.0, 9.0):
        for service in (0.1, 0.4):
            for c in (1, 4, 10):
                if rate * service >= c:
                    continue
                rows.append([rate, service, c, theory.offered_load(rate, service), theory.utilisation(rate, service, c),
                             theory.erlang_b(c, rate * service), theory.erlang_c(c, rate * service),
                             theory.mmc_mean_wait_s(rate, service, c), theory.mmc_mean_response_s(rate, service, c),
                             theory.mmck_blocking(rate, service, c, c + 5),
                             theory.mmck_mean_response_s(rate, service, c, c + 5)])
            if rate * service < 1:
                rows.append([rate, service, theory.mg1_ps_mean_response_s(rate, service)])
            rows.append([rate, service, theory.mginf_mean_busy(rate, service)])
        for keep_alive_s in (0.0, 1.0, 60.0, 360.0):
            rows.append([rate, keep_alive_s, theory.keepalive_cold_probability(rate, keep_alive_s),
                         theory.keepalive_mean_environments(rate, keep_alive_s)])
    out["grid"] = _sha(_text(rows))
    return out


def windows_parts() -> dict[str, str]:
    two_days = LongWorkload(Diurnal(mean_rate_per_s=0.1, peak_to_trough=4.0), duration_s=2 * 86_400.0,
                            cpu_ms=Exponential(mean_ms=100.0), io_ms=Exponential(mean_ms=50.0))
    runs = compare_windows(two_days, LambdaConfig(), CloudRunConfig(), LambdaManagedInstancesConfig(), seed=SEED,
                           executor=None)
    parts = {"table": runs.table()}
    for name, agg in runs.items():
        bill = agg.bill()
        parts[f"{name} summary"] = agg.summary()
        parts[f"{name} timeline"] = agg.timeline()
        parts[f"{name} bill lines"] = bill.lines
        parts[f"{name} bill text"] = bill.to_text()
        parts[f"{name} batch se"] = [agg.batch_se(k) for k in ("cold_start_rate", "latency_p99_ms")]
    return {name: _sha(_text(value)) for name, value in parts.items()}


def fingerprints() -> dict:
    scenarios = {name: run_parts(workload, config) for name, workload, config in run_scenarios()}
    scenarios["theory"] = theory_parts()
    scenarios["windows 2 days"] = windows_parts()
    out = {name: {"sha256": _sha(_text(parts)), "parts": parts} for name, parts in scenarios.items()}
    overall = _sha(_text({name: v["sha256"] for name, v in out.items()}))
    return {"overall": overall, "scenarios": out}


def compare(now: dict, before: dict) -> list[str]:
    """Lines naming every scenario part that differs, appeared or disappeared."""
    lines = []
    for name in sorted(set(now["scenarios"]) | set(before["scenarios"])):
        a, b = before["scenarios"].get(name), now["scenarios"].get(name)
        if a is None or b is None:
            lines.append(f"{name}: {'new' if a is None else 'gone'}")
            continue
        for part in sorted(set(a["parts"]) | set(b["parts"])):
            if a["parts"].get(part) != b["parts"].get(part):
                lines.append(f"{name} / {part}: differs")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path, help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare with fingerprints saved earlier; exit 1 if any differ")
    args = parser.parse_args(argv)
    now = fingerprints()
    for name, value in now["scenarios"].items():
        print(f"{value['sha256'][:16]}  {name}")
    print(f"{now['overall'][:16]}  overall")
    if args.save:
        args.save.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.save}")
    if args.compare:
        diff = compare(now, json.loads(args.compare.read_text()))
        print("\n".join(diff) if diff else f"identical to {args.compare}")
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
