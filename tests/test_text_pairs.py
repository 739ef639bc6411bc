"""Every notebook has a MyST Markdown text pair (jupytext.toml) whose cells are the notebook's cells."""
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_notebooks)
NOTEBOOKS = execute_notebooks.default_notebooks()


def test_there_are_notebooks_and_each_pair_sits_under_text():
    assert len(NOTEBOOKS) >= 12
    for path in NOTEBOOKS:
        target, fmt = execute_notebooks.text_pair(path)
        assert target == ROOT / "text" / path.relative_to(ROOT).with_suffix(".md") and fmt == "md:myst"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_text_pair_has_the_notebooks_cells(path):
    target, fmt = execute_notebooks.text_pair(path)
    assert target.is_file(), f"{target.relative_to(ROOT)} is missing: run tools/execute_notebooks.py --text-only"
    text = jupytext.read(target, fmt=fmt)
    notebook = nbformat.read(path, as_version=4)
    assert [c.cell_type for c in text.cells] == [c.cell_type for c in notebook.cells]
    for number, (mine, theirs) in enumerate(zip(text.cells, notebook.cells)):
        # A text file cannot hold a newline at the very end of a cell: every other character must agree.
        assert mine.source == theirs.source.rstrip("\n"), \
            f"cell {number} differs: jupytext --sync {path.relative_to(ROOT)}"
        assert mine.metadata.get("tags", []) == theirs.metadata.get("tags", []), f"cell {number}'s tags differ"


def test_no_text_file_without_its_notebook():
    pairs = {execute_notebooks.text_pair(path)[0] for path in NOTEBOOKS}
    assert set((ROOT / "text").rglob("*.md")) == pairs


def test_the_book_does_not_build_the_text_pairs():
    config = (ROOT / "_config.yml").read_text()
    excluded = re.search(r"^exclude_patterns:\n((?:  - .*\n)+)", config, flags=re.M).group(1)
    assert "  - text/**\n" in excluded and "  - text\n" in excluded


def test_a_notebook_outside_the_paired_folders_is_refused(tmp_path):
    with pytest.raises(ValueError, match="has no text pair in jupytext.toml"):
        execute_notebooks.text_pair(tmp_path / "elsewhere.ipynb")
