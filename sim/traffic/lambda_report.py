"""AWS Lambda `REPORT` lines from CloudWatch Logs, exported with their timestamps.

Lambda writes one `REPORT` line at the end of each invocation: `REPORT RequestId: <id> Duration: 12.34 ms Billed
Duration: 13 ms Memory Size: 128 MB Max Memory Used: 18 MB`, plus `Init Duration: ... ms` on a cold start
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html,
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html; references.bib: aws_lambda_report,
aws_lambda_python_logging). Each exported line starts with the event's timestamp: a CloudWatch Logs Insights CSV
export (`@timestamp,@message`, `2026-11-02 09:00:00.123`, UTC)
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AnalyzingLogData.html; references.bib:
aws_cloudwatch_insights) or `aws logs` output (an ISO 8601 time first). The line is written when the invocation
ends, so its arrival is the timestamp minus Duration and Init Duration. START, END and the function's own lines are
skipped and counted.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .lines import blank_line_numbers, extract, nonblank_lines, refuse_bad_values
from .source import line_count
from .summary import plausibility
from .trace import Clock, Part, Trace, make_trace

WHAT = "a Lambda REPORT line with its timestamp"
_STAMP = r'"?(?P<stamp>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"?'
_REPORT = (r"REPORT RequestId: (?P<request_id>[\w-]+)\s+Duration: (?P<duration_ms>\d+(?:\.\d+)?) ms\s+"
           r"Billed Duration: (?P<billed_ms>\d+) ms\s+Memory Size: (?P<memory_mb>\d+) MB\s+"
           r"Max Memory Used: (?P<max_memory_mb>\d+) MB(?:\s+Init Duration: (?P<init_ms>\d+(?:\.\d+)?) ms)?")
PATTERN = re.compile("^" + _STAMP + r".*?" + _REPORT)
FIELDS = [("timestamp", r'"?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"?',
           "the event's timestamp first (export the log with its timestamps)"),
          ("message", r".*?REPORT RequestId: [\w-]+\s+", "REPORT RequestId: <id>"),
          ("Duration", r"Duration: \d+(?:\.\d+)? ms\s+", "Duration: <ms> ms"),
          ("Billed Duration", r"Billed Duration: \d+ ms\s+", "Billed Duration: <whole ms> ms"),
          ("Memory Size", r"Memory Size: \d+ MB\s+", "Memory Size: <MB> MB"),
          ("Max Memory Used", r"Max Memory Used: \d+ MB", "Max Memory Used: <MB> MB")]


def read(text: str, on_bad_lines: str = "error") -> Trace:
    """Invocations from REPORT lines: arrivals, durations, and per request billed_ms, memory_mb, max_memory_mb and
    init_ms (NaN on a warm start)."""
    part = parse_part(text, {}, on_bad_lines=on_bad_lines)
    trace = make_trace("lambda_report", part.times, duration_ms=part.duration_ms, columns=part.columns,
                       lines=line_count(text), skipped=part.skipped, notes=NOTES)
    trace.warnings.extend(plausibility(trace))
    return trace


NOTES = ["arrival = the REPORT line's timestamp - Duration - Init Duration",
         "timestamps without a zone read as UTC (CloudWatch exports are in UTC)"]
#: A REPORT line is written when its invocation ends, and several log streams (one per execution environment)
#: are interleaved in an export: an arrival falls behind the lines before it by up to the longest invocation.
ORDER = ("REPORT lines are written as invocations end, so an arrival falls behind the lines before it by up to the "
         "longest invocation (Lambda's timeout)")


def parse_part(text: str, state: dict, first_line: int = 1, on_bad_lines: str = "error") -> Part:
    """The invocations of a stretch of REPORT lines whose first line is `first_line` (a Logs Insights header is
    looked for on the file's first line only)."""
    lines = nonblank_lines(text, first_line)
    blank = blank_line_numbers(text, lines, first_line)
    is_report = lines.str.contains("REPORT RequestId:", regex=False).to_numpy()
    skipped = {}
    if "clock" not in state and len(lines) and lines.iloc[0].replace('"', "").startswith("@timestamp,"):
        skipped["header"] = [int(lines.index[0])]     # a Logs Insights CSV header
        lines, is_report = lines.iloc[1:], is_report[1:]
    state.setdefault("clock", Clock(datetimes=True, zone="UTC"))
    if (~is_report).any():
        skipped["not a REPORT line"] = [int(k) for k in lines.index[~is_report]]
    found = extract(lines[is_report], PATTERN, FIELDS, WHAT, on_bad_lines, skipped)
    stamp = found["stamp"].str.replace(" ", "T", n=1, regex=False)
    when = pd.to_datetime(stamp, format="ISO8601", utc=True, errors="coerce")
    refuse_bad_values(found["stamp"], when.notna().to_numpy(), "timestamp", "a real ISO 8601 time", WHAT)
    duration = found["duration_ms"].astype(float).to_numpy()
    init = found["init_ms"].astype(float).to_numpy()
    reports = lines[is_report].loc[found.index]
    refuse_bad_values(reports, ~(reports.str.contains("Init Duration:", regex=False).to_numpy() & np.isnan(init)),
                      "Init Duration", "Init Duration: <ms> ms", WHAT)
    arrival = when - pd.to_timedelta((duration + np.nan_to_num(init)) * 1000, unit="us")
    if blank:
        skipped["blank"] = blank
    columns = {"billed_ms": found["billed_ms"].astype(float).to_numpy(),
               "memory_mb": found["memory_mb"].astype(int).to_numpy(),
               "max_memory_mb": found["max_memory_mb"].astype(int).to_numpy(), "init_ms": init}
    return Part(pd.DatetimeIndex(arrival), found.index.to_numpy(), duration_ms=duration, columns=columns,
                skipped=skipped)
