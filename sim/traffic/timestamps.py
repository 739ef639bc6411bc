"""One timestamp per row: a CSV column of numbers or ISO 8601 date-times (CloudWatch Logs Insights and Cloud Logging
exports, a spreadsheet column), optionally with a column of each request's duration.

Date-times follow ISO 8601 / RFC 3339 (`2026-11-27T10:00:00Z`, `2026-11-27 10:00:00.123`, offsets with or without a
colon) and the trailing ` UTC` that BigQuery and Cloud Logging exports write
(https://www.rfc-editor.org/rfc/rfc3339; references.bib: rfc3339); the CSV follows RFC 4180
(https://www.rfc-editor.org/rfc/rfc4180; references.bib: rfc4180). Parsing is vectorised: `pandas.read_csv`,
`pandas.to_numeric` and `pandas.to_datetime(format="ISO8601")`, no per-row Python loop.
"""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from .. import _check
from .lines import kept_line_numbers
from .source import csv_chunks, line_count
from .summary import plausibility
from .trace import Clock, Part, Trace, make_trace

#: How numeric cells are read.
NUMERIC_UNITS = ("auto", "s", "ms", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns")
#: "auto": the smallest largest value of a Unix timestamp after 1973 in each unit, finest first.
EPOCH_FROM = (("epoch_ns", 1e17), ("epoch_us", 1e14), ("epoch_ms", 1e11), ("epoch_s", 1e8))
SECONDS_PER = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_ZONE = r"[T ]\d.*(?:[+-]\d\d:?\d\d)$"
_NAN_WORDS = ("nan", "+nan", "-nan")


def cells(text: str) -> pd.DataFrame:
    """Every CSV cell as text, one row per line (blank lines kept, so row k is line k + 1)."""
    options = dict(header=None, dtype=str, skip_blank_lines=False, keep_default_na=False, na_filter=False,
                   engine="c")
    try:
        return pd.read_csv(io.StringIO(text), **options)
    except pd.errors.EmptyDataError:
        return pd.DataFrame({0: pd.Series([], dtype=str)})
    except pd.errors.ParserError:      # ragged rows: as many columns as the widest line has commas
        width = int(pd.Series(text.split("\n")).str.count(",").max()) + 1
        return pd.read_csv(io.StringIO(text), names=range(width), **options)


def parse(values: pd.Series) -> pd.DataFrame:
    """Each stripped cell read as a number (`number`, NaN if not) or a date-time (`when`, NaT if not;
    `aware`: it has a zone). `kind` is "number", "datetime" or "" (neither)."""
    values = values.astype(str).str.strip()
    number = pd.to_numeric(values, errors="coerce")
    is_number = number.notna() | values.str.lower().isin(_NAN_WORDS)
    text = values.where(~is_number, "")
    text = text.str.replace(r" UTC$", "+00:00", regex=True).str.replace("Z", "+00:00", regex=False)
    aware = text.str.contains(_ZONE, regex=True)
    when_aware = pd.to_datetime(text.where(aware, ""), format="ISO8601", utc=True, errors="coerce")
    when_naive = pd.to_datetime(text.where(~aware, ""), format="ISO8601", errors="coerce")
    is_datetime = (when_aware.notna() & aware) | (when_naive.notna() & ~aware)
    kind = np.where(is_number, "number", np.where(is_datetime, "datetime", ""))
    return pd.DataFrame({"cell": values, "number": number, "aware": aware, "kind": kind,
                         "when_aware": when_aware, "when_naive": when_naive})


def when_of(parsed: pd.DataFrame) -> pd.Series:
    """The date-times of parsed cells that share one kind of zone (as the first one has, or has not)."""
    return parsed["when_aware"] if parsed["aware"].iloc[0] else parsed["when_naive"]


def is_timestamp(cell: str) -> bool:
    """Whether a cell reads as a timestamp (a number or an ISO 8601 date-time)."""
    return bool(parse(pd.Series([cell]))["kind"].iloc[0])


def read(text: str, column: int | str = 0, unit: str = "auto", duration_column: int | str | None = None,
         duration_unit: str = "ms") -> Trace:
    """Timestamps from CSV text (see sim.Replay.from_csv for the rules); a header row is skipped only when its
    cell is not a timestamp, and a bad row is refused with its line number. `duration_column` names a column of
    each request's duration in `duration_unit` ("ms" or "s"). A clean file is read in one `pandas.read_csv`
    pass (floats, or `parse_dates` with the ISO 8601 format); anything else is read cell by cell, vectorised,
    to find and name the first bad line."""
    state = {}
    part = parse_part(text, state, 1, column, unit, duration_column, duration_unit)
    if "is_dt" not in state:
        raise ValueError("the CSV holds no timestamps; expected one timestamp per row")
    is_dt, values, durations = state["is_dt"], part.times, part.duration_ms
    if is_dt:
        times, unit_used = values, None
        notes = ["ISO 8601 date-times, relative to the earliest"]
    else:
        times, unit_used = numbers_to_seconds(values, unit)
        notes = [_UNIT_NOTES[unit_used] + (" (unit='auto', by the largest value)" if unit == "auto" else "")]
    if durations is not None:
        notes.append(f"each request's duration from column {duration_column!r} ({duration_unit})")
    skipped = {k: part.skipped[k] for k in ("header", "blank") if k in part.skipped}
    header_line = skipped["header"][0] - 1 if "header" in skipped else None
    since_start = not is_dt and unit_used in ("s", "ms")
    trace = make_trace("timestamps", times, duration_ms=durations, relative=not since_start, lines=line_count(text),
                       skipped=skipped, notes=notes, seconds_guessed=since_start and unit == "auto")
    order = times.asi8 if is_dt else values
    trace.warnings.extend(_warnings(text, trace, monotone_share(np.asarray(order, dtype=float)), column,
                                    duration_column, header_line))
    trace.warnings.extend(plausibility(trace))
    return trace


#: A CSV of timestamps is taken to be written in time order (an export sorted by time, ascending).
ORDER = "a CSV of timestamps is read in the order it is written, which must be time order"


def parse_part(text: str, state: dict, first_line: int = 1, column: int | str = 0, unit: str = "auto",
          duration_column: int | str | None = None, duration_unit: str = "ms") -> Part:
    """The timestamps of a stretch of a CSV whose first line is `first_line`, by `read`'s rules: the first
    stretch decides the columns (and skips a header), whether the cells are date-times or numbers, their zone and
    unit ("auto": by the largest value so far; a later value that would change it is refused), kept in `state`."""
    _check.choice("unit", unit, NUMERIC_UNITS)
    _check.choice("duration_unit", duration_unit, ("ms", "s"))
    blank = [k + first_line - 1 for k in blank_lines(text)]
    numbers = kept_line_numbers(first_line, line_count(text), blank)
    skipped = {"blank": blank} if blank else {}
    if not numbers.size:
        return Part(np.zeros(0), numbers, skipped=skipped)
    if "clock" not in state:
        is_dt, values, durations, header_line, header = _read_fast(text, column, duration_column) or \
            _read_cells(text, column, duration_column)
        index = lambda c: header.index(c) if isinstance(c, str) else c
        state.update(col=index(column), dcol=index(duration_column), is_dt=is_dt)
        if header_line is not None:
            skipped["header"] = [header_line + first_line]
            numbers = numbers[numbers != header_line + first_line]
    else:
        offset = first_line - 1
        is_dt, values, durations, _, _ = _read_fast(text, state["col"], state["dcol"], header=False) or \
            _read_cells(text, state["col"], state["dcol"], header_allowed=False, offset=offset)
    if durations is not None:
        durations = durations * (1000.0 if duration_unit == "s" else 1.0)
    if is_dt:
        stamps = pd.DatetimeIndex(values)
        state.setdefault("clock", Clock(datetimes=True, zone=stamps.tz))
        if not state["is_dt"] or (stamps.tz is None) != (state["clock"].zone is None):
            _refuse_kind(numbers, state, "date-times " + ("with" if stamps.tz is not None else "without") +
                         " a time zone")
        return Part(stamps, numbers, duration_ms=durations, skipped=skipped)
    values = np.asarray(values, dtype=float)
    if "clock" not in state:
        used = unit_of(values.max(), unit)
        state.update(unit=used, largest=values.max(), clock=Clock(
            datetimes=False, scale=SECONDS_PER[used.rsplit("_", 1)[-1]], relative=used.startswith("epoch")))
    if state["is_dt"]:
        _refuse_kind(numbers, state, "numbers")
    state["largest"] = max(state["largest"], values.max())
    if unit_of(state["largest"], unit) != state["unit"]:
        k = int(np.argmax(values))
        raise ValueError(f"line {int(numbers[k])}: {float(values[k])!r} would read the whole file in "
                         f"{_UNIT_NOTES[unit_of(state['largest'], unit)]}, while the lines before were read in "
                         f"{_UNIT_NOTES[state['unit']]} (unit='auto' goes by the largest value): pass unit=")
    return Part(values, numbers, duration_ms=durations, skipped=skipped)


def _refuse_kind(numbers: np.ndarray, state: dict, found: str) -> None:
    before = "date-times" if state["is_dt"] else "numbers"
    if state["is_dt"]:
        before += " with a time zone" if state["clock"].zone is not None else " without a time zone"
    raise ValueError(f"line {int(numbers[0])}: {found} in column {state['col']}, where the lines before hold "
                     f"{before}: one column must hold one kind of timestamp")


def blank_lines(text: str) -> list[int]:
    """The numbers of the blank (or whitespace-only) lines, the end of the text excluded."""
    body = text[:-1] if text.endswith("\n") else text
    return [body.count("\n", 0, m.start()) + 1 for m in _BLANK.finditer(body)] if body else []


_BLANK = re.compile(r"^[ \t\r]*$", re.MULTILINE)


def _first_line(text: str) -> tuple[int, list[str]]:
    """The first non-blank line: its index (0-based) and its csv fields."""
    match = re.search(r"^[ \t\r]*\S", text, re.MULTILINE)
    if match is None:
        raise ValueError("the CSV holds no timestamps; expected one timestamp per row")
    index = text.count("\n", 0, match.start())
    return index, _line(text, index)


def _read_fast(text: str, column, duration_column, header: bool = True):
    """One read_csv pass over a clean file; None when anything needs the cell-by-cell reading (or, with
    `header` False, when the first line is no timestamp)."""
    first, fields = _first_line(text)
    names = [f.strip() for f in fields]
    header_line = None
    if isinstance(column, str) or isinstance(duration_column, str):
        if (isinstance(column, str) and column not in names) or \
                (isinstance(duration_column, str) and duration_column not in names):
            return None
        header_line = first
    col = names.index(column) if isinstance(column, str) else column
    dcol = names.index(duration_column) if isinstance(duration_column, str) else duration_column
    if col >= len(fields) or (dcol is not None and dcol >= len(fields)):
        return None
    if header_line is None and not is_timestamp(fields[col]):
        if not header:
            return None
        header_line = first
    used = [col] if dcol is None or dcol == col else [col, dcol]
    options = dict(header=None, skiprows=first + (header_line is not None), usecols=used, engine="c",
                   skip_blank_lines=True)
    data_line = first + (header_line is not None)
    data_fields = _line(text, data_line)
    kind = parse(pd.Series(data_fields[col:col + 1] or [""]))["kind"].iloc[0]
    if not kind:
        return None
    is_dt = kind == "datetime"
    typed = dict(parse_dates=[col], date_format="ISO8601") if is_dt else dict(dtype={col: float})
    parts, duration_parts = [], []
    try:
        for table in csv_chunks(text, **typed, **options):
            part = _fast_values(table[col], is_dt)
            if part is None:
                return None
            parts.append(part)
            if dcol is not None:
                durations = pd.to_numeric(table[dcol], errors="coerce").to_numpy(dtype=float)
                if not (np.isfinite(durations) & (durations >= 0)).all():
                    return None
                duration_parts.append(durations)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if not parts or (is_dt and len({str(getattr(p, "tz", None)) for p in parts}) > 1):
        return None
    values = (parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]) if is_dt and hasattr(parts[0], "tz") \
        else np.concatenate(parts)
    durations = np.concatenate(duration_parts) if dcol is not None else None
    return is_dt, values, durations, header_line, names if header_line is not None else None


