"""Result tables for readers: rounded to meaningful digits, plain headers with units, money without
scientific notation, sources as links.

`table(frame)` reads each column's unit from its name (the package's naming: `_ms`, `_s`, `_usd`, `_rate`,
`_share`, `_se`) and returns a `ReaderTable`, which a notebook shows as HTML (links clickable) and as plain
text (the same cells). Only the formatting changes: every number is the one in `frame`.
"""
from __future__ import annotations

import functools
import html
import math
import re
import unicodedata
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

SIGNIFICANT = 3
MISSING = "–"
#: The fact sheet the code cites as "facts.md s.N", and the book page that publishes it.
FACTS_MD = Path(__file__).resolve().parents[1] / "docs" / "facts.md"
FACTS_PAGE = "facts.html"
FACTS_CITATION = re.compile(r"facts\.md((?:,?\s*s\.\s?\d+[a-z]?(?:\s+item\s+\d+)?)+)")
FACTS_SECTION = re.compile(r"s\.\s?(\d+[a-z]?)")

#: Name endings and the unit they carry, longest first (so "_per_s" is tried before "_s").
UNITS = tuple(sorted((("_usd_se", "USD"), ("_ms_se", "ms"), ("_s_se", "s"), ("_usd", "USD"), ("_ms", "ms"),
                      ("_s", "s"), ("_mb", "MB"), ("_gib", "GiB"), ("_per_s", "requests/s")),
                     key=lambda pair: -len(pair[0])))
PERCENT_ENDINGS = ("_rate", "_share", "_rate_se", "_share_se", "_fraction")
#: Words that read better than their abbreviation in a header.
WORDS = {"p50": "p50", "p99": "p99", "db": "DB", "usd": "USD", "cpu": "CPU", "io": "I/O", "vcpu": "vCPU",
         "se": "SE", "lmi": "LMI", "mb": "MB"}


def significant(x: float, digits: int = SIGNIFICANT) -> str:
    """`x` with `digits` significant digits in fixed notation and thousands separators (no exponent):
    600.531222 -> '601', 0.0114 -> '0.0114', 1643.55 -> '1,644'."""
    if not math.isfinite(x):
        return MISSING
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def money(x: float, short: bool = False) -> str:
    """Dollars, the book's one money format (tables, prose and axis ticks): cents from $1 up, three
    significant digits below, no trailing zeros past the cents ($1,643.55, $0.33, $0.0114, $0.000024).
    `short` (for an axis tick) drops the cents of a whole amount ($2, $1,500; $2.50 and $0.05 stay)."""
    if not math.isfinite(x):
        return MISSING
    if short and float(x).is_integer():
        return f"${x:,.0f}"
    if abs(x) >= 1 or x == 0:
        return f"${x:,.2f}"
    digits = significant(x).rstrip("0")
    return "$" + (digits + "0" if len(digits.split(".")[1]) < 2 else digits)


def percent(x: float, digits: int = 2) -> str:
    """A share as a percentage with `digits` significant digits (0.000614 -> '0.061%', 0.945 -> '94%'...
    and 1 -> '100%')."""
    if not math.isfinite(x):
        return MISSING
    if x == 0:
        return "0%"
    value = 100 * x
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}%"


def link(url: str, text: str | None = None) -> str:
    """An HTML link to `url`, shown as `text` or as the address without its scheme."""
    shown = text if text is not None else url.split("://", 1)[-1].removeprefix("www.")
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(shown)}</a>'


def _html_id(title: str) -> str:
    """The id Sphinx gives a section titled `title` (docutils' make_id: lower case, ASCII, runs of other
    characters as '-', no leading digits or hyphens)."""
    text = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", " ".join(text.split()))
    return re.sub(r"^[-0-9]+|-+$", "", text)


@functools.cache
def facts_anchors() -> dict[str, str]:
    """{section number ('4', '6a'): its anchor on the fact sheet page}, read from docs/facts.md
    (empty where the sheet is not beside the package)."""
    if not FACTS_MD.exists():
        return {}
    headings = re.findall(r"^#{2,4}\s+(\d+[a-z]?)\.\s+(.+)$", FACTS_MD.read_text(encoding="utf-8"), flags=re.M)
    return {number: _html_id(f"{number}. {title}") for number, title in headings}


