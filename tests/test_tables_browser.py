"""The chapters' result tables as a reader sees them at 1280 px: none is wider than the text column unless
the column the prose discusses (the first value column) is fully in view; none is shown twice on a page;
sources are links, and no cell shows a number in scientific notation.

Runs on the built book (BOOK_HTML, or _build/html), served by the `book_url` fixture in conftest.py.
"""
from __future__ import annotations

import re

import pytest

PAGES = ["chapters/getting_started.html", "chapters/01_deployment_shape.html", "chapters/02_cold_starts.html",
         "chapters/03_concurrency_and_cost.html", "chapters/03b_managed_instances.html",
         "chapters/04_the_workload_decides.html", "chapters/appendix_model.html"]
WIDTH_PX, HEIGHT_PX = 1280, 900
SCIENTIFIC = re.compile(r"\d\.?\d*e[-+]\d+")

# For every output table: its width, the text column's width, where its first value column ends
# (relative to the text column's left edge), its text and its links.
MEASURE = """() => {
  const bareAddresses = (table) => {   // web addresses in text that is not inside a link
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    let n = 0;
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest('a')) n += (walker.currentNode.data.match(/https?:\\/\\//g) || []).length;
    }
    return n;
  };
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const left = column.getBoundingClientRect().left;
  const style = getComputedStyle(column);
  const inner = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [...document.querySelectorAll('.cell_output table')].map(table => {
    const box = table.getBoundingClientRect();
    const firstValue = table.querySelector('tbody tr td');
    return {width: table.scrollWidth, column: inner, left: box.left - left - parseFloat(style.paddingLeft),
            firstValueEnd: firstValue ? firstValue.getBoundingClientRect().right - left - parseFloat(style.paddingLeft) : 0,
            text: table.innerText, links: table.querySelectorAll('a[href^="http"]').length,
            addresses: bareAddresses(table)};
  });
}"""


@pytest.fixture(scope="module")
def measured(browser, book_url):
    """{page: its tables measured at 1280 x 900}."""
    context = browser.new_context(viewport={"width": WIDTH_PX, "height": HEIGHT_PX})
    page = context.new_page()
    out = {}
    for path in PAGES:
        page.goto(f"{book_url}/{path}", wait_until="load")
        out[path] = page.evaluate(MEASURE)
    context.close()
    return out


@pytest.mark.parametrize("path", PAGES)
def test_tables_fit_the_text_column_or_show_their_first_column(measured, path):
    tables = measured[path]
    assert tables, f"{path} shows no table"
    for k, table in enumerate(tables):
        if table["width"] <= table["column"] + 1:
            continue
        assert table["firstValueEnd"] <= table["column"] + 1, (
            f"{path}: table {k} is {table['width']:.0f} px wide in a {table['column']:.0f} px column, and its "
            f"first value column ends at {table['firstValueEnd']:.0f} px:\n{table['text'][:300]}")


@pytest.mark.parametrize("path", PAGES)
def test_no_table_is_shown_twice_and_none_uses_scientific_notation(measured, path):
    texts = [table["text"] for table in measured[path]]
    assert len(texts) == len(set(texts)), f"{path} shows the same table twice"
    for text in texts:
        assert not SCIENTIFIC.search(text), f"{path}: scientific notation in\n{text[:300]}"


def test_sources_in_tables_are_links(measured):
    """Every web address a table shows is a link (the appendix's sources, the chapter 2 price table)."""
    tables = [t for tables in measured.values() for t in tables]
    assert sum(t["links"] for t in tables) > 0, "no table links a source"
    for table in tables:
        assert table["addresses"] == 0, f"an address that is not a link in\n{table['text'][:300]}"
