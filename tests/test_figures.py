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


def inline_png(figure: Figure) -> tuple[bytes, float]:
    """The PNG a notebook shows for `figure` (IPython's inline format: a tight box at the figure's dpi), and
    the dpi it was printed at (its pHYs chunk, in whole pixels per metre)."""
    png = print_figure(figure, "png")
    return png, Image.open(io.BytesIO(png)).info["dpi"][0]


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
    # 0.01 px: the pHYs chunk rounds the dpi to whole pixels per metre (at most 0.04% off)
    small = [(round(page_px(size, dpi, width_px), 2), text) for size, text in sizes
             if page_px(size, dpi, width_px) < MIN_TEXT_PX - 0.01]
    assert not small, f"{name}: texts below {MIN_TEXT_PX} px on the page (shown at {min(width_px, PAGE_WIDTH_PX)} px): {small[:8]}"
    recorded = float(image.text[PNG_TEXT_KEY])
    smallest_pt = min(size for size, _ in sizes)
    assert recorded == pytest.approx(smallest_pt * dpi / 72.0, abs=0.01), f"{name}: the PNG records {recorded} px"


def test_no_figure_is_wider_than_the_page_shows_it(drawn):
    """An image wider than PAGE_WIDTH_PX would be scaled down (and one much narrower is not at the page's size)."""
    name, _figure, png, _dpi = drawn
    width_px = Image.open(io.BytesIO(png)).size[0]
    assert 0.85 * PAGE_WIDTH_PX <= width_px <= PAGE_WIDTH_PX, f"{name}: {width_px} px wide"


def test_every_value_axis_reaches_zero_or_marks_its_break(drawn):
    name, figure, _png, _dpi = drawn
    assert plotting.value_axis_problems(figure) == [], name


def test_every_axis_places_its_ticks_at_their_values_or_says_how_it_is_spaced(drawn):
    name, figure, _png, _dpi = drawn
    assert plotting.spacing_problems(figure) == [], name


def test_uneven_values_spaced_evenly_are_reported_until_the_label_says_so():
    shares = [0.0, 0.5, 0.9, 0.98]
    fig, ax = plotting.new_figure()
    ax.plot(range(len(shares)), [3.0, 2.0, 1.5, 1.2])
    ax.set_xticks(range(len(shares)), [f"{s:.0%}" for s in shares])
    ax.set_xlabel("I/O share")
    (problem,) = plotting.spacing_problems(fig)
    assert "x axis ticks 0%, 50%, 90%, 98%" in problem
    ax.set_xlabel("I/O share (categories, not to scale)")
    assert plotting.spacing_problems(fig) == []
    fig, ax = plotting.new_figure()
    ax.plot([100 * s for s in shares], [3.0, 2.0, 1.5, 1.2])       # placed at their values
    ax.set_xlabel("I/O share (%)")
    assert plotting.spacing_problems(fig) == []


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
    assert min(page_px(size, dpi, width_px) for size, _ in drawn_text_sizes_pt(fig)) >= MIN_TEXT_PX - 0.01


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
