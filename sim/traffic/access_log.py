"""Web server access logs: the Common Log Format and the Combined Log Format (Apache httpd mod_log_config, Nginx's
predefined `combined` log_format), with an optional response time as the last field.

Fields (Apache `%h %l %u %t "%r" %>s %b`, Combined adds `"%{Referer}i" "%{User-agent}i"`), with `%t` as
`[10/Oct/2000:13:55:36 -0700]` (https://httpd.apache.org/docs/2.4/mod/mod_log_config.html; references.bib:
apache_mod_log_config); Nginx writes the same with `$time_local`
(https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format; references.bib: nginx_log_format). A response
time appended as the last field is read by `duration_unit`: Apache `%D` (microseconds, an integer), `%T` (seconds,
an integer), Nginx `$request_time` (seconds with millisecond resolution, `0.123`); "auto" reads a number with a
decimal point as Nginx seconds and an integer as Apache microseconds, and says so in the reading's notes. Apache's
`%t` is when the request was received; Nginx writes the line when the response is done, so with Nginx seconds the
arrival is `$time_local` minus `$request_time`. Times are whole seconds: requests logged in one second are spread
uniformly over it (seeded) so that they do not all arrive at once; `spread=False` keeps them on the second.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import _check
from .lines import blank_line_numbers, extract, kept_line_numbers, nonblank_lines, refuse_bad_values
from .source import csv_chunks, line_count
from .summary import plausibility
from .trace import Clock, Part, Trace, make_trace

WHAT = "the Common or Combined Log Format"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
FIELDS = [("host (%h)", r"\S+ ", "a host name or address"), ("ident (%l)", r"\S+ ", "'-' or an identity"),
          ("user (%u)", r"\S+ ", "'-' or a user name"),
          ("time (%t)", r"\[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ", "[day/Mon/year:HH:MM:SS +zone]"),
          ("request (%r)", _QUOTED + " ", 'a quoted request line such as "GET / HTTP/1.1"'),
          ("status (%>s)", r"\d{3} ?", "a three-digit status code"),
          ("bytes (%b)", r"(?:\d+|-)", "a byte count or '-'")]
PATTERN = re.compile(
    r'^\S+ \S+ \S+ \[(?P<time>\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] (?P<request>' + _QUOTED +
    r') (?P<status>\d{3}) (?:\d+|-)(?: ' + _QUOTED + " " + _QUOTED + r')?(?P<rest>.*)$')
_TRAILING = re.compile(r"(?:^|\s)(?:\w+=)?(?P<rt>\d+(?:\.\d+)?)\s*$")
TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
DURATION_UNITS = ("auto", "us", "ms", "s", "none")


def read(text: str, duration_unit: str = "auto", on_bad_lines: str = "error", spread: bool = True,
         seed: int = 0) -> Trace:
    """Requests from an access log: arrival times and, when each line ends with a response time, durations.
    A clean log is read in one `pandas.read_csv` pass (space-separated, quoted fields); anything else line by line
    with one regular expression (vectorised), to name the first bad line and field or to skip it."""
    state = {}
    part = parse_part(text, state, duration_unit=duration_unit, on_bad_lines=on_bad_lines, spread=spread, seed=seed)
    trace = make_trace("access_log", part.times, duration_ms=part.duration_ms, lines=line_count(text),
                       skipped=part.skipped, notes=state["notes"], origin=state["clock"].ref)
    trace.warnings.extend(plausibility(trace))
    return trace


#: Arrivals in an access log are out of file order: Apache writes a line when the request is done, with %t the
#: time it was received; Nginx logs when the response is done and arrival = $time_local - $request_time.
ORDER = ("access logs are written as requests complete, so an arrival falls behind the lines before it by up to "
         "the longest request")


def parse_part(text: str, state: dict, first_line: int = 1, duration_unit: str = "auto", on_bad_lines: str = "error",
          spread: bool = True, seed: int = 0) -> Part:
    """The requests of a stretch of an access log whose first line is `first_line`: arrival seconds since the
    first request's %t (`state["clock"]`). The layout, the duration unit and the seeded spreading are fixed by
    the first stretch with requests and kept in `state` for those that follow."""
    _check.choice("duration_unit", duration_unit, DURATION_UNITS)
    _check.number("seed", seed, low=0, integer=True)
    skipped = {}
    got = _read_fast(text) if on_bad_lines == "error" else None
    if got is None:
        lines = nonblank_lines(text, first_line)
        found = extract(lines, PATTERN, FIELDS, WHAT, on_bad_lines, skipped)
        when = pd.to_datetime(found["time"], format=TIME_FORMAT, utc=True, errors="coerce")
        refuse_bad_values(found["time"], when.notna().to_numpy(), "time (%t)",
                          "a real date [day/Mon/year:HH:MM:SS +zone]", WHAT)
        rt = found["rest"].str.extract(_TRAILING)["rt"]
        has_rt = bool(len(rt)) and rt.notna().all()
        decimal = has_rt and rt.str.contains(".", regex=False).any()
        rt = rt.astype(float).to_numpy() if has_rt else None
        blank = blank_line_numbers(text, lines, first_line)
        numbers = found.index.to_numpy()
    else:
        when, rt, decimal, blank = got
        blank = [k + first_line - 1 for k in blank]
        numbers = kept_line_numbers(first_line, line_count(text), blank)
    if blank:
        skipped["blank"] = blank
    if len(when) == 0:
        return Part(np.zeros(0), numbers, skipped=skipped)
    if "clock" not in state:
        _first_stretch(state, when, rt, decimal, duration_unit, spread, seed)
    elif state["unit"] is not None and rt is None:
        raise ValueError(f"line {int(numbers[0])}: no response time as the last field, which the lines before have "
                         f"({WHAT}); pass duration_unit='none' to read no durations")
    seconds = (when - state["clock"].ref).dt.total_seconds().to_numpy()
    durations = None if state["unit"] is None else rt * {"us": 1e-3, "ms": 1.0, "s": 1e3}[state["unit"]]
    if state["logged_at_end"]:
        seconds = seconds - durations / 1000
    if state["rng"] is not None:
        seconds = seconds + state["rng"].uniform(0.0, 1.0, seconds.size)
    return Part(seconds, numbers, duration_ms=durations, skipped=skipped)


def _first_stretch(state: dict, when: pd.Series, rt, decimal: bool, duration_unit: str, spread: bool,
                   seed: int) -> None:
    """What the first requests decide: the time origin, the duration unit ("auto": by a decimal point) and the
    spreading's generator; and the notes saying so."""
    notes = ["times of %t (whole seconds, one zone: UTC)"]
    unit = None
    if duration_unit != "none" and rt is not None:
        unit = duration_unit
        if unit == "auto":
            unit = "s" if decimal else "us"
            notes.append("the last field read as " + ("Nginx $request_time (seconds)" if unit == "s" else
                                                      "Apache %D (microseconds)") + "; pass duration_unit= otherwise")
        else:
            notes.append(f"the last field read as the response time in {unit}")
    logged_at_end = unit == "s" and duration_unit == "auto"
    if logged_at_end:
        notes.append("arrival = $time_local - $request_time (Nginx logs when the response is done)")
    if spread:
        notes.append(f"requests within a logged second spread uniformly over it (seed {seed})")
    state.update(clock=Clock(datetimes=False, ref=when.iloc[0]), unit=unit, logged_at_end=logged_at_end,
                 rng=np.random.default_rng(seed) if spread else None, notes=notes)


