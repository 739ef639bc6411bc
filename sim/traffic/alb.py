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
from .trace import Clock, Part, Trace, make_trace

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
    state = {}
    part = parse_part(text, state, on_bad_lines=on_bad_lines)
    notes = ["arrival = request_creation_time; duration = target_processing_time"]
    not_sent = int((part.columns["target_s"] < 0).sum())
    if not_sent:
        notes.append(f"{not_sent:,} request(s) never sent to a target (-1): duration 0")
    trace = make_trace("alb", part.times, duration_ms=part.duration_ms, columns={"status": part.columns["status"]},
                       lines=line_count(text), skipped=part.skipped, notes=notes)
    trace.warnings.extend(plausibility(trace))
    return trace


#: The load balancer writes an entry when the response is sent (`time`); the arrival, request_creation_time, falls
#: behind the entries before it by up to the longest request.
ORDER = ("ALB entries are written as responses are sent, so a request_creation_time falls behind the entries before "
         "it by up to the longest request")


def parse_part(text: str, state: dict, first_line: int = 1, on_bad_lines: str = "error") -> Part:
    """The entries of a stretch of an ALB log whose first line is `first_line` (columns: status, target_s)."""
    lines = nonblank_lines(text, first_line)
    skipped = {}
    found = extract(lines, PATTERN, FIELDS, WHAT, on_bad_lines, skipped)
    created = pd.to_datetime(found["created"], format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True, errors="coerce")
    refuse_bad_values(found["created"], created.notna().to_numpy(), "request_creation_time",
                      "a real ISO 8601 UTC time", WHAT)
    target_s = found["target_s"].astype(float).to_numpy()
    blank = blank_line_numbers(text, lines, first_line)
    if blank:
        skipped["blank"] = blank
    state.setdefault("clock", Clock(datetimes=True, zone="UTC"))
    return Part(pd.DatetimeIndex(created), found.index.to_numpy(),
                duration_ms=np.where(target_s < 0, 0.0, target_s * 1000),
                columns={"status": found["status"].to_numpy(), "target_s": target_s}, skipped=skipped)