def _fast_values(values: pd.Series, is_dt: bool):
    """One chunk's timestamps (datetimes or floats), or None if any is missing, negative or not of the kind."""
    if is_dt:
        if not pd.api.types.is_datetime64_any_dtype(values) or values.isna().any():
            return None
        return values.to_numpy() if values.dt.tz is None else pd.DatetimeIndex(values)
    values = values.to_numpy(dtype=float)
    return values if (np.isfinite(values) & (values >= 0)).all() else None


def _read_cells(text: str, column, duration_column, header_allowed: bool = True, offset: int = 0):
    """Every cell as text, parsed whole columns at a time; raises for the first bad line as a row-by-row reading
    would (the text's line k being the file's line k + `offset`; a header only where `header_allowed`)."""
    table = cells(text)
    stripped = table.apply(lambda c: c.str.strip())
    blank = (stripped == "").all(axis=1).to_numpy()
    rows = np.flatnonzero(~blank)
    if rows.size == 0:
        raise ValueError("the CSV holds no timestamps; expected one timestamp per row")
    first = int(rows[0])
    header = None
    col, dcol = column, duration_column
    if isinstance(column, str) or isinstance(duration_column, str):
        header = [c for c in stripped.iloc[first]]
        col = _header_index(column, header, first)
        dcol = _header_index(duration_column, header, first)
        rows = rows[1:]
    if header_allowed and header is None and isinstance(col, int) and col < table.shape[1] and not parse(
            stripped.iloc[[first], col])["kind"].iloc[0] and _has_column(text, first, col):
        _refuse_other_format(text, first + 1, stripped.iloc[first, col])
        rows, header = rows[1:], list(stripped.iloc[first])
    if rows.size == 0:
        raise ValueError("the CSV holds no timestamps; expected one timestamp per row")
    values = parse(table.iloc[rows, col] if col < table.shape[1] else pd.Series([""] * rows.size, index=rows))
    _refuse_bad_rows(text, values, rows, col, column, offset)
    is_dt = values["kind"].iloc[0] == "datetime"
    parsed = when_of(values) if is_dt else values["number"].to_numpy(dtype=float)
    durations = None if dcol is None else _durations(table, rows, dcol, offset)
    return is_dt, parsed, durations, first if header is not None else None, header


