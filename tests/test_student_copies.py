"""Student copies and answer keys derived from the labs (tools/make_student_copies.py)."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "labs").glob("*.ipynb"))
#: Every lab displays its result sentences from its own code (sim.labtext), so neither it nor its student copy glues.
LABS_WITHOUT_GLUE = LABS

_spec = importlib.util.spec_from_file_location("make_student_copies", ROOT / "tools" / "make_student_copies.py")
copies = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(copies)


def _lab(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _md(text, *tags):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = list(tags)
    return cell


def _code(text, *tags, exercise=None):
    cell = nbformat.v4.new_code_cell(text)
    cell.metadata["tags"] = list(tags)
    if exercise:
        cell.metadata["exercise"] = exercise
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    cell.execution_count = 3
    return cell


SAMPLE = _lab(
    _md("# Lab 9: a sample"),
    _code("x = 1"),
    _md("**Think!** Why is the sky blue?"),
    _md("```{dropdown} Answer\nRayleigh scattering, {glue:text}`sky_share:.0%` of it, {glue:text}`sky_word`.\n```", "solution"),
    _md("**Exercise 9.1** Print 42."),
    _code("print(6 * 7)", "solution", exercise="9.1"),
    _md("**Exercise 9.2** Double it."),
    _code("setup = 2\n# BEGIN SOLUTION\ny = setup * 42\n# END SOLUTION\nprint(y)", "solution", exercise="9.2"),
)


def test_student_copy_drops_answers_stubs_solutions_and_clears_outputs():
    student = copies.student_copy(SAMPLE)
    sources = [c.source for c in student.cells]
    assert len(student.cells) == len(SAMPLE.cells) - 1 + 1      # the Think! answer is gone, a note is added
    assert student.cells[1].source == copies.STUDENT_NOTE
    assert not any("Rayleigh" in s for s in sources)
    stubs = [c for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    assert [c.metadata["exercise"] for c in stubs] == ["9.1", "9.2"]
    assert all("raises-exception" in c.metadata["tags"] and "solution" not in c.metadata["tags"] for c in stubs)
    assert "6 * 7" not in stubs[0].source and 'NotImplementedError("Exercise 9.1' in stubs[0].source
    # Only the marked part of 9.2 is replaced: its scaffolding stays.
    assert stubs[1].source.startswith("setup = 2\n# Exercise 9.2") and stubs[1].source.endswith("print(y)")
    assert "setup * 42" not in stubs[1].source
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells if c.cell_type == "code")
    assert SAMPLE.cells[5].source == "print(6 * 7)"                 # the lab itself is untouched


def test_answer_key_pairs_questions_with_answers_and_points_glue_at_the_lab():
    key = copies.answer_key(SAMPLE, Path("labs/09_sample.ipynb"), "Lab 9")
    assert key.index("Why is the sky blue?") < key.index("Rayleigh") < key.index("Print 42.") < key.index("print(6 * 7)")
    assert "{glue:text}`../../labs/09_sample.ipynb::sky_share:.0%`" in key
    assert "{glue:text}`../../labs/09_sample.ipynb::sky_word:s`" in key     # myst-nb needs the spec after path::key
    assert key.count("```python") == 2
    # The key shows what each worked solution printed in the executed lab (the sample's cells print 42).
    assert key.count("What it gives in the executed lab:") == 2 and "```text\n42\n```" in key


def test_output_text_keeps_printed_text_and_results_notes_figures_and_cuts_long_outputs():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="first\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "<Figure>"}),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "\n".join(map(str, range(50)))},
                                           execution_count=1)]
    text = copies.output_text(cell, max_lines=5)
    assert text.splitlines() == ["first", "(a figure)", "0", "1", "2", "... (47 more lines)"]   # 52 lines in all


@pytest.mark.parametrize("cells, message", [
    ((_md("**Exercise 1.1** Do it."), _code("pass", "solution")), "needs metadata 'exercise'"),
    ((_code("pass", "solution", exercise="1.2"),), "no '**Exercise 1.2**' text"),
    ((_md("**Exercise 1.3** Do it."), _code("  ", "solution", exercise="1.3")), "exercise 1.3 has no solution"),
    ((_md("**Exercise 1.4** Do it."),), "exercise 1.4 has no solution"),
    ((_md("**Exercise 1.5** x"), _code("# BEGIN SOLUTION\nx = 1", "solution", exercise="1.5")), "do not pair up"),
])
def test_unpaired_exercises_are_refused(cells, message):
    lab = _lab(*cells)
    with pytest.raises(ValueError, match=re.escape(message)):
        copies.check_lab(lab, Path("labs/x.ipynb"))
        copies.student_copy(lab)


def test_derived_files_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "make_student_copies.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("lab", LABS, ids=[p.stem for p in LABS])
def test_every_student_exercise_has_a_solution_in_the_lab(lab):
    full = nbformat.read(lab, as_version=4)
    student = nbformat.read(copies.STUDENT_DIR / lab.name, as_version=4)
    solved = {ex: info for ex, info in copies.exercises(full).items() if info["solution"]}
    stubs = [c.metadata.get("exercise") for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    assert stubs, f"{lab.name} has no exercise"
    assert sorted(stubs) == sorted(solved)
    stated = copies.EXERCISE_HEADING.findall("\n".join(c.source for c in student.cells if c.cell_type == "markdown"))
    assert sorted(stated) == sorted(stubs)
    assert not [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
    # Every Think! answer of the lab is in its answer key.
    key = (copies.ANSWERS_DIR / f"{lab.stem}.md").read_text()
    answers = [c for c in full.cells if c.cell_type == "markdown" and "solution" in c.metadata.get("tags", [])]
    assert answers, f"{lab.name} has no Think! answers"
    for cell in answers:
        assert copies._point_glue_at(cell.source.strip(), f"../../labs/{lab.name}") in key


def test_student_copies_run_top_to_bottom():
    """nbval-lax over every student copy: only the exercise stubs may raise (they are tagged raises-exception)."""
    assert LABS, "labs/ holds no notebook"
    paths = [str(copies.STUDENT_DIR / lab.name) for lab in LABS]
    env = dict(os.environ, PYTHONHASHSEED="0")
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", *paths],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_readable_turns_sphinx_roles_into_text_and_links_that_work_from_student_labs():
    text = ("See {doc}`../chapters/04_the_workload_decides`, {doc}`the model <../chapters/appendix_model>`, "
            "[lab one's chapter](../chapters/01_deployment_shape.ipynb), [data](data/x.csv), "
            "{term}`cold start <Cold start>`, {term}`p99` and {cite}`aws_devguide_2022`.")
    assert copies.readable(text) == (
        "See [The workload decides](../../chapters/04_the_workload_decides.ipynb), "
        "[the model](../../chapters/appendix_model.ipynb), "
        "[lab one's chapter](../../chapters/01_deployment_shape.ipynb), [data](data/x.csv), "
        "*cold start*, *p99* and [[aws_devguide_2022]](../../chapters/references.md).")
    with pytest.raises(ValueError, match="names no notebook"):
        copies.readable("{doc}`../chapters/no_such_chapter`")


def test_the_student_copy_replaces_the_books_how_a_lab_works_box():
    lab = _lab(_md("# Lab 9\n\n```{admonition} How a lab works\n:class: tip\nUse the rocket icon; open the answers "
                   "in dropdowns.\n```\n\nThen read on."), _code("x = 1"))
    student = copies.student_copy(lab)
    assert len(student.cells) == 2                                 # replaced in place, no second note
    assert student.cells[0].source == "# Lab 9\n\n" + copies.STUDENT_NOTE + "\n\nThen read on."


def _words(cell) -> list[str]:
    """The lines of an answer that a student copy must not contain (long enough to be the answer's own)."""
    lines = [line.strip() for line in cell.source.splitlines()]
    return [line for line in lines if len(line) >= 30 and not line.startswith(("```", ":class:"))]


def test_the_code_of_an_answers_numbers_is_not_in_the_student_copy_and_must_be_tagged():
    answer = _md("```{dropdown} Answer\nIt is {glue:text}`sky_share` blue.\n```", "solution")
    computing = _code('share = 0.5\nglue("sky_share", f"{share:.0%}", display=False)')
    lab = _lab(_md("# Lab 9"), _md("**Think!** How blue?"), computing, answer)
    with pytest.raises(ValueError, match=r"cell .* glues \['sky_share'\], numbers of a Think! answer; tag it 'answer-data'"):
        copies.check_lab(lab, Path("labs/x.ipynb"))
    computing.metadata["tags"] = ["remove-input", "answer-data"]
    copies.check_lab(lab, Path("labs/x.ipynb"))
    student = copies.student_copy(lab)
    assert not [c for c in student.cells if "sky_share" in c.source or "share = 0.5" in c.source]
    assert copies.answer_code(lab) == [computing]


@pytest.mark.parametrize("lab", LABS, ids=[p.stem for p in LABS])
def test_no_answer_is_left_in_a_student_copy(lab):
    full = nbformat.read(lab, as_version=4)
    student = nbformat.read(copies.STUDENT_DIR / lab.name, as_version=4)
    text = "\n".join(c.source for c in student.cells)
    answers = [c for c in full.cells if "solution" in c.metadata.get("tags", [])]
    assert answers
    for cell in answers:
        source = cell.source
        if cell.cell_type == "code" and copies.BEGIN in source:   # only the marked part is the answer
            source = "\n".join(re.findall(rf"{re.escape(copies.BEGIN)}(.*?){re.escape(copies.END)}", source, re.DOTALL))
        cell = nbformat.v4.new_markdown_cell(source)
        left = [line for line in _words(cell) if line in text]
        assert not left, f"{lab.name}: answer lines left in the student copy: {left[:3]}"
    # Nor the code that computes an answer's numbers (tagged answer-data; check_lab refuses it untagged), nor any
    # call that glues a number an answer quotes.
    for cell in copies.answer_code(full):
        code_lines = [line.strip() for line in cell.source.splitlines() if len(line.strip()) >= 20
                      and not line.lstrip().startswith(("#", "from ", "import "))]
        left = [line for line in code_lines if line in text]
        assert not left, f"{lab.name}: the code of an answer's numbers is left in the student copy: {left[:3]}"
    glued = set(copies.GLUE_CALL.findall(text)) & copies.answer_keys(full)
    assert not glued, f"{lab.name}: the student copy glues numbers of the answers: {sorted(glued)}"
    assert all(c.cell_type != "code" or not c.outputs for c in student.cells)


@pytest.mark.parametrize("lab", LABS, ids=[p.stem for p in LABS])
def test_student_copies_agree_with_themselves_and_need_no_sphinx(lab):
    student = nbformat.read(copies.STUDENT_DIR / lab.name, as_version=4)
    prose = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert prose.count("How a lab works") == 1 and copies.STUDENT_NOTE in prose
    for stale in ("rocket icon", "dropdown", "open the answers"):
        assert stale not in prose, stale
    for role in ("{doc}", "{term}", "{cite}"):
        assert role not in prose, role
    for target in re.findall(r"\]\((\.\./[^)#]+)", prose):          # every relative link names a file that exists
        assert (copies.STUDENT_DIR / target).resolve().exists(), target


@pytest.mark.parametrize("lab", LABS_WITHOUT_GLUE, ids=[p.stem for p in LABS_WITHOUT_GLUE])
def test_labs_show_their_results_without_glue(lab):
    """Result sentences come from the lab's own code: no glue role or call in the lab or its student copy."""
    for path in (lab, copies.STUDENT_DIR / lab.name):
        nb = nbformat.read(path, as_version=4)
        assert not [c.get("id") for c in nb.cells if "glue" in c.source], path
    full = nbformat.read(lab, as_version=4)
    sentences = [c for c in full.cells if c.cell_type == "code" and "labtext." in c.source
                 and "remove-input" in c.metadata.get("tags", [])]
    assert sentences and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in sentences)
    for cell in sentences:     # each displays its Markdown, with digits in it
        shown = [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})]
        assert shown and re.search(r"\d", shown[0])


