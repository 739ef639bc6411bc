"""HTML twins: the numbers each stored twin shows equal a fresh `run(**point)` at every grid point; every
panel and every chapter has one; the controls refuse grids they cannot show; the markup is stable and
degrades to a one-line note where no script runs (JupyterLab)."""
from __future__ import annotations

import json
import math
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sim import chapter_twins
from sim.panels import PANELS
from sim.panels.twins import SPECS, TWIN_RUNS, twin
from sim.sweep import grid_points, map_in_order
from sim.twins import Control, Twin, _cell, _filter, workers

ROOT = Path(__file__).resolve().parents[1]
SPEC_SCRIPT = re.compile(r'<script type="application/json" id="twin-([a-z0-9-]+)-spec">(.*?)</script>', re.DOTALL)


def stored_twins() -> dict[str, tuple[Path, dict]]:
    """Every twin stored in a notebook of the book: element name -> (notebook, Vega-Lite spec)."""
    found = {}
    for notebook in sorted([*ROOT.glob("chapters/*.ipynb"), *ROOT.glob("labs/*.ipynb")]):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", ""))
                for name, spec in SPEC_SCRIPT.findall(html):
                    assert name not in found, f"twin {name} stored twice ({found.get(name, [None])[0]}, {notebook})"
                    found[name] = (notebook, json.loads(spec.replace("<\\/", "</")))
    return found


STORED = stored_twins()


def spec_rows(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_every_panel_and_the_getting_started_slider_has_a_twin_in_its_page():
    assert set(SPECS) == set(PANELS) | {"getting_started"}
    missing = [name for name in SPECS if name.replace("_", "-") not in STORED]
    assert not missing, f"panels without a stored twin: {missing}"


def test_every_chapter_has_an_explorable_figure():
    chapters = {path.name for path, _ in STORED.values() if path.parent.name == "chapters"}
    for number in ("01", "02", "03", "04"):
        assert any(name.startswith(number) for name in chapters), f"chapter {number} has no twin ({sorted(chapters)})"


def _fresh_table(job):
    name, point = job
    return TWIN_RUNS[name](**point)


@pytest.mark.parametrize("name", list(SPECS))
def test_every_number_a_panel_twin_shows_equals_a_fresh_run_at_that_point(name):
    _, spec = STORED[name.replace("_", "-")]
    controls = SPECS[name][2]
    rows = spec_rows(spec)
    points = grid_points({c.name: c.values for c in controls})
    stored = {}
    for row in rows:
        key = tuple(row[c.name] for c in controls)
        stored.setdefault(key, {})[(row["metric"], row["config"])] = (row["num"], row["txt"])
    assert sorted(stored) == sorted(tuple(p[c.name] for c in controls) for p in points), "grid points differ"
    with ProcessPoolExecutor(max_workers=workers()) as pool:
        tables = map_in_order(_fresh_table, [(name, p) for p in points], pool)
    for point, table in zip(points, tables):
        shown = stored[tuple(point[c.name] for c in controls)]
        expected = {(metric, config): _cell(value) for metric, values in table.iterrows()
                    for config, value in values.items()}
        assert shown.keys() == expected.keys(), f"{name} at {point}: rows or columns differ"
        for key, (num, txt) in expected.items():
            assert shown[key] == (num, txt), f"{name} at {point}, {key}: twin shows {shown[key]}, run gives {(num, txt)}"


def test_chapter_2_twin_holds_the_keepalive_grid_and_its_closed_form():
    _, spec = STORED["ch2-keepalive"]
    rows = spec_rows(spec)
    fresh = chapter_twins.keepalive_grid()
    assert len(rows) == len(fresh) == len(chapter_twins.KEEP_ALIVES_S) * len(chapter_twins.KEEPALIVE_GAPS_S)
    for row, (_, expected) in zip(rows, fresh.iterrows()):
        assert (row["keep_alive_s"], row["mean_gap_s"]) == (expected["keep_alive_s"], expected["mean_gap_s"])
        assert row["cold_share"] == expected["cold_share"]
        # e^(-λT) with λ = 1 / mean gap
        assert row["theory"] == pytest.approx(math.exp(-row["keep_alive_s"] / row["mean_gap_s"]), rel=1e-12)
        assert row["low"] <= row["cold_share"] <= row["high"]


def test_chapter_2_simulated_shares_sit_within_their_standard_errors_of_the_closed_form():
    grid = chapter_twins.keepalive_grid()
    tested = grid[grid["cold_share_se"] > 0]
    z = (tested["cold_share"] - tested["theory"]) / tested["cold_share_se"]
    # 48 points: |z| > 3 has probability 0.0027 each; allow none beyond 4 and at most two beyond 3.
    assert (z.abs() > 4).sum() == 0, tested.assign(z=z)
    assert (z.abs() > 3).sum() <= 2, tested.assign(z=z)


# ---------------------------------------------------------------- controls and markup
def test_a_slider_needs_five_evenly_spaced_values_and_its_default():
    with pytest.raises(ValueError, match="at least 5"):
        Control("x", "x", (1, 2, 3, 4), 1)
    with pytest.raises(ValueError, match="not evenly spaced"):
        Control("x", "x", (1, 2, 3, 5, 8), 1)
    with pytest.raises(ValueError, match="default=9"):
        Control("x", "x", (1, 2, 3, 4, 5), 9)
    with pytest.raises(ValueError, match="kind='dial'"):
        Control("x", "x", (1, 2), 1, kind="dial")
    with pytest.raises(ValueError, match="must be \\(False, True\\)"):
        Control("x", "x", (0, 1), 0, kind="checkbox")
    assert Control("x", "x", (1, 5, 50), 5, kind="radio").values == (1, 5, 50)   # any spacing on a radio


def test_a_panel_twin_needs_two_controls_and_bar_rows_of_its_table():
    one = [Control("rate_per_s", "rate", (2.5, 5.0, 7.5, 10.0, 12.5), 5.0)]
    with pytest.raises(ValueError, match="at least 2 controls"):
        from sim.twins import panel_twin
        panel_twin("x", TWIN_RUNS["getting_started"], one, ["peak alive"], {}, "x")


def test_the_filter_selects_exactly_the_rows_of_one_point():
    controls = [Control("gap_s", "gap", (120.0, 240.0, 360.0, 480.0, 600.0), 360.0),
                Control("pooler", "pooler", (False, True), False, kind="checkbox")]
    expression = _filter(controls, "p")
    assert expression == ('abs(datum["gap_s"] - p_gap_s) < 1e-9 * max(1, abs(p_gap_s)) && '
                          'datum["pooler"] == p_pooler')


def test_cells_keep_numbers_as_numbers_and_everything_else_as_text():
    assert _cell(3) == (3, None) and isinstance(_cell(3)[0], int)
    assert _cell(np.float64(0.25)) == (0.25, None)
    assert _cell(np.int64(7)) == (7, None)
    assert _cell(float("nan")) == (None, "n/a")
    assert _cell(True) == (None, "True")
    assert _cell("2026-06-17") == (None, "2026-06-17")


@pytest.fixture(scope="module")
def small_twin() -> Twin:
    grid = chapter_twins.keepalive_grid(keep_alives_s=(120.0, 240.0), mean_gaps_s=(60.0, 600.0))
    control = Control("keep_alive_s", "T", (120.0, 240.0), 120.0, kind="radio")
    from sim.twins import sweep_twin
    return sweep_twin("test-twin", grid, x="mean_gap_s", x_title="gap", y="cold_share", y_title="cold share",
                      series="series", controls=[control], what="a test")


def test_twin_markup_is_stable_and_says_what_to_use_where_no_script_runs(small_twin):
    html = small_twin._repr_html_()
    assert html == small_twin._repr_html_()
    assert 'id="twin-test-twin"' in html and 'id="twin-test-twin-controls"' in html
    assert "uuid" not in html.lower() and not re.search(r"view_\d+|param_\d+", html)
    # sanitised (no script): the box keeps a one-line note instead of staying blank
    without_scripts = re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)
    assert "use the live panel or the code above it" in without_scripts
    # the script does nothing where Vega is absent, so JupyterLab logs no error
    assert 'typeof window.vegaEmbed !== "function"' in html
    assert "Interactive chart: a test." in html