def _warnings(text: str, trace: Trace, share: float, column, duration_column, header_line) -> list[str]:
    """The column and counts warnings, worked out on the first HEAD_ROWS rows only when the cheap signs call for
    them (the chosen column goes up and down; the rows are evenly spaced)."""
    gaps = np.diff(trace.timestamps_s)
    even = gaps.size >= 4 and gaps.min() >= 1.0 and gaps.max() - gaps.min() <= 1e-6 * gaps.max()
    if not (0.1 < share < 0.9) and not even:
        return []
    head = "\n".join(text.split("\n", HEAD_ROWS + 1)[:HEAD_ROWS + 1])
    table = cells(head).apply(lambda c: c.str.strip())
    rows = np.flatnonzero(~(table == "").all(axis=1).to_numpy())
    header = list(table.iloc[header_line]) if header_line is not None else None
    rows = rows[rows != header_line] if header_line is not None else rows
    index = lambda c: header.index(c) if isinstance(c, str) else c
    col, dcol = index(column), index(duration_column)
    found = _column_warnings(table.iloc[rows], col, header) if 0.1 < share < 0.9 else []
    return found + (_counts_warning(trace, table.iloc[rows], {col, dcol}) if even else [])


#: The warnings look at this many rows at most.
HEAD_ROWS = 10_000


