"""How many CPUs this process may use, and how many worker processes a local pool starts by default.

A container reports the host's CPUs (os.cpu_count()), not its share of them: a pool sized from that starts
one worker per host CPU in every student's kernel. `usable_cpus` takes the least of the CPU affinity mask
(os.sched_getaffinity) and the container's CPU quota (cgroup v2 `cpu.max`, or cgroup v1
`cpu.cfs_quota_us` / `cpu.cfs_period_us`, as the Linux kernel documents them in
Documentation/admin-guide/cgroup-v2.rst and scheduler/sched-bwc.rst), rounded up to whole CPUs.
`default_workers` caps that at MAX_DEFAULT_WORKERS, so forty kernels on one host cannot start hundreds of workers.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

#: Worker processes of a local pool when the caller names none (a room of students shares the host).
MAX_DEFAULT_WORKERS = 4
CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_quota_cpus(root: Path = CGROUP_ROOT) -> float | None:
    """The container's CPU quota in CPUs (e.g. 2.0 for `200000 100000`), or None when it has none."""
    v2 = root / "cpu.max"
    try:
        if v2.is_file():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        quota_file, period_file = root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"
        if quota_file.is_file() and period_file.is_file():
            quota, period = int(quota_file.read_text()), int(period_file.read_text())
            return None if quota <= 0 or period <= 0 else quota / period
    except (OSError, ValueError):
        return None
    return None


def usable_cpus(root: Path = CGROUP_ROOT) -> int:
    """CPUs this process may use: its affinity mask, lowered to the container's quota (at least 1)."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cgroup_quota_cpus(root)
    if quota is not None:
        allowed = min(allowed, math.ceil(quota))
    return max(1, allowed)


def default_workers(cap: int = MAX_DEFAULT_WORKERS, root: Path = CGROUP_ROOT) -> int:
    """Worker processes of a local pool by default: the usable CPUs, at most `cap`."""
    return max(1, min(usable_cpus(root), cap))
