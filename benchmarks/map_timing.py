"""The capstone's decision map as a room runs it: one student alone, then several students at once on the same host.

    .venv/bin/python benchmarks/map_timing.py                  # rate 2 requests/s; alone, then 5 at once
    .venv/bin/python benchmarks/map_timing.py --rate 30 --students 5

Each student is a separate process that runs `sim.experiments.capstone.decision_map(rate)` with its default
executor (a local process pool; its worker count is printed). The baseline is one student alone in the same run;
the contention case prints each student's wall-clock time and the ratio of the slowest to the baseline.
The instructors' timings (instructors/preflight.md, "Timings") quote this script's output.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ONE_STUDENT = r"""
import sys, time
from sim.experiments import capstone
from sim import cpus
started = time.perf_counter()
capstone.decision_map(float(sys.argv[1]))
print(f"{time.perf_counter() - started:.2f} {cpus.default_workers()}")
"""


def students(rate_per_s: float, count: int) -> list[tuple[float, int]]:
    """(seconds, default workers) of `count` students who start the map at the same moment."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    running = [subprocess.Popen([sys.executable, "-c", ONE_STUDENT, str(rate_per_s)], stdout=subprocess.PIPE,
                                text=True, env=env) for _ in range(count)]
    out = []
    for process in running:
        stdout, _ = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise RuntimeError(f"a student's map failed (exit {process.returncode})")
        seconds, workers = stdout.split()
        out.append((float(seconds), int(workers)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2.0, help="the map's mean rate, requests/s (default 2)")
    parser.add_argument("--students", type=int, default=5, help="students at once (default 5)")
    args = parser.parse_args(argv)
    cpus_here = len(os.sched_getaffinity(0))
    (alone, workers), = students(args.rate, 1)
    print(f"map at {args.rate:g} requests/s on {cpus_here} usable CPUs, {workers} workers per student")
    print(f"  1 student alone: {alone:.1f} s (baseline)")
    together = students(args.rate, args.students)
    slowest = max(s for s, _w in together)
    print(f"  {args.students} students at once: " + ", ".join(f"{s:.1f}" for s, _w in together)
          + f" s; slowest {slowest:.1f} s = {slowest / alone:.1f}x the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