def unit_of(largest: float, unit: str) -> str:
    """The unit numbers are read in: `unit`, or for "auto" the one the largest value calls for (EPOCH_FROM)."""
    if unit != "auto":
        return unit
    return next((name for name, low in EPOCH_FROM if largest >= low), "s")


_UNIT_NOTES = {"s": "seconds since the trace began", "ms": "milliseconds since the trace began",
               "epoch_s": "Unix seconds", "epoch_ms": "Unix milliseconds", "epoch_us": "Unix microseconds",
               "epoch_ns": "Unix nanoseconds"}


def numbers_to_seconds(values: np.ndarray, unit: str) -> tuple[np.ndarray, str]:
    """Numeric timestamps in seconds (Unix time made relative to the earliest), read as `unit`; and the unit
    used ("auto": by the largest value, see EPOCH_FROM)."""
    unit = unit_of(values.max(), unit)
    scale = SECONDS_PER[unit.rsplit("_", 1)[-1]]
    origin = values.min() if unit.startswith("epoch") else 0.0
    return (values - origin) * scale, unit


def _header_index(name, header: list[str], first: int):
    if name is None or isinstance(name, int):
        return name
    if name not in header:
        raise ValueError(f"column={name!r} not found in the header on line {first + 1}")
    return header.index(name)


