"""The built book, as a reader's browser shows it: every page in _toc.yml loads, its figures load and have
alt text, its glued numbers are filled in, its formulas and widgets render, and the console shows no unexpected error.

The book serves every script its pages load (MathJax, the widget manager, Vega: _ext/vendor_js.py), so the
browser aborts every request that leaves 127.0.0.1, and any such request fails the test: the built book works
with no network.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser fixture then skips (or fails on CI) with the reason
    PlaywrightTimeout = TimeoutError

ROOT = Path(__file__).resolve().parents[1]

# Console messages that the Jupyter Book 1 theme stack prints on every page, with why each is harmless.
ALLOWED_CONSOLE = {
    # sphinx-book-theme and sphinx-thebe both emit the same inline `const THEBE_JS_URL` script.
    "duplicate THEBE_JS_URL script": re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),
    # pydata-sphinx-theme finds no stored light/dark choice in a fresh browser profile and resets to "auto".
    "fresh profile theme mode": re.compile(r"Got invalid theme mode"),
}
# Same-origin 404s that are not the book's fault, with why each is harmless.
ALLOWED_404 = {
    # Browsers ask for /favicon.ico; the book sets no favicon.
    "favicon": re.compile(r"/favicon\.ico$"),
    # html-manager 1.0.6's bundled CSS names its Font Awesome fonts by a page-relative path (upstream bug);
    # only icon glyphs would use them and the book's widgets show none.
    "widget icon fonts": re.compile(r"/@jupyter-widgets/.*\.(woff2?|ttf|eot|svg)$"),
}
GLUE_ROLE = re.compile(r"\{glue(?::text|:any|:math)?\}`")
GLUE_FIGURE = re.compile(r"```\{glue:figure\}|:::\{glue:figure\}")
GLUED_SELECTOR = "span.pasted-text, span.pasted-math, p span.output, li span.output, td span.output"


@dataclass
class Page:
    """One page of the book and what its source says the HTML must contain."""
    docname: str
    source: Path
    glue_roles: int = 0
    glue_figures: int = 0
    widget_views: int = 0
    slider_models: int = 0
    html: str = field(init=False)

    def __post_init__(self):
        self.html = f"{self.docname}.html"

    def __str__(self):
        return self.docname


def toc_docnames(toc: dict) -> list[str]:
    """Every file named in a jb-book _toc.yml, root first, in reading order."""
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return names


def markdown_text(source: Path) -> str:
    """The Markdown a page is written in (for a notebook: its Markdown cells)."""
    if source.suffix == ".ipynb":
        notebook = json.loads(source.read_text(encoding="utf-8"))
        return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return source.read_text(encoding="utf-8")


def widget_counts(source: Path) -> tuple[int, int]:
    """(widget views shown in outputs, slider models in the stored widget state) of a notebook."""
    if source.suffix != ".ipynb":
        return 0, 0
    notebook = json.loads(source.read_text(encoding="utf-8"))
    views = sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                for cell in notebook["cells"] for output in cell.get("outputs", []))
    state = notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    sliders = sum(model.get("model_name", "").endswith("SliderModel") for model in state.get("state", {}).values())
    return views, sliders


def book_pages() -> list[Page]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = []
    for docname in toc_docnames(toc):
        docname = re.sub(r"\.(md|ipynb)$", "", docname)
        sources = [p for p in (ROOT / f"{docname}.ipynb", ROOT / f"{docname}.md") if p.is_file()]
        if not sources:
            raise FileNotFoundError(f"_toc.yml names {docname!r} but neither {docname}.ipynb nor {docname}.md exists")
        source = sources[0]
        text = markdown_text(source)
        views, sliders = widget_counts(source)
        pages.append(Page(docname, source, len(GLUE_ROLE.findall(text)), len(GLUE_FIGURE.findall(text)), views, sliders))
    return pages


PAGES = book_pages()


class Visit:
    """Loads one page with external requests answered locally or refused, and records what went wrong."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.external: list[str] = []
        self.not_found: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._error(f"uncaught: {error}"))
        self.page.on("response", self._response)
        self.page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith("data:"):
            return route.continue_()
        self.external.append(url)
        return route.abort("blockedbyclient")

    def _response(self, response):
        if response.status == 404 and response.url.startswith(self.base_url):
            path = urlparse(response.url).path
            if not any(pattern.search(path) for pattern in ALLOWED_404.values()):
                self.not_found.append(path)

    def _console(self, message):
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and "404" in message.text:
            return  # judged from the response itself, in _response
        self._error(f"console: {message.text}")

    def _error(self, text: str):
        if not any(pattern.search(text) for pattern in ALLOWED_CONSOLE.values()):
            self.console_errors.append(text)

    def open(self, path: str):
        response = self.page.goto(f"{self.base_url}/{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return response


WAIT_FOR_IMAGES = """async () => {
    const imgs = [...document.images];
    for (const img of imgs) { img.loading = "eager"; }
    await Promise.all(imgs.map(img => img.complete ? null
        : new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
    return imgs.map(img => ({src: img.getAttribute("src"), alt: img.getAttribute("alt"),
                             loaded: img.complete && img.naturalWidth > 0,
                             inWidget: !!img.closest(".widget-subarea")}));
}"""


@pytest.fixture
def visit(browser, book_url):
    visit = Visit(browser, book_url)
    yield visit
    visit.page.close()


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_loads_with_its_images_glue_and_widgets_and_a_clean_console(visit, page: Page):
    response = visit.open(page.html)
    assert response is not None and response.status == 200, f"{page.html}: HTTP {response and response.status}"

    images = visit.page.evaluate(WAIT_FOR_IMAGES)
    broken = [img["src"] for img in images if not img["loaded"]]
    assert not broken, f"{page.html}: images that did not load: {broken}"
    no_alt = [img["src"] for img in images
              if not img["inWidget"] and (not img["alt"] or img["alt"].endswith((".png", ".svg", ".jpg")))]
    assert not no_alt, f"{page.html}: figures without alt text (give them :alt: or mystnb image alt): {no_alt}"
    figures = visit.page.locator("figure img").count()
    assert figures >= page.glue_figures, f"{page.html}: {page.glue_figures} glue figures in the source, {figures} shown"

    # textContent, not innerText: a value inside a collapsed dropdown (a Think! answer) is hidden but present.
    glued = visit.page.locator(GLUED_SELECTOR).evaluate_all("nodes => nodes.map(n => n.textContent)")
    empty = [i for i, text in enumerate(glued) if not text.strip()]
    assert not empty, f"{page.html}: glued values with no text (positions {empty})"
    filled = len(glued) - len(empty)
    assert filled >= page.glue_roles, f"{page.html}: the source glues {page.glue_roles} values, the page shows {filled}"

    if page.widget_views:
        try:
            visit.page.wait_for_selector(".widget-subarea", timeout=15_000)
        except PlaywrightTimeout:
            pytest.fail(f"{page.html}: no widget rendered within 15 s; console errors: {visit.console_errors}; "
                        f"external requests refused: {visit.external}", pytrace=False)
        rendered = visit.page.evaluate("""() => [...document.querySelectorAll(
            'script[type="application/vnd.jupyter.widget-view+json"]')].map(
            s => !!s.parentElement.querySelector('.widget-subarea > *'))""")
        assert rendered and all(rendered), f"{page.html}: widget views not rendered: {rendered}"
    if visit.page.locator("span.math, div.math").count():
        try:
            visit.page.wait_for_selector("mjx-container", timeout=15_000)
        except PlaywrightTimeout:
            pytest.fail(f"{page.html}: MathJax rendered no formula within 15 s; console errors: {visit.console_errors}; "
                        f"external requests refused: {visit.external}", pytrace=False)
    if page.slider_models:
        slider = visit.page.locator(".widget-slider").first
        slider.wait_for(state="visible", timeout=20_000)
        assert slider.is_visible(), f"{page.html}: the slider is not visible"

    assert not visit.external, f"{page.html}: requests to outside hosts (the book must work offline): {visit.external}"
    assert not visit.not_found, f"{page.html}: missing files (HTTP 404): {visit.not_found}"
    assert not visit.console_errors, f"{page.html}: unexpected console errors: {visit.console_errors}"


def test_the_toc_names_at_least_one_page_with_glue_and_one_with_a_widget():
    assert any(p.glue_roles for p in PAGES), "no page in _toc.yml glues a computed number"
    assert any(p.slider_models for p in PAGES), "no page in _toc.yml stores a slider widget"


def test_index_redirects_to_the_root_page(visit):
    response = visit.open("index.html")
    assert response is not None and response.status == 200
    visit.page.wait_for_url(re.compile(rf"/{re.escape(PAGES[0].html)}$"), timeout=10_000)


# ---------------------------------------------------------------- HTML twins: charts that move without a kernel
TWIN_PAGES = [p for p in PAGES if p.source.suffix == ".ipynb" and 'class=\\"twin\\"' in p.source.read_text(encoding="utf-8")]
TWIN_BUDGET_GZIP_BYTES = 400_000

READ_TWIN = """(el) => {
    const marks = (name) => [...el.querySelectorAll(`g.role-mark.${name}_marks path, g.role-mark.${name}_marks text`)]
        .map(m => m.getAttribute('aria-label')).filter(Boolean);
    const groups = [...el.querySelectorAll('g.role-mark')].map(g => [...g.classList].find(c => c.endsWith('_marks')));
    return {groups, marks: Object.fromEntries(groups.filter(Boolean).map(g => [g, marks(g.replace(/_marks$/, ''))]))};
}"""
READ_CONTROLS = """(box) => [...box.querySelectorAll('input, select')].map(i => ({
    name: i.name, type: i.tagName === 'SELECT' ? 'select' : i.type, value: i.value, checked: i.checked,
    min: i.min, max: i.max,
    options: i.tagName === 'SELECT' ? [...i.options].map(o => o.value) : null}))"""


def _aria(label: str) -> dict:
    """'a: 1; b: x' -> {'a': '1', 'b': 'x'} (Vega's description of a mark)."""
    return dict(part.split(": ", 1) for part in label.split("; "))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _twin_spec(page, element: str) -> dict:
    return json.loads(page.locator(f"#{element}-spec").text_content())


def _point(spec: dict, controls: list[dict]) -> dict:
    """The grid point the page's controls show: param name -> value (as in the data)."""
    point = {}
    for param in spec["params"]:
        name, bind = param["name"], param["bind"]
        inputs = [c for c in controls if c["name"] == name]
        assert inputs, f"no input for {name}"
        kind = bind["input"]
        if kind == "range":
            point[name] = float(inputs[0]["value"])
        elif kind == "checkbox":
            point[name] = bool(inputs[0]["checked"])
        else:
            chosen = [c["value"] for c in inputs if c["checked"]] if kind == "radio" else [inputs[0]["value"]]
            (value,) = chosen
            (point[name],) = [o for o in bind["options"] if str(o) == value or (
                isinstance(o, (int, float)) and not isinstance(o, bool) and _is_float(value) and float(value) == o)]
    return point


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rows_at(spec: dict, prefix: str, point: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    field = {p["name"]: p["name"][len(prefix) + 1:] for p in spec["params"]}

    def match(row):
        for name, value in point.items():
            got = row[field[name]]
            if isinstance(value, bool) or isinstance(got, (str, bool)):
                if got != value:
                    return False
            elif abs(got - value) > 1e-9 * max(1, abs(value)):
                return False
        return True
    return [row for row in rows if match(row)]


def _group(drawn: dict, name: str) -> list[str]:
    """The marks of the mark group named `name` (Vega-Lite may add a suffix such as `_2`)."""
    (key,) = [k for k in drawn if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    return drawn[key]


def _check_panel_marks(drawn: dict, prefix: str, rows: list[dict], where: str) -> None:
    """The table's text marks and every bar show the rows of this point."""
    expected = {(r["config"], r["metric"]): r for r in rows}
    table = [_aria(label) for label in _group(drawn, f"{prefix}_table")]
    assert len(table) == len(expected), f"{where}: table shows {len(table)} cells, the point has {len(expected)}"
    for cell in table:
        row = expected[(cell["config"], cell["metric"])]
        if row["num"] is None:
            assert cell["shown"] == row["txt"], f"{where}: {cell} against {row}"
        else:
            assert _number(cell["shown"]) == pytest.approx(row["num"], rel=1e-9, abs=1e-12), f"{where}: {cell} against {row}"
    bar_groups = [g for g in drawn if g.startswith(f"{prefix}_bars_")]
    assert bar_groups, f"{where}: no bars drawn"
    for group in bar_groups:
        for label in drawn[group]:
            bar = _aria(label)
            (metric,) = set(bar) - {"config", "num", "platform"}
            assert float(bar["num"]) == pytest.approx(expected[(bar["config"], metric)]["num"], rel=1e-9), \
                f"{where}: bar {bar} against {expected[(bar['config'], metric)]}"


def _check_sweep_marks(drawn: dict, spec: dict, prefix: str, rows: list[dict], where: str) -> None:
    """Every point drawn is a row of this point, and every row is drawn."""
    layer = next(layer for layer in spec["layer"] if layer.get("name") == f"{prefix}_points")
    x, y = layer["encoding"]["x"], layer["encoding"]["y"]
    series = layer["encoding"]["color"]["field"]
    drawn_points = sorted((float(p[x["title"]].replace(",", "")), float(p[y["title"]].replace(",", "")), p["series"])
                          for p in map(_aria, _group(drawn, f"{prefix}_points")))
    expected = sorted((float(r[x["field"]]), float(r[y["field"]]), r[series]) for r in rows)
    assert len(drawn_points) == len(expected), f"{where}: {len(drawn_points)} points drawn, {len(expected)} expected"
    for got, want in zip(drawn_points, expected):
        assert got[2] == want[2] and got[0] == pytest.approx(want[0]) and got[1] == pytest.approx(want[1], rel=1e-9, abs=1e-12), \
            f"{where}: drawn {got}, expected {want}"


def _keys_for(control: dict, controls: list[dict]) -> str:
    """The key that moves a control one step (back at its end)."""
    if control["type"] == "range":
        return "ArrowLeft" if float(control["value"]) >= float(control["max"]) else "ArrowRight"
    if control["type"] == "select":
        return "ArrowUp" if control["value"] == control["options"][-1] else "ArrowDown"
    if control["type"] == "checkbox":
        return "Space"
    return "ArrowRight"     # radio: the next option (wrapping round)


def _values(rows: list[dict], controls: set) -> list:
    """What a point shows: its rows without the settings that select them."""
    return sorted(json.dumps({k: v for k, v in r.items() if k not in controls}, sort_keys=True) for r in rows)


def _wait_for_marks(chart, check, where: str) -> dict:
    """The drawn marks once `check(drawn)` passes (Vega redraws asynchronously), or its failure after 5 s."""
    for _ in range(50):
        drawn = chart.evaluate(READ_TWIN)["marks"]
        try:
            check(drawn)
            return drawn
        except (AssertionError, KeyError, ValueError):
            chart.page.wait_for_timeout(100)
    drawn = chart.evaluate(READ_TWIN)["marks"]
    check(drawn)
    return drawn


@pytest.mark.parametrize("page", TWIN_PAGES, ids=str)
def test_every_twin_control_moves_its_marks_to_the_precomputed_values(visit, page: Page):
    """Each control is moved from the keyboard, step by step, until the data says the figure must change;
    then the drawn bars, table cells or points must be exactly that point's precomputed rows."""
    visit.open(page.html)
    figures = visit.page.locator("figure.twin")
    count = figures.count()
    assert count, f"{page.html}: no twin on the page"
    visit.page.wait_for_function(f"document.querySelectorAll('[data-twin-ready]').length === {count}", timeout=20_000)
    for k in range(count):
        chart = figures.nth(k).locator(".twin-chart")
        element = chart.get_attribute("id")
        prefix = element[len("twin-"):].replace("-", "_")
        spec = _twin_spec(visit.page, element)
        box = visit.page.locator(f"#{element}-controls")
        kind = "panel" if f"{prefix}_table" in json.dumps(spec) else "sweep"
        fields = {p["name"][len(prefix) + 1:] for p in spec["params"]}

        def check(rows, where):
            if kind == "panel":
                return lambda drawn: _check_panel_marks(drawn, prefix, rows, where)
            return lambda drawn: _check_sweep_marks(drawn, spec, prefix, rows, where)

        point = _point(spec, box.evaluate(READ_CONTROLS))
        rows = _rows_at(spec, prefix, point)
        drawn = _wait_for_marks(chart, check(rows, f"{page.html} {element} at its defaults {point}"), element)
        # A reader reads values off the axes: every chart draws its x and y axes (a sweep, one of each).
        axes = chart.evaluate("c => [...c.querySelectorAll(\"[aria-roledescription='axis']\")]"
                              ".map(e => e.getAttribute('aria-label'))")
        ys, xs = [a for a in axes if a.startswith("Y-axis")], [a for a in axes if a.startswith("X-axis")]
        assert ys and xs, f"{page.html} {element}: axes drawn {axes}"
        assert kind == "panel" or (len(ys), len(xs)) == (1, 1), f"{page.html} {element}: axes drawn {axes}"
        for param in spec["params"]:
            name = param["name"]
            options = param["bind"].get("options") or [None] * 12
            before_values, before_drawn = _values(rows, fields), drawn
            for _step in range(len(options) + 1):
                controls = box.evaluate(READ_CONTROLS)
                control = next(c for c in controls if c["name"] == name and (c["type"] != "radio" or c["checked"]))
                box.locator(f'[name="{name}"]' + (":checked" if control["type"] == "radio" else "")).first.focus()
                visit.page.keyboard.press(_keys_for(control, controls))
                point = _point(spec, box.evaluate(READ_CONTROLS))
                rows = _rows_at(spec, prefix, point)
                assert rows, f"{page.html} {element}: {point} is not in the grid"
                if _values(rows, fields) != before_values:
                    break
            else:
                pytest.fail(f"{page.html} {element}: no value of {name} changes what the chart shows at {point}")
            where = f"{page.html} {element} after moving {name} to {point}"
            drawn = _wait_for_marks(chart, check(rows, where), where)
            assert drawn != before_drawn, f"{where}: the data changed but the drawn marks did not"
    assert not visit.external, f"{page.html}: requests to outside hosts: {visit.external}"
    assert not visit.console_errors, f"{page.html}: unexpected console errors: {visit.console_errors}"


def _gzip_size(data: bytes) -> int:
    import gzip
    return len(gzip.compress(data, compresslevel=9))


@pytest.mark.parametrize("page", TWIN_PAGES, ids=str)
def test_twins_add_at_most_400_kb_gzip_to_a_page(book_html, page: Page):
    html = (book_html / page.html).read_text(encoding="utf-8")
    specs = re.findall(r'<script type="application/json" id="twin-[a-z0-9-]+-spec">.*?</script>', html, re.DOTALL)
    assert specs, f"{page.html}: no twin data in the built page"
    scripts = (re.findall(r'src="([^"]*_static/vendor/npm/vega[^"?]+)', html)
               + re.findall(r'href="([^"]*_static/twins/[^"?]+)', html))
    assert len(scripts) == 4, f"{page.html}: expected vega, vega-lite, vega-embed and the CSS, found {scripts}"
    added = _gzip_size("".join(specs).encode()) + sum(
        _gzip_size((book_html / page.html).parent.joinpath(src).resolve().read_bytes()) for src in scripts)
    assert added <= TWIN_BUDGET_GZIP_BYTES, f"{page.html}: twins add {added:,} bytes gzip"


def test_pages_without_a_twin_load_no_vega(book_html):
    for page in PAGES:
        if page in TWIN_PAGES:
            continue
        html = (book_html / page.html).read_text(encoding="utf-8")
        assert "_static/twins/" not in html and "/vega" not in html, page.html


def test_a_twin_without_vega_shows_its_note_and_logs_no_error(browser):
    """Where the page has no Vega (JupyterLab running a trusted cell), the twin keeps its one-line note."""
    from sim.chapter_twins import keepalive_grid
    from sim.twins import Control, sweep_twin
    grid = keepalive_grid(keep_alives_s=(120.0, 240.0), mean_gaps_s=(60.0, 600.0))
    twin = sweep_twin("bare", grid, x="mean_gap_s", x_title="gap", y="cold_share", y_title="cold share",
                      series="series", controls=[Control("keep_alive_s", "T", (120.0, 240.0), 120.0, kind="radio")],
                      what="a test")
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(f"<html><body>{twin._repr_html_()}</body></html>")
    assert page.locator(".twin-fallback").is_visible()
    assert not errors
    page.close()


def test_the_book_works_from_a_folder_with_no_network(browser, book_html):
    """Opened from disk (file://), every request off the disk aborted: formulas, widgets and twins still render."""
    page = browser.new_page()
    external, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        external.append(r.request.url)
        return r.abort("internetdisconnected")
    page.route("**/*", route)
    checked = {"math": False, "widgets": False, "twins": False}
    for source in PAGES:
        html = (book_html / source.html).read_text(encoding="utf-8")
        wants_math = 'class="math' in html
        wants_widgets = source.widget_views > 0
        wants_twins = 'class="twin"' in html
        if not (wants_math or wants_widgets or wants_twins):
            continue
        page.goto((book_html / source.html).as_uri(), wait_until="load")
        if wants_math:
            page.wait_for_selector("mjx-container", timeout=15_000)
            checked["math"] = True
        if wants_widgets:
            page.wait_for_selector(".widget-subarea > *", timeout=15_000)
            checked["widgets"] = True
        if wants_twins:
            count = page.locator("figure.twin").count()
            page.wait_for_function(f"document.querySelectorAll('[data-twin-ready]').length === {count}", timeout=15_000)
            checked["twins"] = True
    page.close()
    assert all(checked.values()), f"no page exercised {[k for k, v in checked.items() if not v]}"
    assert not external, f"requests that needed a network: {sorted(set(external))[:10]}"
    unexpected = [e for e in errors if not any(p.search(e) for p in ALLOWED_CONSOLE.values())]
    assert not unexpected, unexpected


LAB_PAGES = [p for p in PAGES if p.docname.startswith("labs/")]


@pytest.mark.parametrize("page", LAB_PAGES, ids=str)
def test_worked_solutions_stay_folded_until_opened(visit, page: Page):
    """Each worked solution's code and output sit behind one toggle, as the labs say, and open on a click."""
    visit.open(page.html)
    cells = visit.page.locator("div.cell.tag_solution")
    assert cells.count() >= 1, f"{page.html}: no worked solution found"
    for k in range(cells.count()):
        cell = cells.nth(k)
        parts = cell.locator(".cell_input, .cell_output")
        assert parts.count() >= 1
        assert not any(parts.nth(j).is_visible() for j in range(parts.count())), f"{page.html}: solution {k} is not folded"
        cell.locator("summary").first.click()
        assert cell.locator(".cell_input").first.is_visible(), f"{page.html}: solution {k} does not open"


# ---------------------------------------------------------------- figures, widgets in dark mode and at phone width
READ_FIGURES = """async () => {
    const imgs = [...document.querySelectorAll('.bd-article img')];
    for (const img of imgs) { img.loading = "eager"; img.scrollIntoView(); }
    await Promise.all(imgs.map(img => img.complete ? null
        : new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
    return imgs.filter(img => img.offsetParent !== null).map(img => ({
        src: img.getAttribute("src"), shown: img.getBoundingClientRect().width, natural: img.naturalWidth}));
}"""


def _png_bytes(book_html: Path, page: Page, src: str) -> bytes:
    import base64
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    return (book_html / page.html).parent.joinpath(src.split("?")[0]).resolve().read_bytes()


FIGURE_PAGES = [p for p in PAGES if p.source.suffix == ".ipynb" and "image/png" in p.source.read_text(encoding="utf-8")]


@pytest.mark.parametrize("page", FIGURE_PAGES, ids=str)
def test_every_figure_shows_its_text_at_least_10_px_at_1280_px_and_is_not_enlarged(visit, book_html, page: Page):
    """Each PNG records the smallest text it was drawn with, in its own pixels (sim.plotting.PNG_TEXT_KEY);
    shown at clientWidth of its naturalWidth pixels, that text must be at least MIN_TEXT_PX high. Each figure
    is shown at the size it was drawn, neither enlarged nor shrunk: the column is PAGE_WIDTH_PX wide or more."""
    import io

    from PIL import Image

    from sim.plotting import MIN_TEXT_PX, PAGE_WIDTH_PX, PNG_TEXT_KEY
    visit.page.set_viewport_size({"width": 1280, "height": 900})
    visit.open(page.html)
    figures = visit.page.evaluate(READ_FIGURES)
    assert figures, f"{page.html}: no figure shown"
    problems = []
    for figure in figures:
        image = Image.open(io.BytesIO(_png_bytes(book_html, page, figure["src"])))
        label = figure["src"][:60]
        if PNG_TEXT_KEY not in image.text:
            problems.append(f"{label}: the PNG does not record its smallest text (drawn outside sim.plotting?)")
            continue
        shown_px = float(image.text[PNG_TEXT_KEY]) * figure["shown"] / figure["natural"]
        if shown_px < MIN_TEXT_PX - 0.01:
            problems.append(f"{label}: smallest text {shown_px:.1f} px at {figure['shown']:.0f} of {figure['natural']} px")
        if abs(figure["shown"] - figure["natural"]) > 0.5:     # enlarged (blurred) or shrunk (text smaller)
            problems.append(f"{label}: shown {figure['shown']:.0f} px wide, drawn {figure['natural']} px wide "
                            f"(figures are drawn at most PAGE_WIDTH_PX = {PAGE_WIDTH_PX} px, the column's width)")
    assert not problems, f"{page.html}: " + "; ".join(problems)


WIDGET_PAGES = [p for p in PAGES if p.widget_views]
READ_CONTRAST = """() => {
    const parse = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
    const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
    const background = (el) => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor);
            if (c[3] > 0) layers.push(c);
            if (c[3] >= 1) break;
        }
        return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
    };
    const luminance = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const texts = [...document.querySelectorAll(
        '.widget-subarea .widget-label, .widget-subarea .widget-readout, .widget-subarea select, ' +
        '.widget-subarea .widget-checkbox label, .widget-subarea .widget-output th, .widget-subarea .widget-output td')]
        .filter(el => el.offsetParent !== null && el.textContent.trim());
    const contrast = (x, y) => { const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
        return (a + 0.05) / (b + 0.05); };
    const page = background(document.querySelector('.bd-article'));
    return {
        texts: texts.map(el => {
            const bg = background(el), fg = over(parse(getComputedStyle(el).color), bg);
            return {text: el.textContent.trim().slice(0, 40), ratio: contrast(fg, bg)};
        }),
        boxes: [...document.querySelectorAll('.widget-subarea')].filter(el => el.offsetParent !== null)
            .map(el => contrast(background(el), page)),
    };
}"""


def _themed_page(browser, theme: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('theme', '{theme}'); localStorage.setItem('mode', '{theme}');")
    return context, context.new_page()


@pytest.mark.parametrize("page", WIDGET_PAGES, ids=str)
def test_widgets_are_readable_in_dark_mode(browser, book_url, page: Page):
    """On the dark theme a widget's box takes the page's dark colours (not a light box: at most 1.5:1 against
    the page), and its labels, values and tables keep a WCAG contrast of at least 4.5:1."""
    context, tab = _themed_page(browser, "dark", 1280)
    tab.goto(f"{book_url}/{page.html}", wait_until="load")
    tab.wait_for_selector(".widget-subarea > *", timeout=20_000)
    assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
    read = tab.evaluate(READ_CONTRAST)
    context.close()
    texts, boxes = read["texts"], read["boxes"]
    assert texts and boxes, f"{page.html}: no widget text found"
    light = [round(ratio, 2) for ratio in boxes if ratio > 1.5]
    assert not light, f"{page.html}: widget boxes stand out from the dark page by {light} (a light box)"
    low = [(t["text"], round(t["ratio"], 2)) for t in texts if t["ratio"] < 4.5]
    assert not low, f"{page.html}: widget text below 4.5:1 contrast in dark mode: {low[:8]}"


SLIDER_PAGES = [p for p in PAGES if p.slider_models]
READ_READOUTS = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('.widget-subarea .widget-readout')].filter(el => el.offsetParent !== null)
        .map(el => {
            const box = el.getBoundingClientRect();
            let clipped = null;
            for (let e = el.parentElement; e && !e.classList.contains('bd-article'); e = e.parentElement) {
                const style = getComputedStyle(e), outer = e.getBoundingClientRect();
                if (style.overflowX !== 'visible' && (box.left < outer.left - 0.5 || box.right > outer.right + 0.5)) {
                    clipped = e.className; break;
                }
            }
            return {text: el.textContent.trim(), left: box.left, right: box.right, width,
                    scroll: el.scrollWidth, client: el.clientWidth, clipped};
        });
}"""


@pytest.mark.parametrize("page", SLIDER_PAGES, ids=str)
def test_slider_values_are_visible_at_400_px(browser, book_url, page: Page):
    """At phone width every slider's readout lies inside the window, whole, and no box around it cuts it off."""
    context, tab = _themed_page(browser, "light", 400)
    tab.goto(f"{book_url}/{page.html}", wait_until="load")
    tab.wait_for_selector(".widget-subarea .widget-readout", timeout=20_000)
    readouts = tab.evaluate(READ_READOUTS)
    context.close()
    assert readouts, f"{page.html}: no slider readout shown"
    bad = [r for r in readouts if not r["text"] or r["left"] < 0 or r["right"] > r["width"] + 0.5
           or r["scroll"] > r["client"] or r["clipped"]]
    assert not bad, f"{page.html}: slider values cut off at 400 px: {bad[:5]}"
