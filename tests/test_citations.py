"""Citations identify their page: every entry of references.bib gets its own readable label."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("citations", ROOT / "_ext" / "citations.py")
citations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(citations)


def labels() -> dict[str, str]:
    entries = list(parse_file(str(ROOT / "references.bib")).entries.values())
    return dict(zip((e.key for e in entries), citations.TitleYearLabelStyle().format_labels(entries)))


def test_every_source_has_a_distinct_label():
    found = labels()
    assert len(found) == len(set(found.values())), sorted(found.values())


def test_labels_name_the_organisation_the_page_and_the_year():
    found = labels()
    assert found["shahrad2020"] == "Shahrad et al. 2020"
    pages = [text for text in found.values() if text.startswith("AWS: ")]
    assert len(pages) >= 10 and all(text.endswith((", n.d.",)) or text[-4:].isdigit() or text[-5:-1].isdigit()
                                    for text in pages), pages
    assert not any(text.startswith("Amazon Web Services") for text in found.values())


def test_a_label_two_entries_would_share_gets_a_letter():
    from pybtex.database import Entry, Person
    a = Entry("misc", fields={"title": "Pricing", "year": "2024"}, persons={"author": [Person("{Google Cloud}")]})
    b = Entry("misc", fields={"title": "Pricing", "year": "2024"}, persons={"author": [Person("{Google Cloud}")]})
    a.key, b.key = "a", "b"
    assert list(citations.TitleYearLabelStyle().format_labels([a, b])) == ["Google Cloud: Pricing, 2024a",
                                                                          "Google Cloud: Pricing, 2024b"]
