"""Labs 1-4 in the built book, as Chromium shows them: their result sentences read with their numbers (displayed by
the labs' own code, whose input the book removes), with no raw glue key, no unknown directive and no plumbing;
the chapter links lead to the chapters' pages. The same labs in JupyterLab: tests/test_jupyterlab.py."""
from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT
from sim import labtext

#: Each lab and the chapter it goes with.
LABS = {"01_deployment_shape": "01_deployment_shape", "02_cold_starts": "02_cold_starts",
        "03_concurrency_and_cost": "03_concurrency_and_cost", "04_your_workload_decides": "04_the_workload_decides"}
#: A glue role or key, MyST's unknown-directive box, a glue call, or a sentence cell's code (a line that starts with
#: the helper's call; a worked solution may use it inside its code).
RAW = re.compile(r"\{glue(:[a-z]+)?\}|\blab[1-4]_[a-z0-9_]+\b|Unknown (Directive|Role)|\bglue\(|^labtext\.", re.MULTILINE)


def _sentences(lab: str) -> list[str]:
    """The Markdown each sentence cell, or answer cell (tagged answer-data), displayed when the lab was executed
    (its stored output)."""
    nb = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
    return ["".join(o["data"]["text/markdown"]) for c in nb.cells if c.cell_type == "code"
            and (c.source.startswith("labtext.") or "answer-data" in c.metadata.get("tags", []))
            for o in c.outputs if "text/markdown" in o.get("data", {})]


def _article_text(page) -> str:
    text = page.inner_text("article").replace("\u2019", "'")     # Sphinx's smart quotes
    return " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split())


def _lines(markdown: str) -> list[str]:
    """A sentence's lines as a reader sees them: no emphasis or code marks, no list bullets."""
    return [re.sub(r"^- ", "", re.sub(r"[*`]", "", line).strip()) for line in markdown.splitlines() if line.strip()]


@pytest.mark.parametrize("lab", list(LABS))
def test_lab_page_reads_its_sentences_with_their_numbers(browser, book_url, lab):
    page = browser.new_page()
    try:
        page.goto(f"{book_url}/labs/{lab}.html")
        sentences = _sentences(lab)
        assert sentences
        # An answer a cell displays folded stays hidden until the reader opens it.
        answers = [labtext.unfold(s)[1] for s in sentences if labtext.unfold(s)]
        closed = _article_text(page)
        assert not [a for a in answers if _lines(a)[0] in closed], f"{lab}: an answer shows before it is opened"
        opened = page.evaluate("() => { const ds = [...document.querySelectorAll('article details')];"
                               " ds.forEach(d => { d.open = true; }); return ds.length; }")
        assert opened >= len(answers)
        text = _article_text(page)
        found = RAW.search(text)
        assert not found, f"{lab}: {found.group(0)!r} visible"
        for sentence in sentences:
            folded = labtext.unfold(sentence)
            for words in _lines(folded[1] if folded else sentence):     # each line, with its numbers
                assert re.search(r"\d", sentence) and words in text, f"{lab}: {words!r}"
        if lab == "04_your_workload_decides":       # the figures a code cell shows, with their captions
            for name in ("fig-lab4-defaults", "fig-lab4-map"):
                assert page.locator(f"figure#{name} img").count() == 1, name
        links = page.eval_on_selector_all("article a[href*='chapters/']", "es => es.map(e => e.getAttribute('href'))")
        assert f"../chapters/{LABS[lab]}.html" in links
        assert "../chapters/glossary.html" in links
    finally:
        page.close()
