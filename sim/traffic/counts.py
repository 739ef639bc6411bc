"""Counts per interval, expanded into arrivals: a CloudWatch metric (e.g. Lambda `Invocations`, statistic Sum) as
GetMetricData / GetMetricStatistics JSON or a two-column CSV
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html and
API_GetMetricStatistics.html; references.bib: aws_getmetricdata, aws_getmetricstatistics), and a Cloud Monitoring
time series (e.g. `run.googleapis.com/request_count`) as `timeSeries.list` JSON or a CSV
(https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list; references.bib:
gcp_monitoring_timeseries).

The rule that makes arrivals of counts: within each interval the n requests of its count arrive as a Poisson process
would given n, that is independently and uniformly over the interval (seeded), so the replay keeps each interval's
count exactly and knows nothing finer. No per-request durations: work comes from the distributions.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from .. import _check
from .summary import plausibility
from .timestamps import cells, parse, when_of
from .trace import Trace, make_trace


def expand(starts_s: np.ndarray, counts: np.ndarray, interval_s: float, seed: int = 0) -> np.ndarray:
    """Arrival times: each interval's count spread uniformly over [start, start + interval_s) (seeded)."""
    counts = np.asarray(counts, dtype=np.int64)
    begin = np.repeat(np.asarray(starts_s, dtype=float), counts)
    return begin + np.random.default_rng(seed).uniform(0.0, interval_s, begin.size)


def interval_of(starts: pd.DatetimeIndex, interval_s: float | None) -> float:
    """The interval: as given, else the most common gap between consecutive distinct times."""
    if interval_s is not None:
        return float(_check.number("interval_s", interval_s, low=0, low_open=True, high=86_400))
    index = pd.DatetimeIndex(starts)
    values = np.unique((index - index.min()).total_seconds().to_numpy())
    gaps = np.diff(values)
    if gaps.size == 0:
        raise ValueError("interval_s=None is not allowed with a single interval; expected its length in seconds")
    gap, freq = np.unique(np.round(gaps, 6), return_counts=True)
    return float(gap[np.argmax(freq)])


def _trace(format: str, when: pd.DatetimeIndex, counts: np.ndarray, interval_s, seed: int, lines: int,
           notes: list[str], skipped: dict | None = None) -> Trace:
    _check.number("seed", seed, low=0, integer=True)
    interval = interval_of(when, interval_s)
    order = np.argsort(when.asi8, kind="stable")
    when, counts = when[order], counts[order]
    start = when.min()
    starts_s = (when - start).total_seconds().to_numpy()
    times = expand(starts_s, counts, interval, seed)
    if times.size == 0:
        raise ValueError("every count is 0; expected at least one request")
    trace = make_trace(format, times, relative=False, lines=lines, skipped=skipped or {}, interval_s=interval,
                       notes=notes + [f"counts per {interval:g} s spread uniformly within each interval (seed {seed})"])
    trace.start = start
    trace.warnings.extend(plausibility(trace))
    return trace


def _whole(values: np.ndarray, line_numbers: np.ndarray, what: str) -> np.ndarray:
    ok = np.isfinite(values) & (values >= 0) & (np.round(values) == values)
    if not ok.all():
        k = int(np.argmax(~ok))
        raise ValueError(f"line {int(line_numbers[k])}: count {float(values[k]):g} is not allowed; expected a whole "
                         f"number >= 0 of requests per interval ({what}; a rate per second must be multiplied by "
                         "the interval)")
    return values.astype(np.int64)


def read_csv(text: str, column: int | str = 0, count_column: int | str | list = 1, interval_s: float | None = None,
             seed: int = 0) -> Trace:
    """Counts from a CSV: a column of interval start times (ISO 8601) and one of counts (a header is skipped);
    what the CloudWatch console and Cloud Monitoring's Metrics Explorer download as CSV. `count_column` may be a
    list of columns, or "all" (every column but the times), summed per row: one series per column, such as
    one per response code."""
    table = cells(text)
    stripped = table.apply(lambda c: c.str.strip())
    rows = np.flatnonzero(~(stripped == "").all(axis=1).to_numpy())
    if rows.size == 0:
        raise ValueError("the CSV holds no counts; expected an interval start time and a count per row")
    header = list(stripped.iloc[rows[0]])
    name = lambda c: header.index(c) if isinstance(c, str) and c in header else c
    col = name(column)
    if count_column == "all":
        count_columns = [k for k in range(table.shape[1]) if k != col]
    else:
        count_columns = [name(c) for c in (count_column if isinstance(count_column, (list, tuple)) else [count_column])]
    for given, index in [(column, col)] + list(zip(count_columns, count_columns)):
        if isinstance(index, str) or index >= table.shape[1]:
            raise ValueError(f"column {given!r} not found; the header on line {rows[0] + 1} has {header!r}")
    first = parse(stripped.iloc[rows[:1], col])
    skipped = {}
    if first["kind"].iloc[0] != "datetime":
        rows, skipped = rows[1:], {"header": [int(rows[0]) + 1]}
    parsed = parse(stripped.iloc[rows, col])
    ok = (parsed["kind"] == "datetime").to_numpy()
    if not ok.all():
        k = int(np.argmax(~ok))
        raise ValueError(f"line {int(rows[k]) + 1}: {parsed['cell'].iloc[k]!r} is not an ISO 8601 date-time; "
                         "expected the interval's start time")
    if parsed["aware"].nunique() > 1:
        k = int(np.argmax(parsed["aware"].to_numpy() != parsed["aware"].iloc[0]))
        raise ValueError(f"line {int(rows[k]) + 1}: {parsed['cell'].iloc[k]!r} mixes date-times with and without "
                         "a time zone")
    when = when_of(parsed)
    counts = sum(_whole(pd.to_numeric(stripped.iloc[rows, c], errors="coerce").to_numpy(dtype=float), rows + 1,
                        f"count column {header[c] if skipped else c!r}") for c in count_columns)
    shown = ", ".join(repr(header[c]) if skipped else str(c) for c in count_columns)
    return _trace("counts", pd.DatetimeIndex(when), counts, interval_s, seed, len(table),
                  [f"interval start times from column {column!r}, counts from column(s) {shown}"], skipped)


