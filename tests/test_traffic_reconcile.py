"""Your Lambda bill from REPORT lines (to the cent, against a hand-worked example), beside the simulated platforms,
and the capstone's verdict with each request's own duration."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiments import capstone
from sim.traffic import read, reconcile

LAB = Path(__file__).resolve().parents[1] / "labs" / "data"
LINE = ("2026-11-02T09:{m:02d}:{s:02d}.000Z REPORT RequestId: 8f507cfc-{k:04d}\tDuration: {d} ms"
        "\tBilled Duration: {b} ms\tMemory Size: 2048 MB\tMax Memory Used: 90 MB\t")


def _report_text() -> str:
    """6,000 invocations billed 1,200 ms and 4,000 billed 13 ms, all at 2,048 MB, over 10 minutes."""
    long = [LINE.format(m=k // 600, s=k // 10 % 60, k=k, d="1199.20", b=1200) for k in range(6000)]
    short = [LINE.format(m=k // 400, s=k // 7 % 60, k=6000 + k, d="12.31", b=13) for k in range(4000)]
    return "\n".join(long + short) + "\n"


def test_the_logged_bill_matches_a_hand_worked_example_to_the_cent():
    # GB-s = 6,000 x 1.2 s x 2 GB + 4,000 x 0.013 s x 2 GB = 14,400 + 104 = 14,504 GB-s.
    # Duration: 14,504 x $0.0000166667 = $0.24173; requests: 10,000 x $0.20 / 1M = $0.00200; total $0.24373.
    trace = read(_report_text())
    assert reconcile.logged_gb_s(trace) == pytest.approx(14_504.0, rel=1e-12)
    bill = reconcile.logged_bill(trace)
    lines = bill.lines.set_index("item")["amount_usd"]
    assert round(lines["duration, on-demand x86_64"], 2) == 0.24
    assert lines["duration, on-demand x86_64"] == pytest.approx(14_504 * 0.0000166667, rel=1e-12)
    assert round(lines["requests (invocations)"], 3) == 0.002
    assert round(bill.total_usd, 2) == 0.24 and bill.total_usd == pytest.approx(0.2437338, abs=1e-7)
    arm = reconcile.logged_bill(trace, architecture="arm64")
    assert round(arm.total_usd, 2) == round(14_504 * 0.0000133334 + 0.002, 2) == 0.20
    assert reconcile.logged_memory_mb(trace) == 2048 and reconcile.logged_cold_share(trace) == 0.0


def test_a_bill_needs_report_lines():
    with pytest.raises(ValueError, match="trace.format='timestamps' is not allowed; expected 'lambda_report'"):
        reconcile.logged_bill(read("0\n1\n"))


def test_the_simulated_lambda_bills_what_the_logs_billed():
    """The sample's REPORT lines replayed: each request takes its logged duration at the logged memory, so the
    simulated Lambda's charges differ from the logged ones only through which requests start cold."""
    trace = capstone.read_traffic(LAB / "sample_lambda_report.csv")
    table = capstone.reconcile_lambda(trace)
    logged, simulated = table.loc["your REPORT lines"], table.loc["Lambda (simulated)"]
    assert logged["requests"] == simulated["requests"] == 1815
    assert logged["request charge (USD)"] == simulated["request charge (USD)"] == round(1815 * 0.2e-6, 6)
    init_gb_s = np.nansum(trace.columns["init_ms"]) / 1000 * 0.5
    assert abs(logged["compute charge (USD)"] - simulated["compute charge (USD)"]) <= \
        2 * init_gb_s * 0.0000166667 + 1e-6
    assert logged["cold-start share"] == round(14 / 1815, 4)
    assert list(table.index) == ["your REPORT lines", "Lambda (simulated)", "Cloud Run (simulated)",
                                 "Lambda MI (simulated)"]
    assert capstone.configs_for_trace(trace)[0].memory_mb == 512


def test_each_requests_own_duration_changes_the_verdict_on_the_sample():
    """The sample's handlers take about 0.9 s (median), far longer than the default work of 200 ms: with their
    own durations Cloud Run is cheapest, with the default distribution Lambda is."""
    trace = capstone.read_traffic(LAB / "sample_lambda_report.csv")
    configs = capstone.configs_for_trace(trace)
    own = capstone.verdict(capstone.workload_from_trace(trace), configs)
    single = capstone.verdict(capstone.workload_from_trace(trace, per_request=False), configs)
    cheapest = lambda table: table.loc["monthly cost (USD)"].astype(float).idxmin()
    assert (cheapest(own), cheapest(single)) == ("Cloud Run", "Lambda")
    assert own.loc["p50 latency (ms)", "Lambda"] == pytest.approx(np.median(trace.duration_ms), rel=0.01)
