"""Every citation resolves inside the repository: the fact sheet and the design the code cites are files of
the project (docs/), kept in step with the shared originals and with sim.prices; no file points outside."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.prices import price_table

ROOT = Path(__file__).resolve().parents[1]
FACTS, DESIGN = ROOT / "docs" / "facts.md", ROOT / "docs" / "design.md"
SHARED = ROOT.parent / "shared"
#: What the repository's text may not point at: the workplace's shared folder or absolute paths on this machine.
OUTSIDE = re.compile(r"\.\./shared\b|/work/")
SOURCES = [*ROOT.glob("sim/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("tools/*"), *ROOT.glob("chapters/*"),
           *ROOT.glob("labs/*.ipynb"), *ROOT.glob("instructors/**/*.md"), *ROOT.glob("*.md"), *ROOT.glob("*.yml"),
           ROOT / "references.bib", *ROOT.glob("_ext/*"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("benchmarks/*.md")]


def facts_sections() -> set[str]:
    """The numbers of the fact sheet's sections ("1", "1a", ..., "10")."""
    return set(re.findall(r"^#{2,3} (\d+[a-z]?)\. ", FACTS.read_text(encoding="utf-8"), flags=re.MULTILINE))


@pytest.mark.parametrize("copy, original", [(FACTS, SHARED / "facts.md"), (DESIGN, SHARED / "DESIGN.md")],
                         ids=["facts", "design"])
def test_the_repository_copies_match_the_shared_originals_where_those_are_beside_it(copy, original):
    assert copy.is_file() and copy.stat().st_size > 1000, f"{copy} is missing or empty"
    if original.is_file():      # a clone on its own has only the copy; beside the workplace both must agree
        assert copy.read_bytes() == original.read_bytes(), f"{copy} differs from {original}: copy it again"


def test_every_fact_sheet_section_the_code_and_pages_cite_exists():
    sections = facts_sections()
    assert {"1", "1a", "5", "9", "10"} <= sections
    cited = {}
    for path in SOURCES:
        if path.is_file() and path != FACTS:
            for number in re.findall(r"facts\.md,? s(?:ection|\.)\s?(\d+[a-z]?)", path.read_text(encoding="utf-8")):
                cited.setdefault(number, path.relative_to(ROOT))
    assert cited, "no citation of the fact sheet found"
    missing = {n: str(p) for n, p in cited.items() if n not in sections}
    assert not missing, f"cited sections that the fact sheet does not have: {missing}"


def test_every_price_source_is_named_in_the_fact_sheet():
    facts = FACTS.read_text(encoding="utf-8")
    table = price_table()
    missing = [f"{row.table} {row.item}: {row.source}" for row in table.itertuples()
               if row.source.split("#")[0].rstrip("/") not in facts]
    assert not missing, missing


def test_nothing_points_outside_the_repository():
    found = []
    for path in SOURCES:
        if path.is_file() and path.suffix not in (".png", ".pyc"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line) and "OUTSIDE" not in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "\n".join(found)