def cite_facts(text: str, page: str = FACTS_PAGE) -> str:
    """`text` (HTML) with every "facts.md s.N" citation linked to section N of the fact sheet page."""
    anchors = facts_anchors()

    def sections(match):
        def one(section):
            anchor = anchors.get(section.group(1))
            return f'<a href="{page}#{anchor}">{section.group()}</a>' if anchor else section.group()
        return f'<a href="{page}">facts.md</a>' + FACTS_SECTION.sub(one, match.group(1))
    return FACTS_CITATION.sub(sections, text) if anchors else text


def header(name) -> str:
    """A plain-language header from a column name: 'latency_p99_ms' -> 'latency p99 (ms)',
    'cost_usd_se' -> '± SE (USD)', 'cache_hit_rate' -> 'cache hit rate' (its cells carry '%')."""
    if isinstance(name, tuple):
        return ", ".join(header(part) for part in name if part != "")
    if not isinstance(name, str):
        return str(name)
    unit = next((u for end, u in UNITS if name.endswith(end)), None)
    stem = name
    if unit is not None:
        end = next(end for end, u in UNITS if name.endswith(end))
        stem = name[: -len(end)] + ("_se" if end.endswith("_se") else "")
    if stem.endswith("_se"):
        words = "± SE"
    else:
        words = " ".join(WORDS.get(w, w) for w in stem.split("_"))
    return f"{words} ({unit})" if unit else words


def _formatter(name, values: pd.Series):
    if isinstance(name, tuple):
        name = next((part for part in name if isinstance(part, str) and part), "")
    if isinstance(name, str) and (name.endswith(("_usd", "_usd_se")) or "USD" in name):
        return money
    if isinstance(name, str) and name.endswith(PERCENT_ENDINGS + (" share", " rate")):
        return percent
    if isinstance(name, str) and name.endswith("_se") and pd.api.types.is_float_dtype(values):
        return lambda v: significant(v, 2)
    if pd.api.types.is_bool_dtype(values):
        return lambda v: "yes" if v else "no"
    if pd.api.types.is_integer_dtype(values):
        return lambda v: f"{v:,.0f}"
    if pd.api.types.is_float_dtype(values):
        finite = values[np.isfinite(values)]
        if len(finite) and (finite == finite.round()).all():   # counts stored as floats
            return lambda v: f"{v:,.0f}"
        return significant
    return None


def _value_formatter(label, value):
    """The formatter for one number in a column of mixed rows, read from its row's label."""
    kind = pd.Series([value])
    return _formatter(label, kind) if isinstance(value, (int, float, np.integer, np.floating)) else None


def _cell(value, formatter) -> str:
    """One cell as HTML: a number formatted, an address as a link, other text escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if formatter is not None and isinstance(value, (int, float, np.integer, np.floating)) \
            and not isinstance(value, bool):
        return html.escape(formatter(value))
    text = str(value)
    if text.startswith(("http://", "https://")) and " " not in text:
        return link(text)
    return cite_facts(_link_addresses(html.escape(text)))


def _link_addresses(escaped: str) -> str:
    """Web addresses inside a cell's (escaped) text as links."""
    return re.sub(r"https?://[^\s;,)<]+", lambda m: link(html.unescape(m.group())), escaped)


def _header(name, headers: Mapping) -> str:
    """A column's header: `headers[name]`, or for a column of a pivot each level's header joined."""
    if isinstance(name, tuple) and name not in headers:
        return ", ".join(_header(part, headers) for part in name if part != "")
    return headers.get(name, header(name))


def _index(index: pd.Index) -> pd.Index:
    """Row labels as text: whole numbers without a decimal point (1.0 -> '1'), others unchanged."""
    def label(v):
        if isinstance(v, (float, np.floating)) and math.isfinite(v):
            return f"{v:,.0f}" if float(v).is_integer() else significant(float(v))
        return v
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(label(v) for v in t) for t in index], names=index.names)
    return pd.Index([label(v) for v in index], name=index.name)


