"""Getting started writes its experiment where the reader sees it; its HTML twin runs sim's copy.

The page's `experiment(rate_per_s)` is teaching code (how to describe a workload), and
`sim.panels.getting_started.experiment` is what the twin precomputes its rows with:
the two must be the same experiment, or the twin would show another workload than the page.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.panels import getting_started

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "getting_started.ipynb"


def _page_namespace() -> dict:
    """The page's set-up and experiment cells, run (without myst-nb's glue and without the first run)."""
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]
    setup = next(c for c in cells if "DEFAULT_RATE_PER_S =" in "".join(c["source"]))
    definition = next(c for c in cells if "def experiment(" in "".join(c["source"]))
    namespace: dict = {}
    exec("".join(line for line in setup["source"] if "myst_nb" not in line), namespace)
    source = "".join(definition["source"])
    exec(source[:source.index("\nruns = ")], namespace)
    return namespace


def test_the_page_and_the_twin_share_the_default_rate():
    assert _page_namespace()["DEFAULT_RATE_PER_S"] == getting_started.DEFAULTS["rate_per_s"]


@pytest.mark.parametrize("rate_per_s", [0.5, 5.0, 25.0])
def test_the_pages_experiment_is_the_twins_experiment(rate_per_s):
    page = _page_namespace()["experiment"](rate_per_s)
    twin = getting_started.experiment(rate_per_s)
    assert list(page) == list(twin)
    for name in page:
        assert page[name].summary() == twin[name].summary()
        assert page[name].bill().total_usd == twin[name].bill().total_usd
