"""Kernel memory per lab, as a student's kernel holds it: resident set size (RSS) of an IPython kernel idle,
after running a student copy top to bottom, and its growth per panel slider change.

    .venv/bin/python benchmarks/kernel_memory.py                      # labs 1-4 (student copies)
    .venv/bin/python benchmarks/kernel_memory.py student/labs/04_your_workload_decides.ipynb
    .venv/bin/python benchmarks/kernel_memory.py --changes 150        # the figures in benchmarks/README.md

Each lab gets a fresh kernel (jupyter_client, cwd = the copy's folder, PYTHONHASHSEED=0). Its code cells run in
order as Run All would (an exercise stub's NotImplementedError is expected and ignored). Then, in the same kernel,
a new panel of the lab is built and one of its controls is moved back and forth: `--warmup` changes first, then
`--changes` more; the growth per change is the RSS difference over those changes divided by their number.
RSS is read with psutil from the kernel's process (its children, e.g. a sweep's worker pool, are not counted: they
exit with the pool). Figures are printed in MB (10^6 bytes); nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABS = [ROOT / "student" / "labs" / f"{name}.ipynb"
                for name in ("01_deployment_shape", "02_cold_starts", "03_concurrency_and_cost",
                             "04_your_workload_decides")]
#: Per lab: the panel moved (its PANELS name), the control and the two values it alternates between.
MOVES = {
    "01_deployment_shape": ("deployment_shape", "spike_rate_per_s", 200.0, 400.0),
    "02_cold_starts": ("cold_starts", "gap_s", 600.0, 300.0),
    "03_concurrency_and_cost": ("concurrency", "max_concurrency", 80, 8),
    "04_your_workload_decides": ("capstone", "mean_rate_per_s", 2.0, 3.0),
}
MB = 1e6


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MB


def run(client, code: str, timeout_s: float = 900) -> list[str]:
    """Execute `code`, draining its output; returns the error names it raised (empty if none)."""
    errors: list[str] = []

    def hook(message):
        if message["msg_type"] == "error":
            errors.append(message["content"]["ename"])

    client.execute_interactive(code, timeout=timeout_s, output_hook=hook, store_history=True)
    return errors


def measure(lab: Path, warmup: int, changes: int) -> dict:
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(lab.parent),
                                       env={**os.environ, "PYTHONHASHSEED": "0"})
    try:
        pid = manager.provisioner.process.pid
        time.sleep(1.0)
        idle = rss_mb(pid)
        started = time.perf_counter()
        unexpected = []
        for cell in nbformat.read(lab, as_version=4).cells:
            if cell.cell_type == "code":
                errors = run(client, cell.source)
                if errors and "raises-exception" not in cell.metadata.get("tags", []):
                    unexpected.append(errors)
        lab_s = time.perf_counter() - started
        after = rss_mb(pid)
        figures = {"idle_mb": idle, "after_lab_mb": after, "lab_s": lab_s, "unexpected_errors": unexpected}
        panel, control, first, second = MOVES.get(lab.stem, (None, None, None, None))
        if control is not None:
            run(client, f"from sim.panels import PANELS\n_panel = PANELS[{panel!r}]()\n"
                        f"def _move(n):\n    for i in range(n):\n"
                        f"        _panel.controls[{control!r}].value = ({second!r}, {first!r})[i % 2]\n"
                        f"    assert _panel.status == 'ok', _panel.message\n")
            run(client, f"_move({warmup})")
            before = rss_mb(pid)
            started = time.perf_counter()
            run(client, f"_move({changes})")
            per_change_s = (time.perf_counter() - started) / changes
            grown = rss_mb(pid) - before
            figures.update(control=control, after_changes_mb=rss_mb(pid), growth_per_change_mb=grown / changes,
                           per_change_s=per_change_s)
        return figures
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", type=Path, default=DEFAULT_LABS)
    parser.add_argument("--warmup", type=int, default=10, help="slider changes before measuring (default 10)")
    parser.add_argument("--changes", type=int, default=40, help="slider changes measured (default 40)")
    args = parser.parse_args(argv)
    print(f"{'lab':28} {'idle MB':>8} {'after lab MB':>12} {'lab s':>6} {'control':>18} "
          f"{'after changes MB':>16} {'MB per change':>13} {'s per change':>12}")
    for lab in args.labs:
        f = measure(lab.resolve(), args.warmup, args.changes)
        moved = (f"{f['control']:>18} {f['after_changes_mb']:16.1f} {f['growth_per_change_mb']:13.3f} "
                 f"{f['per_change_s']:12.2f}" if "control" in f else f"{'-':>18}")
        print(f"{lab.stem:28} {f['idle_mb']:8.1f} {f['after_lab_mb']:12.1f} {f['lab_s']:6.1f} {moved}")
        if f["unexpected_errors"]:
            print(f"  unexpected errors: {f['unexpected_errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
