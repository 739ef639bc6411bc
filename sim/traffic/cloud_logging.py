"""Google Cloud Logging exports of Cloud Run request logs: LogEntry objects as JSON lines (a Cloud Storage sink, one
entry per line) or one JSON array (`gcloud logging read --format=json`).

A request log entry carries `timestamp` (RFC 3339) and `httpRequest` (the HttpRequest object) whose `latency` is a
protobuf Duration in JSON, seconds with up to nine decimals and a trailing `s` (`"0.123s"`)
(https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry and its #HttpRequest; references.bib:
gcp_logentry, gcp_httprequest). The arrival is the entry's `timestamp` and the duration the latency; entries without
`httpRequest` (the service's own stdout/stderr lines) are skipped and counted.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from .lines import refuse_bad_values
from .summary import plausibility
from .trace import Clock, Part, Trace, make_trace

WHAT = "a Cloud Logging LogEntry (JSON)"


def _entries(text: str, first_line: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per LogEntry with its line number (the line of a JSON-lines entry, the text's first line being
    `first_line`; for an array, its index + 1)."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {exc.lineno}: {exc.msg}; expected a JSON array of LogEntry objects") from None
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
        return frame, np.arange(1, len(frame) + 1)
    lines = pd.Series(text.split("\n"))
    lines.index = lines.index + first_line
    keep = (lines.str.strip() != "").to_numpy()
    try:
        frame = pd.read_json(io.StringIO("\n".join(lines[keep])), lines=True, dtype=False)
    except ValueError:
        numbers = lines.index[keep]
        for_each = lines[keep].str.match(r"^\s*\{.*\}\s*$").to_numpy()
        k = int(numbers[np.argmax(~for_each)]) if (~for_each).any() else int(numbers[0])
        raise ValueError(f"line {k}: not one JSON object; expected {WHAT} per line") from None
    return frame, lines.index[keep].to_numpy()


def read(text: str) -> Trace:
    """Requests from Cloud Run request log entries: arrival `timestamp`, duration `httpRequest.latency`."""
    state = {}
    part = parse_part(text, state)
    trace = make_trace("cloud_logging", part.times, duration_ms=part.duration_ms, lines=state["entries"],
                       skipped=part.skipped, notes=["arrival = timestamp; duration = httpRequest.latency"])
    trace.warnings.extend(plausibility(trace))
    return trace


#: Entries reach a sink as they are written, from many instances: a timestamp falls behind the entries before it
#: by up to the longest request.
ORDER = ("log entries from many instances are exported as they are written, so a timestamp falls behind the "
         "entries before it by up to the longest request")


def parse_part(text: str, state: dict, first_line: int = 1) -> Part:
    """The request entries of a stretch of JSON lines whose first line is `first_line` (or of a whole JSON
    array); `state["entries"]` counts the entries read so far. A stretch without any httpRequest holds only
    the service's own lines, once a stretch before it held requests."""
    frame, line_numbers = _entries(text, first_line)
    state["entries"] = state.get("entries", 0) + len(frame)
    if not len(frame):
        return Part(pd.DatetimeIndex([], tz="UTC"), np.zeros(0, dtype=int))
    seen = "clock" in state
    if "timestamp" not in frame or ("httpRequest" not in frame and not seen):
        missing = "timestamp" if "timestamp" not in frame else "httpRequest"
        raise ValueError(f"line {int(line_numbers[0])}: no field {missing}; "
                         f"expected {WHAT} with timestamp and httpRequest")
    state.setdefault("clock", Clock(datetimes=True, zone="UTC"))
    is_request = frame["httpRequest"].notna().to_numpy() if "httpRequest" in frame else np.zeros(len(frame), bool)
    skipped = {}
    if (~is_request).any():
        skipped["not a request log entry"] = line_numbers[~is_request].tolist()
    http = pd.DataFrame(frame.loc[is_request, "httpRequest"].tolist(), index=line_numbers[is_request]) \
        if is_request.any() else pd.DataFrame(index=line_numbers[is_request])
    stamps = pd.Series(frame.loc[is_request, "timestamp"].to_numpy(), index=http.index).astype(str)
    when = pd.to_datetime(stamps, format="ISO8601", utc=True, errors="coerce")
    refuse_bad_values(stamps, when.notna().to_numpy(), "timestamp", "an RFC 3339 time such as 2026-11-02T09:00:00.123Z",
                      WHAT)
    latency = http["latency"] if "latency" in http else pd.Series(np.nan, index=http.index)
    text_latency = latency.astype(str).str.strip()
    seconds = pd.to_numeric(text_latency.str.extract(r"^(\d+(?:\.\d{1,9})?)s$")[0], errors="coerce")
    refuse_bad_values(text_latency, seconds.notna().to_numpy(), "httpRequest.latency", 'a Duration such as "0.123s"',
                      WHAT)
    return Part(pd.DatetimeIndex(when), http.index.to_numpy(), duration_ms=seconds.to_numpy() * 1000,
                skipped=skipped)