#: Space-separated fields of each layout: host ident user [time zone] "request" status bytes ["referer" "agent"]
_TIME_FIELD, _ZONE_FIELD, _STATUS_FIELD, _BYTES_FIELD = 3, 4, 6, 7


def _chunk(table: pd.DataFrame, rt_field: int | None):
    """One chunk's UTC times and response times, or None when a field does not fit."""
    local = pd.to_datetime(table[_TIME_FIELD], format="[%d/%b/%Y:%H:%M:%S")
    zones = table[_ZONE_FIELD].cat.categories.astype(str)
    if not zones.str.fullmatch(r"[+-]\d{4}\]").all() or table[_ZONE_FIELD].isna().any():
        return None
    status = table[_STATUS_FIELD].to_numpy()
    if not ((status >= 100) & (status <= 599) & (status == np.round(status))).all():
        return None
    minutes = (zones.str[1:3].astype(int) * 60 + zones.str[3:5].astype(int)) * np.where(zones.str[0] == "-", -1, 1)
    offset = pd.Series(minutes, index=table[_ZONE_FIELD].cat.categories)
    when = (local - pd.to_timedelta(table[_ZONE_FIELD].map(offset).astype(float), unit="min")).dt.tz_localize("UTC")
    rt = None
    if rt_field:
        rt = table[rt_field].to_numpy(dtype=float)
        if not (np.isfinite(rt) & (rt >= 0)).all():
            return None
    return when, rt


def _read_fast(text: str):
    """One read_csv pass: (UTC times, response times or None, whether they have decimals, blank lines), or None
    when a line does not fit the first line's layout (then the line-by-line reading names it)."""
    from .timestamps import blank_lines
    first = next((line for line in text.split("\n", 50) if line.strip()), "")
    match = PATTERN.match(first.rstrip("\r"))
    if match is None:
        return None
    combined = first.count('"') >= 6
    rest = _TRAILING.search(match["rest"])
    rt_field = (10 if combined else 8) if rest else None
    used = [_TIME_FIELD, _ZONE_FIELD, _STATUS_FIELD, _BYTES_FIELD] + ([rt_field] if rt_field else [])
    options = dict(sep=" ", header=None, quotechar='"', escapechar="\\", doublequote=False, engine="c",
                   usecols=used, keep_default_na=False, na_values={_BYTES_FIELD: ["-"]},
                   dtype={_TIME_FIELD: str, _ZONE_FIELD: "category", _STATUS_FIELD: float, _BYTES_FIELD: float,
                          **({rt_field: float} if rt_field else {})})
    times, rts = [], []
    try:
        for table in csv_chunks(text, **options):
            part = _chunk(table, rt_field)
            if part is None:
                return None
            times.append(part[0])
            rts.append(part[1])
    except (ValueError, pd.errors.ParserError):
        return None
    when = pd.concat(times, ignore_index=True)
    rt = np.concatenate(rts) if rt_field else None
    return when, rt, bool(rest) and "." in rest["rt"], blank_lines(text)
