"""Where a trace's text comes from (a path, a file object or the text itself), and the run cap on its lines."""
from __future__ import annotations

import io
import os

import pandas as pd

from .. import _check

#: Name endings taken for a path even when no such file exists (so a typo is named, not parsed as text).
PATH_ENDINGS = (".csv", ".txt", ".tsv", ".log", ".json", ".jsonl", ".gz")


def read_text(source) -> str:
    """The text from a path, a file object or the text itself, without a leading byte-order mark."""
    if isinstance(source, str) and "\n" not in source and not os.path.exists(source) \
            and source.lower().endswith(PATH_ENDINGS):
        raise ValueError(f"source={source!r} is not allowed: there is no such file (relative paths start in "
                         f"{os.getcwd()}); expected a CSV path, text or file object")
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                          and os.path.exists(source)):
        with open(source, newline="", encoding="utf-8-sig") as f:
            return f.read()
    if hasattr(source, "read"):
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
    elif isinstance(source, bytes):
        text = source.decode("utf-8-sig")
    elif isinstance(source, str):
        text = source
    else:
        raise ValueError(f"source={source!r} is not allowed; expected a CSV path, text or file object")
    return text.lstrip("\ufeff")


def line_count(text: str) -> int:
    """Lines in the text (a last line without a newline counts; blank lines count)."""
    return text.count("\n") + (not text.endswith("\n"))


def check_max_rows(text: str, max_rows: int | None, what: str = "the CSV") -> None:
    """Refuse a text longer than `max_rows` lines before parsing it."""
    if max_rows is None:
        return
    _check.number("max_rows", max_rows, low=1, integer=True)
    lines = line_count(text)
    if lines > max_rows:
        raise ValueError(f"{what} has {lines:,} lines, more than max_rows={max_rows:,} (the simulator runs "
                         f"at most {max_rows - 1:,} requests and a header): cut it to whole days or cycles")


#: Large files are parsed this many rows at a time, so that the text cells of one chunk are alive at once.
CHUNK_ROWS = 250_000


def csv_chunks(text: str, **options):
    """`pandas.read_csv` over the text (fed as UTF-8 bytes, a byte a character for ASCII logs) in chunks of
    CHUNK_ROWS rows (options as for read_csv)."""
    with pd.read_csv(io.BytesIO(text.encode("utf-8")), chunksize=CHUNK_ROWS, **options) as reader:
        yield from reader