@pytest.mark.parametrize("exercise, names", [("1.2", ["pooler=True", "pooler_max_connections"]),
                                             ("2.2", ["gap_s"]), ("3.1", ["max_concurrency", "cpu_ms", "io_ms"])])
def test_exercise_prompts_name_the_arguments_they_need(exercise, names):
    prompts = [c.source for lab in LABS_WITHOUT_GLUE for c in nbformat.read(lab, as_version=4).cells
               if c.cell_type == "markdown" and c.source.lstrip().startswith(f"**Exercise {exercise}**")]
    assert len(prompts) == 1
    for name in names:
        assert name in prompts[0], name


@pytest.mark.parametrize("lab", LABS_WITHOUT_GLUE, ids=[p.stem for p in LABS_WITHOUT_GLUE])
def test_every_lab_says_where_its_defaults_are(lab):
    prose = "\n".join(c.source for c in nbformat.read(lab, as_version=4).cells if c.cell_type == "markdown")
    assert re.search(r"`lab\.(CONCURRENCY_)?DEFAULTS`", prose)


def test_lab4_displays_its_answers_from_its_code_and_its_key_quotes_them():
    """Lab 4 glues nothing: its sentences and the answers with numbers are displayed by its code (the answers folded,
    in answer-data cells the student copy leaves out), and its answer key quotes each as the executed lab shows it."""
    lab = ROOT / "labs" / "04_your_workload_decides.ipynb"
    full = nbformat.read(lab, as_version=4)
    student = nbformat.read(copies.STUDENT_DIR / lab.name, as_version=4)
    assert not [c.get("id") for c in full.cells if "glue" in c.source]
    shown = [c for c in full.cells if copies.shown_answer(c)]
    assert len(shown) == 3 and all(c.metadata.get("jupyter", {}).get("source_hidden") and
                                   {"remove-input", "answer-data"} <= set(c.metadata["tags"]) for c in shown)
    key = (copies.ANSWERS_DIR / f"{lab.stem}.md").read_text()
    for cell in shown:
        title, body = copies.shown_answer(cell)
        assert re.search(r"\d", body) and body.replace("$", "\\$") in key
        assert not [line for line in body.splitlines() if len(line) > 30 and line in
                    "\n".join(c.source for c in student.cells)]
    assert not [c for c in student.cells if "answer-data" in c.metadata.get("tags", [])]
    sentences = [c for c in full.cells if c.cell_type == "code" and c.source.startswith("labtext.")
                 and "answer-data" not in c.metadata.get("tags", [])]
    assert len(sentences) == 3 and all(c.metadata.get("jupyter", {}).get("source_hidden") and
                                       "remove-input" in c.metadata["tags"] for c in sentences)
    for cell in sentences:
        shown = [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})]
        assert shown and re.search(r"\d", shown[0])
