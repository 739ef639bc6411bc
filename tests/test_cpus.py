"""sim.cpus: worker counts from the CPUs the process may use, not the CPUs the host reports."""
from __future__ import annotations

import os

from sim import cpus


def _host_with(monkeypatch, reported: int):
    """A container on a host that reports `reported` CPUs and lets the process run on all of them."""
    monkeypatch.setattr(os, "cpu_count", lambda: reported)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(reported)))


def test_the_cgroup_v2_quota_lowers_what_the_host_reports(tmp_path, monkeypatch):
    _host_with(monkeypatch, 64)
    (tmp_path / "cpu.max").write_text("200000 100000\n")           # 2 CPUs of quota
    assert cpus.cgroup_quota_cpus(tmp_path) == 2.0
    assert cpus.usable_cpus(tmp_path) == 2 and cpus.default_workers(root=tmp_path) == 2
    (tmp_path / "cpu.max").write_text("150000 100000\n")           # 1.5 CPUs: two workers can use it
    assert cpus.usable_cpus(tmp_path) == 2


def test_no_quota_gives_the_affinity_capped_at_the_default(tmp_path, monkeypatch):
    _host_with(monkeypatch, 64)
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpus.cgroup_quota_cpus(tmp_path) is None
    assert cpus.usable_cpus(tmp_path) == 64
    assert cpus.default_workers(root=tmp_path) == cpus.MAX_DEFAULT_WORKERS == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})  # pinned to one CPU
    assert cpus.default_workers(root=tmp_path) == 1


def test_cgroup_v1_quota_and_unreadable_files(tmp_path, monkeypatch):
    _host_with(monkeypatch, 16)
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("300000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpus.usable_cpus(tmp_path) == 3
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")      # v1's "no quota"
    assert cpus.usable_cpus(tmp_path) == 16
    (tmp_path / "cpu.max").write_text("garbage\n")
    assert cpus.cgroup_quota_cpus(tmp_path) is None
