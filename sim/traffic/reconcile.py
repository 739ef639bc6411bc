"""Your Lambda bill from your REPORT lines: the duration and request charges the account paid for the logged
invocations, from each line's `Billed Duration` and `Memory Size` at the prices of sim.prices (facts.md s.1).

GB-s = sum over lines of Billed Duration (s) x Memory Size (GB, MB / 1024); the duration charge is GB-s times
the first-tier rate of the architecture (REPORT lines do not say it: x86_64 unless told); the request
charge is the request price per line. Free tier, volume tiers (which depend on the account's whole month) and
Provisioned Concurrency are left out, and stated so.
"""
from __future__ import annotations

import numpy as np

from .. import _check
from ..billing import ARCHITECTURES, Bill, _lambda_lines
from ..prices import MONTH_S
from .trace import Trace


def _report_columns(trace: Trace) -> tuple[np.ndarray, np.ndarray]:
    if trace.format != "lambda_report":
        raise ValueError(f"trace.format={trace.format!r} is not allowed; expected 'lambda_report' (a bill needs "
                         "each invocation's Billed Duration and Memory Size)")
    return trace.columns["billed_ms"], trace.columns["memory_mb"]


def logged_gb_s(trace: Trace) -> float:
    """GB-seconds the REPORT lines were billed: sum of Billed Duration x Memory Size."""
    billed_ms, memory_mb = _report_columns(trace)
    return float(np.sum(billed_ms / 1000 * (memory_mb / 1024)))


def logged_memory_mb(trace: Trace) -> int:
    """The function's memory from its REPORT lines (the most common Memory Size)."""
    _, memory_mb = _report_columns(trace)
    sizes, counts = np.unique(memory_mb, return_counts=True)
    return int(sizes[np.argmax(counts)])


def logged_cold_share(trace: Trace) -> float:
    """The share of invocations whose REPORT line has an Init Duration (a cold start)."""
    return float(np.mean(~np.isnan(trace.columns["init_ms"])))


def logged_bill(trace: Trace, architecture: str = "x86_64", window_s: float | None = None) -> Bill:
    """The bill of the logged invocations over a window of `window_s` (default: the trace's span, at least 1 s),
    with its 30-day-month projection."""
    _check.choice("architecture", architecture, ARCHITECTURES)
    billed_ms, memory_mb = _report_columns(trace)
    window = float(window_s) if window_s is not None else max(trace.span_s, 1.0)
    _check.number("window_s", window, low=0, low_open=True)
    lines = _lambda_lines(requests=float(billed_ms.size), od_gb_s=logged_gb_s(trace), architecture=architecture,
                          scale=MONTH_S / window, free_tier=False, volume_tiers=False, gb_s_price=None)
    sizes = ", ".join(f"{m:,} MB" for m in np.unique(memory_mb))
    notes = ["from each REPORT line's Billed Duration and Memory Size; first-tier rate, no free tier, no volume "
             "tiers, no Provisioned Concurrency"]
    return Bill(f"AWS Lambda bill from {billed_ms.size:,} REPORT lines ({sizes}, {architecture})", lines,
                (0.0, window), notes, usage_label=f"the logged window of {window:,.1f} s", free_tier=False)
