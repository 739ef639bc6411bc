"""Line-oriented logs read with one regular expression over all lines at once (pandas `str.extract`), with
each malformed line refused, or skipped and counted, by its line number."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import _check

ON_BAD_LINES = ("error", "skip")


def nonblank_lines(text: str, first_line: int = 1) -> pd.Series:
    """The text's lines, blank ones dropped, indexed by line number (the text's first line is `first_line`)."""
    lines = pd.Series(text.split("\n"), dtype=object)
    lines.index = lines.index + first_line
    if len(lines) and lines.iloc[-1] == "":
        lines = lines.iloc[:-1]
    lines = lines.str.rstrip("\r")
    return lines[lines.str.strip() != ""]


def blank_line_numbers(text: str, kept: pd.Series, first_line: int = 1) -> list[int]:
    total = text.count("\n") + (not text.endswith("\n"))
    if len(kept) == total:
        return []
    return np.setdiff1d(np.arange(first_line, first_line + total), kept.index.to_numpy()).tolist()


def kept_line_numbers(first_line: int, total: int, dropped: list[int]) -> np.ndarray:
    """The numbers of `total` lines from `first_line` on, those in `dropped` (sorted) left out."""
    numbers = np.arange(first_line, first_line + total)
    return np.delete(numbers, np.asarray(dropped, dtype=np.int64) - first_line) if dropped else numbers


def extract(lines: pd.Series, pattern: re.Pattern, fields: list[tuple[str, str, str]], what: str,
            on_bad_lines: str = "error", skipped: dict | None = None) -> pd.DataFrame:
    """The named groups of `pattern` for every line. A line that does not match is refused with its number, the
    first of `fields` (name, regex, what is expected) that fails and the line (on_bad_lines="error"), or
    skipped and listed under "malformed" in `skipped` (on_bad_lines="skip")."""
    _check.choice("on_bad_lines", on_bad_lines, ON_BAD_LINES)
    found = lines.str.extract(pattern)
    bad = found.iloc[:, 0].isna().to_numpy()
    if bad.any():
        if on_bad_lines == "error":
            line_no = int(lines.index[np.argmax(bad)])
            raise ValueError(diagnose(lines.loc[line_no], line_no, fields, what))
        if skipped is not None:
            skipped["malformed"] = [int(k) for k in lines.index[bad]]
    return found[~bad]


def diagnose(line: str, line_no: int, fields: list[tuple[str, str, str]], what: str) -> str:
    """Which field of one malformed line fails: the first whose regex no longer matches from where the
    previous fields stop."""
    position = 0
    for name, regex, expected in fields:
        match = re.compile(regex).match(line, position)
        if match is None:
            shown = line[position:position + 40]
            return (f"line {line_no}: field {name} is {shown!r}; expected {expected} ({what})")
        position = match.end()
    return f"line {line_no}: {line[:80]!r} is not {what}"


def refuse_bad_values(values: pd.Series, ok: np.ndarray, field: str, expected: str, what: str) -> None:
    """Raise for the first value that did not convert (`ok` False), with its line number."""
    if not ok.all():
        k = int(np.argmax(~ok))
        raise ValueError(f"line {int(values.index[k])}: field {field} is {values.iloc[k]!r}; expected {expected} "
                         f"({what})")