def _line(text: str, row: int) -> list[str]:
    """The csv fields of one line (row `row`, 0-based), for an error message."""
    line = text.split("\n", row + 1)[row] if row < text.count("\n") + 1 else ""
    return next(csv.reader([line.rstrip("\r")]), [])


def _has_column(text: str, row: int, col: int) -> bool:
    return col < len(_line(text, row))


def _refuse_other_format(text: str, line_no: int, cell: str) -> None:
    """A first line that parses as another format's data is data: name the format and how to read it."""
    from .detect import detect, other_format_message
    found = detect(text)
    if found != "timestamps":
        shown = cell if len(cell) <= 60 else cell[:57] + "..."
        raise ValueError(f"line {line_no}: {shown!r} is not a timestamp; {other_format_message(found)}")


def _refuse_bad_rows(text: str, values: pd.DataFrame, rows: np.ndarray, col: int, column, offset: int = 0) -> None:
    """Raise for the first bad row as a row-by-row reading would: a missing column, a cell that is no
    timestamp, date-times mixed with seconds or zones with none, a negative or non-finite number."""
    kind = values["kind"].to_numpy()
    first_kind = kind[0]
    aware = values["aware"].to_numpy()
    first_dt = np.flatnonzero(kind == "datetime")
    number = values["number"].to_numpy(dtype=float)
    bad = (kind == "") | (kind != first_kind) & (first_kind != "")
    if first_dt.size:
        bad |= (kind == "datetime") & (aware != aware[first_dt[0]])
    bad |= (kind == "number") & ~(np.isfinite(number) & (number >= 0))
    if first_kind == "":
        bad[0] = True
    if not bad.any():
        return
    k = int(np.argmax(bad))
    row, line_no, cell = int(rows[k]), int(rows[k]) + 1 + offset, values["cell"].iloc[k]
    fields = _line(text, row)
    if col >= len(fields):
        raise ValueError(f"line {line_no}: expected a column {col}, found {len(fields)} column(s): {fields!r}")
    if kind[k] == "":
        _refuse_other_format(text, line_no, cell)
        hint = (" (is the file separated by ';' or tabs? it must be commas)" if ";" in cell or "\t" in cell
                else f" (reading column {column!r}; pass column= with the timestamps' header name or index)")
        raise ValueError(f"line {line_no}: {cell!r} is not a timestamp; expected seconds >= 0 "
                         f"or an ISO 8601 date-time{hint}")
    if kind[k] != first_kind:
        raise ValueError(f"line {line_no}: {cell!r} mixes date-times and seconds in one column")
    if kind[k] == "datetime":
        raise ValueError(f"line {line_no}: {cell!r} mixes date-times with and without a time zone")
    raise ValueError(f"line {line_no}: {cell!r} is not allowed; expected seconds >= 0")


