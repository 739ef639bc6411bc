"""Your traffic as you have it: readers of the files practitioners hold, each into a `Trace` (arrivals, each
request's own duration when the file has one, and how it was read), with a summary and warnings.

`read(source, format="auto")` detects the format where it can (`detect`) and reads it; counts per interval
in a plain CSV must be named (format="counts"). Every reader uses pandas over whole columns; none loops
over rows in Python. A malformed line is refused with its line number, the field and what was expected.
`read_chunks(path)` streams a file too large for memory, chunk by chunk, through the same parsers (sim.traffic.chunks).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from . import access_log, alb, azure_functions, cloud_logging, counts, lambda_report, timestamps
from .chunks import Chunk, extent, read_chunks
from .detect import detect, other_format_message
from .source import check_max_rows, read_text
from .summary import TrafficWarning, summary, summary_text, warn
from .trace import Trace, make_trace


@dataclass(frozen=True)
class Format:
    """A supported format: its label (shown in summaries), its reader and an example line."""
    label: str
    reader: Callable
    example: str


FORMATS: dict[str, Format] = {
    "timestamps": Format("a CSV of timestamps, one request per row", timestamps.read,
                         '"2026-11-02 09:00:00.020","GET /orders/0"'),
    "access_log": Format("an Apache/Nginx access log (Common or Combined Log Format)", access_log.read,
                         '203.0.113.7 - - [02/Nov/2026:09:00:00 +0000] "GET /orders/1 HTTP/1.1" 200 512 "-" '
                         '"curl/8.5.0" 0.031'),
    "alb": Format("an AWS Application Load Balancer access log", alb.read,
                  'http 2026-11-02T09:00:00.052000Z app/my-alb/50dc6c495c0c9188 ... 2026-11-02T09:00:00.020000Z ...'),
    "lambda_report": Format("AWS Lambda REPORT lines from CloudWatch Logs", lambda_report.read,
                            '2026-11-02T09:00:00.120Z REPORT RequestId: ... Duration: 102.25 ms Billed Duration: '
                            '103 ms Memory Size: 512 MB Max Memory Used: 71 MB'),
    "cloud_logging": Format("a Google Cloud Logging export of Cloud Run request logs (JSON)", cloud_logging.read,
                            '{"timestamp": "2026-11-02T09:00:00.020Z", "httpRequest": {"latency": "0.031s"}}'),
    "counts": Format("counts per interval (CSV: interval start, count)", counts.read_csv,
                     "2026-11-02T09:00:00Z,61"),
    "cloudwatch_metrics": Format("a CloudWatch metric export (GetMetricData / GetMetricStatistics JSON)",
                                 counts.read_cloudwatch,
                                 '{"MetricDataResults": [{"Timestamps": [...], "Values": [...]}]}'),
    "cloud_monitoring": Format("a Cloud Monitoring time series (timeSeries.list JSON)", counts.read_monitoring,
                               '{"timeSeries": [{"points": [{"interval": {...}, "value": {"int64Value": "61"}}]}]}'),
    "azure_functions": Format("the Azure Functions 2019 trace (invocations per function per minute)",
                              azure_functions.read, "HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440"),
}


def read(source, format: str = "auto", max_rows: int | None = None, **options) -> Trace:
    """Read a trace from a path, file object or text. `format` is a key of FORMATS or "auto" (see `detect`);
    `options` go to that format's reader (e.g. column=, unit= for timestamps; duration_unit= for access logs;
    interval_s=, seed= for counts). `max_rows` refuses a longer file before parsing it. Each implausible reading
    is issued as a TrafficWarning and listed in the trace's summary."""
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"format={format!r} is not allowed; expected 'auto' or one of "
                         f"{', '.join(map(repr, FORMATS))}")
    text = read_text(source)
    name = detect(text) if format == "auto" else format
    check_max_rows(text, max_rows, "the CSV" if name in ("timestamps", "counts", "azure_functions") else "the file")
    reader = FORMATS[name].reader
    allowed = list(inspect.signature(reader).parameters)[1:]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"{unknown[0]}={options[unknown[0]]!r} is not allowed for format={name!r}; expected "
                         f"options among {', '.join(allowed) or 'none'}")
    return warn(reader(text, **options))


__all__ = ["Chunk", "FORMATS", "Format", "Trace", "TrafficWarning", "detect", "extent", "make_trace",
           "other_format_message", "read", "read_chunks", "read_text", "summary", "summary_text"]
