"""What a reading understood, in a few lines, and the warnings a reading earns when it is implausible."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .trace import Trace

#: A longer span is more than a log export usually covers: often milliseconds read as seconds.
PLAUSIBLE_SPAN_S = 7 * 86_400.0
#: Warn when more than this share of the lines was skipped for a reason other than being blank or a header.
SKIPPED_SHARE = 0.01
#: Reasons for skipping that are part of a format (not a sign of misreading).
EXPECTED_SKIPS = ("blank", "header", "not a REPORT line", "not a request log entry")


class TrafficWarning(UserWarning):
    """A reading that is probably wrong: the trace was read, but look at the summary before trusting it."""


def _duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.3f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} min"
    if seconds < 3 * 86_400:
        return f"{seconds / 3600:,.2f} h"
    return f"{seconds / 86_400:,.1f} days"


def _time_text(trace: Trace, offset_s: float) -> str:
    if trace.start is None:
        return f"{offset_s:,.3f} s"
    return str(trace.start + pd.Timedelta(seconds=offset_s))


def per_minute(timestamps_s: np.ndarray) -> np.ndarray:
    """Requests in each whole minute from the first arrival."""
    if timestamps_s.size == 0:
        return np.zeros(0, dtype=int)
    return np.bincount(((timestamps_s - timestamps_s[0]) // 60).astype(np.int64))


def summary(trace: Trace) -> pd.Series:
    """What was understood: format, requests read, lines skipped and why, first and last time, span, mean and
    peak requests per minute, the durations' median and p99 (if any), and how the reading was done."""
    from . import FORMATS
    t = trace.timestamps_s
    minutes = per_minute(t)
    span = trace.span_s
    rows = {"format": FORMATS[trace.format].label, "requests read": f"{len(trace):,}",
            "lines skipped": _skipped_text(trace) or "none",
            "first": _time_text(trace, float(t[0])), "last": _time_text(trace, float(t[-1])),
            "span": _duration_text(span),
            "mean per minute": f"{len(trace) / max(span, 60.0) * 60:,.2f}",
            "peak per minute": f"{int(minutes.max()):,}"}
    if trace.interval_s:
        rows["interval"] = _duration_text(trace.interval_s)
    if trace.duration_ms is not None:
        median, p99 = np.percentile(trace.duration_ms, [50, 99])
        rows["duration median (ms)"] = f"{median:,.1f}"
        rows["duration p99 (ms)"] = f"{p99:,.1f}"
    for k, note in enumerate(trace.notes, 1):
        rows[f"read as ({k})" if len(trace.notes) > 1 else "read as"] = note
    for k, text in enumerate(trace.warnings, 1):
        rows[f"WARNING ({k})" if len(trace.warnings) > 1 else "WARNING"] = text
    return pd.Series(rows, name="what was read")


def _skipped_text(trace: Trace) -> str:
    parts = []
    for reason, lines in trace.skipped.items():
        shown = ", ".join(map(str, lines[:3])) + (", ..." if len(lines) > 3 else "")
        parts.append(f"{len(lines):,} {reason} (line{'s' if len(lines) > 1 else ''} {shown})")
    return "; ".join(parts)


def plausibility(trace: Trace) -> list[str]:
    """The generic warnings: a span longer than a plausible log, and many lines skipped."""
    found = []
    if trace.span_s > PLAUSIBLE_SPAN_S:
        found.append(f"the trace spans {_duration_text(trace.span_s)}, longer than a log usually covers"
                     + (f"; if the numbers are milliseconds, it spans {_duration_text(trace.span_s / 1000)} "
                        "(pass unit='ms' or unit='epoch_ms')" if trace.seconds_guessed else ""))
    unexpected = sum(len(v) for k, v in trace.skipped.items() if k not in EXPECTED_SKIPS)
    if trace.lines and unexpected > SKIPPED_SHARE * trace.lines:
        found.append(f"{unexpected:,} of {trace.lines:,} lines ({unexpected / trace.lines:.0%}) were skipped as "
                     "malformed: check the format")
    return found


def warn(trace: Trace) -> Trace:
    """Issue each of the trace's warnings as a TrafficWarning; return the trace."""
    for text in trace.warnings:
        warnings.warn(text, TrafficWarning, stacklevel=3)
    return trace


def summary_text(trace: Trace) -> str:
    """The summary as aligned lines of text, nothing cut short (for printing)."""
    rows = summary(trace)
    width = max(map(len, rows.index))
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows.items())