def read_cloudwatch(text: str, interval_s: float | None = None, seed: int = 0, metric: int = 0) -> Trace:
    """Counts from CloudWatch GetMetricData JSON (MetricDataResults[metric]: Timestamps and Values) or
    GetMetricStatistics JSON (Datapoints: Timestamp and Sum). `interval_s`: the query's Period (else inferred)."""
    doc = _json(text, "a CloudWatch GetMetricData or GetMetricStatistics response")
    if "MetricDataResults" in doc:
        results = doc["MetricDataResults"]
        _check.number("metric", metric, low=0, high=max(len(results) - 1, 0), integer=True)
        result = results[metric]
        stamps, values = pd.Series(result.get("Timestamps", [])), np.asarray(result.get("Values", []), dtype=float)
        label = f"GetMetricData {result.get('Label', result.get('Id', ''))!s}"
        if len(stamps) != values.size:
            raise ValueError(f"MetricDataResults[{metric}] has {len(stamps)} Timestamps and {values.size} Values; "
                             "expected as many of each")
    elif "Datapoints" in doc:
        points = pd.DataFrame(doc["Datapoints"])
        if "Sum" not in points:
            raise ValueError("the Datapoints have no Sum; expected the statistic Sum (requests per period)")
        stamps, values = points["Timestamp"], points["Sum"].to_numpy(dtype=float)
        label = f"GetMetricStatistics {doc.get('Label', '')}"
    else:
        raise ValueError("no MetricDataResults or Datapoints; expected a CloudWatch GetMetricData or "
                         "GetMetricStatistics response")
    when = pd.to_datetime(stamps.astype(str), format="ISO8601", utc=True, errors="coerce")
    if when.isna().any():
        k = int(np.argmax(when.isna().to_numpy()))
        raise ValueError(f"Timestamps[{k}]={stamps.iloc[k]!r} is not allowed; expected an ISO 8601 time")
    counts = _whole(values, np.arange(1, values.size + 1), "Values, in the file's order")
    return _trace("cloudwatch_metrics", pd.DatetimeIndex(when), counts, interval_s, seed, len(stamps),
                  [f"{label.strip()}: sum per period"])


def read_monitoring(text: str, seed: int = 0) -> Trace:
    """Counts from Cloud Monitoring timeSeries.list JSON: every series' points (interval.startTime/endTime,
    value.int64Value), summed per interval (e.g. over response codes)."""
    doc = _json(text, "a Cloud Monitoring timeSeries.list response")
    if "timeSeries" not in doc:
        raise ValueError("no timeSeries; expected a Cloud Monitoring timeSeries.list response")
    points = pd.json_normalize(doc["timeSeries"], record_path="points")
    if points.empty:
        raise ValueError("the timeSeries have no points; expected request counts per interval")
    start = pd.to_datetime(points["interval.startTime"], format="ISO8601", utc=True)
    end = pd.to_datetime(points["interval.endTime"], format="ISO8601", utc=True)
    value = points.get("value.int64Value", points.get("value.doubleValue"))
    per = pd.DataFrame({"start": start, "count": pd.to_numeric(value, errors="coerce")}).groupby("start")["count"].sum()
    interval = float(np.median((end - start).dt.total_seconds()))
    counts = _whole(per.to_numpy(dtype=float), np.arange(1, len(per) + 1), "value.int64Value")
    return _trace("cloud_monitoring", pd.DatetimeIndex(per.index), counts, interval, seed, len(points),
                  [f"{len(doc['timeSeries'])} time series summed per interval"])


def _json(text: str, what: str) -> dict:
    try:
        return json.load(io.StringIO(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno}: {exc.msg}; expected {what}") from None