class ReaderTable:
    """A formatted table: `frame` holds the cells as HTML strings; shown as HTML and as plain text."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def _repr_html_(self) -> str:
        return self.frame.to_html(escape=False, classes="reader-table", border=0)

    def __repr__(self) -> str:
        plain = self.frame.map(lambda s: html.unescape(_strip_tags(s)))
        return plain.to_string()


def _strip_tags(cell: str) -> str:
    """The text of a cell: a whole-cell link shown by its address, other tags dropped."""
    if cell.startswith("<a href=") and cell.endswith("</a>") and cell.count("<a ") == 1 \
            and "://" in cell.split('"', 2)[1]:
        return cell.split('"', 2)[1]
    return re.sub(r"<[^>]+>", "", cell)


def _error(se: float, shown: str, unit=None) -> str:
    """A standard error with two significant digits, but no digit finer than its value shows
    ('905' and 6.2 -> '6'; '$0.0114' and 0.00031 -> '$0.0003'; '0.69%' and 0.00021 -> '0.02', in points)."""
    if unit is percent:
        se, shown = 100 * se, shown.rstrip("%")
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    text = significant(se, 2)
    if "." in text and len(text.split(".")[1]) > decimals:
        text = f"{se:,.{decimals}f}"
    return ("$" + text) if unit is money else text


def _se_pairs(columns) -> dict:
    """{standard-error column: the column it belongs to}: 'x_se' belongs to 'x', and a column named
    '± ...' to the column before it."""
    pairs, previous = {}, None
    for column in columns:
        if isinstance(column, str) and column.endswith("_se") and column[:-3] in columns:
            pairs[column] = column[:-3]
        elif isinstance(column, str) and column.startswith("±") and previous is not None:
            pairs[column] = previous
        previous = column if column not in pairs else previous
    return pairs


def table(frame: pd.DataFrame, headers: Mapping[str, str] | None = None,
          formats: Mapping[str, object] | str | None = None, transpose: bool = False) -> ReaderTable:
    """`frame` for a reader: numbers by their column's unit (see `header`), headers in words with units
    (`headers` overrides single ones, `formats` a column's formatter: a function of one number, or 'money',
    'percent', 'int', 'significant'; one of these names alone applies to every numeric column), index levels
    named the same way. A standard-error column ('x_se', or '± ...' after its column) joins its column's
    cells as 'value ± SE'. `transpose` shows columns as rows (after formatting,
    so each row keeps its unit)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    headers = dict(headers or {})
    named = {"money": money, "percent": percent, "int": lambda v: f"{v:,.0f}", "significant": significant}
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if isinstance(formats, str):
        formats = dict.fromkeys(numeric, formats)
    pairs = _se_pairs(list(frame.columns))
    cells, cells_format = {}, {}
    for column in frame.columns:
        chosen = (formats or {}).get(column)
        formatter = named[chosen] if isinstance(chosen, str) else chosen or _formatter(column, frame[column])
        cells_format[column] = formatter
        if formatter is None and frame[column].dtype == object:   # a transposed table: each row its unit
            cells[column] = [_cell(v, _value_formatter(label, v)) for label, v in zip(frame.index, frame[column])]
        else:
            cells[column] = [_cell(v, formatter) for v in frame[column].tolist()]
    for se_column, column in pairs.items():
        shown_format = cells_format.get(column)
        unit = shown_format if shown_format in (money, percent) else None
        se_cells = [_cell(e, lambda x, v=v: _error(x, v, unit))
                    for e, v in zip(frame[se_column].tolist(), cells[column])]
        cells[column] = [v if e == MISSING or float(e.lstrip("$").replace(",", "")) == 0 else f"{v} ± {e}"
                         for v, e in zip(cells[column], se_cells)]
        del cells[se_column]
    shown = [c for c in frame.columns if c not in pairs]
    out = pd.DataFrame(cells, index=_index(frame.index), columns=shown)
    out.columns = [_header(c, headers) + (" ± SE" if c in pairs.values() else "") for c in shown]
    out.index.names = [headers.get(n, header(n)) if n is not None else None for n in frame.index.names]
    if transpose:
        out = out.T
    return ReaderTable(out)
