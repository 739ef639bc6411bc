"""AWS Application Load Balancer access logs: one space-separated entry per request, in the documented field order
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html; references.bib:
aws_alb_access_logs): `type time elb client:port target:port request_processing_time target_processing_time
response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request" "user_agent"
ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" "chosen_cert_arn" matched_rule_priority
request_creation_time ...`; fields after those are ignored, as the documentation asks of fields a reader does not
expect. The arrival is `request_creation_time` (when the load balancer received the request; `time` is when it sent
the response) and the request's duration is `target_processing_time` (the target's handler time, seconds; -1 when
the request was never sent to a target, read as 0 and counted in the notes).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .lines import blank_line_numbers, extract, nonblank_lines, refuse_bad_values
from .source import line_count
from .summary import plausibility
from .trace import Trace, make_trace

WHAT = "an Application Load Balancer access log entry"
_TOKEN = r'(?:"(?:[^"\\]|\\.)*"|\S+)'
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"
_SECONDS = r"(?:-1|\d+(?:\.\d+)?)"
FIELDS = [("type", r"(?:http|https|h2|grpcs|ws|wss) ", "http, https, h2, grpcs, ws or wss"),
          ("time", _TIME + " ", "an ISO 8601 UTC time such as 2018-07-02T22:23:00.186641Z"),
          ("elb", r"\S+ ", "the load balancer's id"), ("client:port", r"\S+ ", "ip:port"),
          ("target:port", r"\S+ ", "ip:port or -"),
          ("request_processing_time", _SECONDS + " ", "seconds or -1"),
          ("target_processing_time", _SECONDS + " ", "seconds or -1"),
          ("response_processing_time", _SECONDS + " ", "seconds or -1"),
          ("elb_status_code", r"(?:\d{3}|-) ", "a status code"),
          ("target_status_code", r"(?:\d{3}|-) ", "a status code or -"),
          ("received_bytes", r"\d+ ", "a byte count"), ("sent_bytes", r"\d+ ", "a byte count"),
          ("request", r'"(?:[^"\\]|\\.)*" ', "a quoted request line"),
          *[(name, _TOKEN + " ", "a field") for name in ("user_agent", "ssl_cipher", "ssl_protocol",
                                                          "target_group_arn", "trace_id", "domain_name",
                                                          "chosen_cert_arn", "matched_rule_priority")],
          ("request_creation_time", _TIME, "an ISO 8601 UTC time")]
PATTERN = re.compile(
    r"^(?:http|https|h2|grpcs|ws|wss) (?P<time>" + _TIME + r") \S+ \S+ \S+ (?P<request_s>" + _SECONDS +
    r") (?P<target_s>" + _SECONDS + r") (?P<response_s>" + _SECONDS + r") (?P<status>\d{3}|-) (?:\d{3}|-) \d+ \d+ "
    r'"(?:[^"\\]|\\.)*"' + (" " + _TOKEN) * 8 + r" (?P<created>" + _TIME + r")(?:\s.*)?$")


def read(text: str, on_bad_lines: str = "error") -> Trace:
    """Requests from ALB access log entries: arrivals at request_creation_time, durations target_processing_time."""
    lines = nonblank_lines(text)
    skipped = {}
    found = extract(lines, PATTERN, FIELDS, WHAT, on_bad_lines, skipped)
    created = pd.to_datetime(found["created"], format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True, errors="coerce")
    refuse_bad_values(found["created"], created.notna().to_numpy(), "request_creation_time",
                      "a real ISO 8601 UTC time", WHAT)
    target_s = found["target_s"].astype(float).to_numpy()
    not_sent = target_s < 0
    notes = ["arrival = request_creation_time; duration = target_processing_time"]
    if not_sent.any():
        notes.append(f"{int(not_sent.sum()):,} request(s) never sent to a target (-1): duration 0")
    blank = blank_line_numbers(text, lines)
    if blank:
        skipped["blank"] = blank
    trace = make_trace("alb", pd.DatetimeIndex(created), duration_ms=np.where(not_sent, 0.0, target_s * 1000),
                       columns={"status": found["status"].to_numpy()}, lines=line_count(text),
                       skipped=skipped, notes=notes)
    trace.warnings.extend(plausibility(trace))
    return trace
