"""Citations that identify the page: each source is cited by a short name of the page and its year,
e.g. [AWS: Lambda pricing, n.d.] or [Shahrad et al. 2020], instead of author-year labels that collide for
the many undated pages of one provider.

A pybtex label style (`titleyear`) and a formatting style that uses it (`titled`), registered when Sphinx
loads this extension; _config.yml selects them with `bibtex_default_style: titled` and
`bibtex_reference_style: label`. An entry's `shorttitle` field, where given, is its page name.
"""
from __future__ import annotations

import re

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle

#: Organisations as cited.
ORGANISATIONS = {"Amazon Web Services": "AWS", "Google Cloud": "Google Cloud", "Microsoft Azure": "Azure",
                 "The Apache Software Foundation": "Apache", "nginx": "nginx"}
#: Words a page name may drop when it repeats the organisation.
_PREFIXES = re.compile(r"^(AWS|Amazon|Google Cloud|Google)\s+")
MAX_WORDS = 7


def _plain(text: str) -> str:
    return re.sub(r"[{}\\]", "", text).strip()


def _who(entry) -> tuple[str, bool]:
    """(how the author is cited, whether it is an organisation)."""
    people = entry.persons.get("author", [])
    if not people:
        return "", False
    if len(people) == 1 and not people[0].first_names:
        name = _plain(str(people[0]))
        return ORGANISATIONS.get(name, name), True
    last = [_plain(" ".join(p.last_names)) for p in people]
    return (last[0] if len(last) == 1 else f"{last[0]} and {last[1]}" if len(last) == 2 else f"{last[0]} et al."), False


def _page_name(entry) -> str:
    short = entry.fields.get("shorttitle")
    if short:
        return _plain(short)
    title = _plain(entry.fields.get("title", entry.key))
    title = re.sub(r"\s*\([^)]*\)", "", title).replace(" -- ", ": ").strip()
    words = title.split()
    short = " ".join(words[:MAX_WORDS]).rstrip(":,;")
    return short + ("…" if len(words) > MAX_WORDS else "")


def label(entry) -> str:
    who, organisation = _who(entry)
    year = _plain(entry.fields.get("year", "")) or "n.d."
    if organisation or not who:
        name = _PREFIXES.sub("", _page_name(entry)) if who in ("AWS", "Google Cloud") else _page_name(entry)
        return f"{who}: {name}, {year}" if who else f"{name}, {year}"
    return f"{who} {year}"


class TitleYearLabelStyle(BaseLabelStyle):
    """Labels from the page's name and year; a label two entries would share gets the page name added."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [label(e) for e in entries]
        shared = {text for text in labels if labels.count(text) > 1}
        for k, entry in enumerate(entries):
            if labels[k] in shared and ": " not in labels[k]:
                who, year = labels[k].rsplit(" ", 1)
                labels[k] = f"{who}: {_page_name(entry)}, {year}"
        counts = {text: labels.count(text) for text in labels}
        seen = {}
        for k, text in enumerate(list(labels)):     # still equal (same page name and year): a, b, ...
            if counts[text] > 1:
                seen[text] = seen.get(text, 0) + 1
                labels[k] = f"{text}{chr(ord('a') + seen[text] - 1)}"
        yield from labels


class TitledStyle(UnsrtStyle):
    default_label_style = "titleyear"


def setup(app) -> dict:
    register_plugin("pybtex.style.labels", "titleyear", TitleYearLabelStyle)
    register_plugin("pybtex.style.formatting", "titled", TitledStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
