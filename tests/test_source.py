"""The book shows the simulator's own code where it teaches it (sim.source), read between teaching markers."""
import json
import textwrap
from pathlib import Path

import pytest

from sim import source

ROOT = Path(__file__).resolve().parents[1]
#: (module, marker, the expressions that decide the rule the chapter gives)
TAUGHT = [
    ("lambda_model", "warm-or-cold", ["self._take_idle(i, now)", "cold=False", "cold=True", "init_s"]),
    ("lambda_model", "keep-alive", ["self.idle[0][0] + keep_alive <= now", "freed_s + keep_alive"]),
    ("shared_cpu", "processor-sharing", ["self.virtual_s += dt * (self.vcpu / n)"]),
]
#: Where each excerpt is shown: (notebook, cell id, module, marker).
SHOWN = [
    ("chapters/02_cold_starts.ipynb", "teach-ch2-warm", "lambda_model", "warm-or-cold"),
    ("chapters/02_cold_starts.ipynb", "teach-ch2-keepalive", "lambda_model", "keep-alive"),
    ("chapters/03_concurrency_and_cost.ipynb", "teach-ch3-ps", "shared_cpu", "processor-sharing"),
]


def _between_markers(path: Path, marker: str) -> tuple[int, int, str]:
    lines = path.read_text().splitlines()
    start = lines.index(next(line for line in lines if line.strip() == f"# [teach:{marker}]"))
    end = lines.index(next(line for line in lines if line.strip() == f"# [/teach:{marker}]"))
    return start + 2, end, textwrap.dedent("\n".join(lines[start + 1:end]))


@pytest.mark.parametrize("module, marker, decisive", TAUGHT)
def test_an_excerpt_is_the_lines_between_its_markers(module, marker, decisive):
    shown = source.excerpt(module, marker)
    first, last, code = _between_markers(ROOT / "sim" / f"{module}.py", marker)
    assert (shown.path, shown.first_line, shown.last_line) == (f"sim/{module}.py", first, last)
    assert shown.code == code.strip("\n") and str(shown) == shown.code
    assert shown.code.startswith("def ") and "[teach:" not in shown.code
    for expression in decisive:
        assert expression in shown.code
    lines = (ROOT / shown.path).read_text().splitlines()
    assert lines[first - 1].strip() == shown.code.splitlines()[0]      # the numbers name the shown lines
    assert lines[last - 1].strip() == shown.code.splitlines()[-1].strip()


def test_an_excerpt_reads_as_markdown_with_its_file_lines_and_link():
    shown = source.excerpt("lambda_model", "keep-alive")
    text = shown._repr_markdown_()
    assert text.startswith(f"[`sim/lambda_model.py`, lines {shown.first_line}–{shown.last_line}](")
    assert f"{source.REPOSITORY}/blob/main/sim/lambda_model.py#L{shown.first_line}-L{shown.last_line})" in text
    assert f"```python\n{shown.code}\n```" in text


def test_the_repository_is_the_books():
    assert f"url: {source.REPOSITORY}\n" in (ROOT / "_config.yml").read_text()


def _module(tmp_path, monkeypatch, text: str) -> None:
    (tmp_path / "demo.py").write_text(textwrap.dedent(text))
    monkeypatch.setattr(source, "PACKAGE", tmp_path)


def test_a_missing_repeated_or_reversed_marker_is_refused(tmp_path, monkeypatch):
    _module(tmp_path, monkeypatch, """\
        # [teach:once]
        x = 1
        # [/teach:once]
        # [teach:twice]
        # [teach:twice]
        # [/teach:twice]
        # [/teach:backwards]
        # [teach:backwards]
        # [teach:empty]
        # [/teach:empty]
        """)
    assert source.excerpt("demo", "once").code == "x = 1"
    with pytest.raises(ValueError, match=r"marker='absent' .* has 0 '# \[teach:absent\]' and 0"):
        source.excerpt("demo", "absent")
    with pytest.raises(ValueError, match=r"marker='twice' .* has 2 '# \[teach:twice\]' and 1"):
        source.excerpt("demo", "twice")
    with pytest.raises(ValueError, match="the opening first"):
        source.excerpt("demo", "backwards")
    with pytest.raises(ValueError, match="encloses no code"):
        source.excerpt("demo", "empty")


def test_a_module_outside_the_package_or_a_malformed_name_is_refused():
    with pytest.raises(ValueError, match="module='no_such_module' is not in the sim package"):
        source.excerpt("no_such_module", "keep-alive")
    with pytest.raises(ValueError, match=r"module='\.\./README' is not allowed"):
        source.excerpt("../README", "keep-alive")
    with pytest.raises(ValueError, match="marker='Keep Alive' is not allowed"):
        source.excerpt("lambda_model", "Keep Alive")


@pytest.mark.parametrize("notebook, cell_id, module, marker", SHOWN)
def test_the_chapters_show_the_excerpts_as_stored_markdown(notebook, cell_id, module, marker):
    """Each excerpt cell's input is removed in the book and its stored output is the excerpt, now."""
    cells = json.loads((ROOT / notebook).read_text())["cells"]
    cell = next(c for c in cells if c.get("id") == cell_id)
    assert "remove-input" in cell["metadata"]["tags"]
    assert "".join(cell["source"]) == f'source.excerpt("{module}", "{marker}")'
    data = next(o["data"] for o in cell["outputs"] if o["output_type"] == "execute_result")
    assert "".join(data["text/markdown"]) == source.excerpt(module, marker).markdown()
    # the prose just before it gives the rule the code implements
    before = "".join(cells[cells.index(cell) - 1]["source"])
    assert cells[cells.index(cell) - 1]["cell_type"] == "markdown" and before.rstrip().endswith(":")