def _durations(table: pd.DataFrame, rows: np.ndarray, dcol: int, offset: int = 0) -> np.ndarray:
    if dcol >= table.shape[1]:
        raise ValueError(f"duration_column={dcol!r} is out of range; the CSV has {table.shape[1]} column(s)")
    cells_ = table.iloc[rows, dcol].str.strip()
    values = pd.to_numeric(cells_, errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"line {int(rows[k]) + 1 + offset}: duration {cells_.iloc[k]!r} is not allowed; "
                         "expected a number >= 0")
    return values


def monotone_share(values: np.ndarray) -> float:
    """The share of consecutive steps that do not go down (1 or 0 for a column in time order)."""
    steps = np.diff(values)
    return float(np.mean(steps >= 0)) if steps.size else 1.0


def _time_order(values: pd.Series) -> float | None:
    """How a column behaves as time: its monotone share, or None when most of it is not a timestamp."""
    parsed = parse(values)
    kind = parsed["kind"].to_numpy()
    if np.mean(kind != "") < 0.99:
        return None
    as_us = lambda column: parsed[column].dt.tz_localize(None).to_numpy().astype("datetime64[us]") \
        if column == "when_aware" else parsed[column].to_numpy().astype("datetime64[us]")
    as_float = np.where(kind == "number", parsed["number"].to_numpy(dtype=float),
                        np.where(parsed["aware"], as_us("when_aware"), as_us("when_naive")).astype(np.int64))
    return monotone_share(as_float[kind != ""])


def _column_warnings(data: pd.DataFrame, col: int, header) -> list[str]:
    """A column that does not behave like time (its values go up and down) while another one does."""
    if len(data) < 10 or col >= data.shape[1]:
        return []
    share = _time_order(data.iloc[:, col])
    if share is None or not 0.1 < share < 0.9:
        return []
    name = lambda k: repr(header[k]) if header else str(k)
    for other in range(min(data.shape[1], 20)):
        if other == col:
            continue
        other_share = _time_order(data.iloc[:, other])
        if other_share is not None and not 0.01 < other_share < 0.99 and data.iloc[:, other].nunique() > 1:
            return [f"column {name(col)} does not behave like time (only {share:.0%} of its steps go forward in "
                    f"file order) while column {name(other)} does: pass column={name(other)}"]
    return []


def _counts_warning(trace: Trace, data: pd.DataFrame, used: set) -> list[str]:
    """Evenly spaced times with a column of whole numbers beside them: counts per interval, not requests."""
    gaps = np.diff(trace.timestamps_s)
    if gaps.size < 4 or gaps.min() < 1.0 or gaps.max() - gaps.min() > 1e-6 * gaps.max():
        return []
    for other in range(data.shape[1]):
        numbers = pd.to_numeric(data.iloc[:, other], errors="coerce").to_numpy(dtype=float)
        whole = np.isfinite(numbers).all() and (numbers == np.round(numbers)).all() and numbers.max() > 1
        if other not in used and whole:
            return [f"the {len(trace):,} rows are {gaps[0]:g} s apart with whole numbers in column {other}: counts per "
                    f"interval read as one request per row? Read them with sim.traffic.read(source, format='counts')"]
    return []
