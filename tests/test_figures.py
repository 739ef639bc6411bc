"""Every figure the book draws, printed as a notebook prints it: its text is at least MIN_TEXT_PX high at
the width the page shows it, the PNG records that size, and its value axes reach zero or mark the break.

The page shows an image at its own width up to PAGE_WIDTH_PX (measured in the built book,
tests/test_browser.py) and scales a wider one down to it, so a text of s points in an image printed at
d dpi and w pixels wide is s * d / 72 * min(w, PAGE_WIDTH_PX) / w pixels high on the page.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import matplotlib
import pytest
from IPython.core.pylabtools import print_figure
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from sim import plotting
from sim.plotting import MIN_TEXT_PX, PAGE_WIDTH_PX, PNG_TEXT_KEY

from figure_cases import FIGURES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("chapters/*.ipynb"), *ROOT.glob("labs/*.ipynb")])
#: A call in a notebook's code cell that draws a figure: a plot_ helper or a lab panel's show function.
FIGURE_CALL = re.compile(r"\b(\w+)\.(plot_\w+|show|\w+_show)\(")


def drawn_text_sizes_pt(figure: Figure) -> list[tuple[float, str]]:
    """(size in points, text) of every visible, non-empty text the figure drew."""
    return [(t.get_fontsize(), t.get_text()) for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def inline_png(figure: Figure) -> tuple[bytes, int]:
    """The PNG a notebook shows for `figure` (IPython's inline format: tight box at the figure's dpi), and that dpi."""
    return print_figure(figure, "png"), figure.dpi


def page_px(size_pt: float, dpi: float, image_width_px: int) -> float:
    return size_pt * dpi / 72.0 * min(image_width_px, PAGE_WIDTH_PX) / image_width_px


@pytest.fixture(scope="module", params=list(FIGURES), ids=list(FIGURES))
def drawn(request):
    figure = FIGURES[request.param]()
    assert isinstance(figure, Figure), f"{request.param} returned {type(figure).__name__}, not a Figure"
    png, dpi = inline_png(figure)
    return request.param, figure, png, dpi


def test_every_text_is_at_least_10_px_on_the_page_and_the_png_says_so(drawn):
    name, figure, png, dpi = drawn
    image = Image.open(io.BytesIO(png))
    width_px = image.size[0]
    sizes = drawn_text_sizes_pt(figure)
    assert sizes, f"{name}: no text drawn"
    small = [(round(page_px(size, dpi, width_px), 2), text) for size, text in sizes
             if page_px(size, dpi, width_px) < MIN_TEXT_PX - 1e-9]
    assert not small, f"{name}: texts below {MIN_TEXT_PX} px on the page (shown at {min(width_px, PAGE_WIDTH_PX)} px): {small[:8]}"
    recorded = float(image.text[PNG_TEXT_KEY])
    smallest_pt = min(size for size, _ in sizes)
    assert recorded == pytest.approx(smallest_pt * dpi / 72.0, abs=0.006), f"{name}: the PNG records {recorded} px"


def test_no_figure_is_wider_than_the_page_shows_it(drawn):
    """An image wider than PAGE_WIDTH_PX would be scaled down (and one much narrower is not at the page's size)."""
    name, _figure, png, _dpi = drawn
    width_px = Image.open(io.BytesIO(png)).size[0]
    assert 0.85 * PAGE_WIDTH_PX <= width_px <= PAGE_WIDTH_PX, f"{name}: {width_px} px wide"


def test_every_value_axis_reaches_zero_or_marks_its_break(drawn):
    name, figure, _png, _dpi = drawn
    assert plotting.value_axis_problems(figure) == [], name


def test_a_panel_figure_printed_for_its_widget_records_its_text_size():
    figure = FIGURES["panels.deployment_shape.show (lab 1)"]()
    image = Image.open(io.BytesIO(plotting.page_png(figure)))
    assert image.size[0] <= PAGE_WIDTH_PX
    assert float(image.text[PNG_TEXT_KEY]) >= MIN_TEXT_PX


def test_small_text_is_raised_and_the_old_sizes_would_fail():
    """A 10-inch figure with 9-point ticks at 100 dpi (as the book drew before) shows them at 8.3 px;
    drawn for the page, the same figure shows every text at 10 px or more."""
    with matplotlib.rc_context(plotting.STYLE):
        old = Figure(figsize=(10.0, 4.0), dpi=100, layout="constrained")
        ax = old.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.tick_params(labelsize=9)
        ax.set_title("title", fontsize=9)
    png, dpi = inline_png(old)
    width_px = Image.open(io.BytesIO(png)).size[0]
    assert page_px(9.0, dpi, width_px) < MIN_TEXT_PX
    fig, ax = plotting.new_figure(figsize=(10.0, 4.0))
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=9)
    ax.set_title("title", fontsize=9)
    png, dpi = inline_png(fig)
    width_px = Image.open(io.BytesIO(png)).size[0]
    assert min(page_px(size, dpi, width_px) for size, _ in drawn_text_sizes_pt(fig)) >= MIN_TEXT_PX - 1e-9


def test_an_axis_that_misses_zero_is_reported_until_it_reaches_zero_or_marks_the_break():
    fig, ax = plotting.new_figure()
    ax.plot([1, 2, 3], [205.0, 208.0, 211.0])
    (problem,) = plotting.value_axis_problems(fig)
    assert "y axis" in problem and "205" in problem.replace("204.7", "205")
    plotting.mark_axis_break(ax)
    assert plotting.value_axis_problems(fig) == []
    fig, ax = plotting.new_figure()
    ax.plot([1, 2, 3], [205.0, 208.0, 211.0])
    plotting.from_zero(ax)
    assert plotting.value_axis_problems(fig) == []
    assert ax.get_ylim()[0] == 0


def test_horizontal_bars_have_their_value_axis_along_x():
    fig, ax = plotting.new_figure()
    ax.barh(["Lambda", "Cloud Run"], [205.0, 211.0])
    ax.set_xlim(200, 212)
    (problem,) = plotting.value_axis_problems(fig)
    assert "x axis" in problem


def test_every_figure_helper_the_notebooks_call_has_a_case():
    called = set()
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                called |= {m.group(2) for m in FIGURE_CALL.finditer("".join(cell["source"]))}
    covered = {re.search(r"\.(\w+)(?: \(|$)", name).group(1) for name in FIGURES}
    assert called, "no figure call found in the notebooks"
    assert called <= covered, f"figure helpers the notebooks call with no case in tests/figure_cases.py: {called - covered}"