def test_twin_names_are_checked():
    with pytest.raises(ValueError, match="name='nope'"):
        twin("nope")


def test_chapter_3b_twin_holds_each_minimum_fleets_rows_and_a_log_axis():
    from sim.experiments import managed_instances as mi
    grid = {"rates_per_s": (1.0, 300.0), "replications": 1, "duration_s": 120.0}
    steady = mi.steady_summary(mi.steady_cost(**grid))
    table = mi.with_min_fleet(steady, mi.fleet_sweep(min_fleets=(1, 2, 3, 4, 5), **grid))
    twin = chapter_twins.fleet_twin(table)
    cost = twin.data[twin.data["metric"] == "USD per 30-day month"]
    assert (cost.set_index(["min_fleet", "rate_per_s", "config"])["value"].to_dict()
            == table.set_index(["min_fleet", "rate_per_s", "config"])["monthly_usd"].to_dict())
    (layer,) = [l for l in twin.spec["layer"] if l["mark"]["type"] == "line"]
    assert layer["encoding"]["y"]["scale"]["type"] == "log"
    assert {p["name"]: p["value"] for p in twin.spec["params"]}["ch3b_fleet_min_fleet"] == 3
    with pytest.raises(ValueError, match="y_scale='log' needs every value"):
        from sim.twins import sweep_twin
        sweep_twin("bad", table.assign(value=0.0), x="rate_per_s", x_title="r", y="value", y_title="v",
                   series="config", controls=twin_controls(), what="x", y_scale="log")


def twin_controls():
    return [Control("min_fleet", "m", (1, 2, 3, 4, 5), 3)]
