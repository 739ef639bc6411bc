"""Derive the teaching material from the labs: student copies and the instructors' answer keys.

    .venv/bin/python tools/make_student_copies.py            # write student/labs/ and instructors/answers/
    .venv/bin/python tools/make_student_copies.py --check    # exit 1 if either is out of date

The labs in labs/ are authored with their solutions. Two kinds of cell carry the tag `solution`:
- a markdown cell (a Think! answer or an exercise's explanation, in a dropdown): left out of the student copy;
- a code cell with metadata `"exercise": "N.M"` (a worked exercise): in the student copy it becomes a stub
  tagged `exercise` and `raises-exception` that says which exercise it is and raises NotImplementedError.
  If the solution marks a part with `# BEGIN SOLUTION` / `# END SOLUTION`, only that part is replaced,
  so the scaffolding around it stays.
A code cell tagged `answer-data` computes the numbers of a Think! answer and displays the answer folded
(sim.labtext.answer), or glues them for a solution markdown cell: it is left out of the student copy, as the answer is.
Cells tagged `html-twin` (a chart for the HTML book, which has no kernel, and its text) are left out: a student has the live panel.
Student copies have no stored outputs (students run them) and keep everything else, with their own "How a lab works"
box and the Sphinx-only roles ({doc}, {term}, {cite}) made readable in JupyterLab (`readable`); the labs' data files
(labs/data/) are copied beside them (student/labs/data/), so the same relative paths work.
The answer key of a lab (instructors/answers/<lab>.md) lists each Think! question with its answer and each
exercise with its worked code, in the lab's order; an answer displayed by code is quoted from the executed lab's
output, and glued numbers point back at the lab's executed notebook.
Running it twice on unchanged labs changes no byte.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

from sim.labtext import unfold

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "labs"
STUDENT_DIR = ROOT / "student" / "labs"
ANSWERS_DIR = ROOT / "instructors" / "answers"

SOLUTION_TAG = "solution"
#: A worked solution's code and output fold behind one toggle in the book (myst-nb's hide-cell) and in
#: JupyterLab (cell metadata jupyter.source_hidden / outputs_hidden).
HIDDEN_SOLUTION_TAG = "hide-cell"
#: Cells of the HTML book only (a twin: a chart that moves without a kernel, and its text): a student has the live panel.
BOOK_ONLY_TAG = "html-twin"
#: Code that computes a Think! answer's numbers: the answer itself, so not in a student copy.
ANSWER_DATA_TAG = "answer-data"
EXERCISE_TAG = "exercise"
RAISES_TAG = "raises-exception"
EXERCISE_HEADING = re.compile(r"^\s*\*\*Exercise\s+(\d+\.\d+)\b", re.MULTILINE)
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
GLUE_ROLE = re.compile(r"\{glue(:[a-z]*)?\}`([^`:]+?)(:[^`]*)?`")
GLUE_CALL = re.compile(r"""\bglue\(\s*['"]([^'"]+)['"]""")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def is_solution(cell) -> bool:
    return SOLUTION_TAG in tags(cell)


def exercise_id(cell) -> str | None:
    return cell.get("metadata", {}).get("exercise")


def stub_source(solution: str, exercise: str) -> str:
    """The solution's code with its solution part (or all of it) replaced by a stub that raises."""
    stub = (f"# Exercise {exercise}: write your code here.\n"
            f'raise NotImplementedError("Exercise {exercise} is yours to write")')
    if BEGIN not in solution:
        return stub
    if solution.count(BEGIN) != solution.count(END):
        raise ValueError(f"exercise {exercise}: {BEGIN!r} and {END!r} do not pair up")
    pattern = re.compile(rf"^([ \t]*){re.escape(BEGIN)}.*?^[ \t]*{re.escape(END)}[^\n]*", re.MULTILINE | re.DOTALL)
    return pattern.sub(lambda m: "\n".join(m.group(1) + line for line in stub.splitlines()), solution)


#: The "How a lab works" box of a student copy (it replaces the book's, which points at Binder and at answers in
#: dropdowns that a student copy does not have); inserted after the title if the lab has no such box.
HOW_A_LAB_WORKS = re.compile(r"```\{admonition\} How a lab works\n.*?\n```", re.DOTALL)
STUDENT_NOTE = """```{admonition} How a lab works
:class: tip
This is the **student copy** of the lab: the answers to the Think! questions and the worked solutions of the
exercises are not in it, so that you meet each question before its answer. They are not secret: the book's
page of this lab shows them folded under each question, and your instructor has them too.
1. **Predict**: write down a guess before you run anything.
2. **Run** the cells from the top (Run > Run All Cells, or Shift+Enter one cell at a time).
3. **Explore** with the interactive panel: move a control and release it, and its table and figure redraw.
   Under each panel, a static copy shows what it draws at the default settings.
4. **Think!** about the questions and write your answers down.
5. **Exercises**: each exercise cell raises `NotImplementedError` until you replace it with your code.
```"""

#: Roles that only Sphinx resolves, rewritten so that a student copy reads in JupyterLab without it.
DOC_ROLE = re.compile(r"\{doc\}`(?:([^`<]*?)\s*<)?([^`>]+)>?`")
TERM_ROLE = re.compile(r"\{term\}`([^`<]+?)(?:\s*<[^`]*>)?`")
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
#: Relative links from labs/ that must climb one more level from student/labs/.
LAB_RELATIVE_LINK = re.compile(r"\]\((\.\./)(?!\.\./)")


def _document(target: str, labs_dir: Path) -> tuple[str, str]:
    """The file a {doc} target names (relative to labs/) and its title: its first '# ' heading."""
    for suffix in (".ipynb", ".md"):
        path = (labs_dir / (target + suffix)).resolve()
        if path.exists():
            text = path.read_text()
            if suffix == ".ipynb":
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "markdown")
            heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
            return target + suffix, heading.group(1).strip() if heading else Path(target).name
    raise ValueError(f"{{doc}}`{target}` names no notebook or Markdown file under {labs_dir}")


def readable(markdown: str, labs_dir: Path = LABS) -> str:
    """Markdown with Sphinx-only roles made readable without Sphinx, for a copy one folder deeper than labs/:
    {doc} becomes a relative link to the notebook or file (titled by its heading), {term} its text in italics,
    {cite} its key in brackets linked to the references, and every relative link climbs one more level."""
    markdown = LAB_RELATIVE_LINK.sub(r"](../\1", markdown)

    def doc(m) -> str:
        path, title = _document(m.group(2).strip(), labs_dir)
        return f"[{m.group(1) or title}](../{path})"

    markdown = DOC_ROLE.sub(doc, markdown)
    markdown = TERM_ROLE.sub(lambda m: f"*{m.group(1).strip()}*", markdown)
    return CITE_ROLE.sub(lambda m: f"[[{m.group(1)}]](../../chapters/references.md)", markdown)


def student_copy(nb, labs_dir: Path = LABS):
    """The lab without its answers: solution markdown removed, solution code stubbed, no outputs, the student's
    "How a lab works" box in place of the book's, and links that work in JupyterLab from student/labs/."""
    student = copy.deepcopy(nb)
    cells = []
    for cell in student.cells:
        if BOOK_ONLY_TAG in tags(cell) or ANSWER_DATA_TAG in tags(cell):
            continue
        if is_solution(cell):
            if cell.cell_type != "code":
                continue
            ex = exercise_id(cell)
            if ex is None:
                raise ValueError(f"cell {cell.get('id')!r}: a solution code cell needs metadata 'exercise'")
            cell.source = stub_source(cell.source, ex)
            # the stub is the student's to fill in: shown, not folded away as the book folds a worked solution
            cell.metadata["tags"] = [t for t in tags(cell) if t not in (SOLUTION_TAG, HIDDEN_SOLUTION_TAG)] + [
                EXERCISE_TAG, RAISES_TAG]
            cell.metadata.pop("jupyter", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.source = readable(cell.source, labs_dir)
        cells.append(cell)
    boxes = [c for c in cells if c.cell_type == "markdown" and HOW_A_LAB_WORKS.search(c.source)]
    if boxes:
        boxes[0].source = HOW_A_LAB_WORKS.sub(lambda _m: STUDENT_NOTE, boxes[0].source, count=1)
    else:
        note = nbformat.v4.new_markdown_cell(STUDENT_NOTE)
        note["id"] = "student-copy-note"
        cells.insert(1 if cells else 0, note)
    student.cells = cells
    student.metadata.pop("widgets", None)   # no stored widget state: nothing has run yet
    return student


def exercises(nb) -> dict[str, dict]:
    """Per exercise id: whether the lab states it, has a solution cell, and the solution's source."""
    found: dict[str, dict] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not is_solution(cell):
            for ex in EXERCISE_HEADING.findall(cell.source):
                found.setdefault(ex, {"stated": False, "solution": None})["stated"] = True
        ex = exercise_id(cell)
        if cell.cell_type == "code" and is_solution(cell) and ex is not None:
            found.setdefault(ex, {"stated": False, "solution": None})["solution"] = cell.source
    return found


def _point_glue_at(text: str, notebook: str) -> str:
    """Make `{glue:text}`key`` in an answer read the key from the lab's notebook. A glue:text role always gets a
    format spec (`:s` by default): myst-nb splits `path::key` at its last colon, so without one it would misread it."""
    def point(m) -> str:
        role, key, spec = m.group(1) or "", m.group(2), m.group(3) or ""
        if role == ":text" and not spec:
            spec = ":s"
        return f"{{glue{role}}}`{notebook}::{key}{spec}`"
    return GLUE_ROLE.sub(point, text)


def output_text(cell, max_lines: int = 40) -> str:
    """A code cell's stored outputs as plain text (printed text, then results; a figure as a note), cut at
    `max_lines` lines."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append("".join(output.get("text", "")).rstrip())
        elif output.get("output_type") in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "image/png" in data:
                parts.append("(a figure)")
            elif "text/markdown" in data:
                parts.append("".join(data["text/markdown"]).rstrip())
            elif "text/plain" in data:
                parts.append("".join(data["text/plain"]).rstrip())
    lines = "\n".join(p for p in parts if p).splitlines()
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more lines)"]
    return "\n".join(lines)


def shown_answer(cell) -> tuple[str, str] | None:
    """(title, Markdown) of the answer an answer-data cell displays folded (sim.labtext.answer), from its stored
    outputs, or None."""
    if cell.cell_type != "code" or ANSWER_DATA_TAG not in tags(cell):
        return None
    for output in cell.get("outputs", []):
        markdown = output.get("data", {}).get("text/markdown")
        folded = unfold("".join(markdown)) if markdown else None
        if folded:
            return folded
    return None


def answer_key(nb, lab: Path, title: str) -> str:
    """Markdown: every Think! answer and worked exercise of one lab, with the question before it."""
    notebook = f"../../labs/{lab.name}"
    lines = [f"# Answers: {title}", "",
             "% Generated from the lab by tools/make_student_copies.py; do not edit by hand (a comment: not rendered).",
             f"The answers to {{doc}}`the lab <../../labs/{lab.stem}>`, in its order.", ""]
    previous = None
    for cell in nb.cells:
        shown = shown_answer(cell)
        if is_solution(cell) or shown:
            if previous is not None and previous.cell_type == "markdown" and not is_solution(previous):
                # Four backticks, so that a question which is itself a fenced admonition nests inside.
                lines += ["````{admonition} In the lab", ":class: note", _point_glue_at(previous.source.strip(), notebook),
                          "````", ""]
            if shown:
                # Its numbers as the executed lab shows them; a dollar escaped, as the key's prose reads $…$ as math.
                title, body = shown
                lines += [f"```{{dropdown}} {title}", body.replace("$", "\\$"), "```", ""]
            elif cell.cell_type == "markdown":
                lines += [_point_glue_at(cell.source.strip(), notebook), ""]
            else:
                lines += [f"Worked solution of exercise {exercise_id(cell)}:", "", "```python", cell.source.rstrip(), "```", ""]
                printed = output_text(cell)
                if printed:
                    lines += ["What it gives in the executed lab:", "", "```text", printed, "```", ""]
        previous = cell
    return "\n".join(lines).rstrip() + "\n"


def lab_title(nb, lab: Path) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if match:
                return match.group(1).strip()
    return lab.stem


def answer_keys(nb) -> set[str]:
    """The glue keys the lab's answers (solution markdown) quote."""
    return {m.group(2) for c in nb.cells if c.cell_type == "markdown" and is_solution(c)
            for m in GLUE_ROLE.finditer(c.source)}


def answer_code(nb) -> list:
    """The code cells that compute an answer's numbers: glue a key an answer quotes, or tagged answer-data
    (a worked exercise's solution is not among them: the student copy stubs it)."""
    keys = answer_keys(nb)
    return [c for c in nb.cells if c.cell_type == "code" and not is_solution(c)
            and (ANSWER_DATA_TAG in tags(c) or keys & set(GLUE_CALL.findall(c.source)))]


def check_lab(nb, lab: Path) -> None:
    """Refuse a lab whose exercises and solutions do not pair up, or whose answers' numbers are computed in a cell
    that a student copy would keep (not tagged answer-data)."""
    for cell in answer_code(nb):
        if ANSWER_DATA_TAG not in tags(cell):
            glued = sorted(answer_keys(nb) & set(GLUE_CALL.findall(cell.source)))
            raise ValueError(f"{lab.name}: cell {cell.get('id')!r} glues {glued}, numbers of a Think! answer; "
                             f"tag it {ANSWER_DATA_TAG!r} so that the student copy leaves it out")
    for cell in nb.cells:
        if cell.cell_type == "code" and is_solution(cell) and exercise_id(cell) is None:
            raise ValueError(f"{lab.name}: cell {cell.get('id')!r}: a solution code cell needs metadata 'exercise'")
    for ex, info in exercises(nb).items():
        if not info["stated"]:
            raise ValueError(f"{lab.name}: a solution for exercise {ex} but no '**Exercise {ex}**' text")
        if not info["solution"] or not info["solution"].strip():
            raise ValueError(f"{lab.name}: exercise {ex} has no solution cell (tag 'solution', metadata exercise={ex!r})")


def outputs(labs_dir: Path = LABS) -> dict[Path, str]:
    """Every derived file and its text, keyed by where it belongs (the labs' data files are copied as they are)."""
    derived: dict[Path, str] = {}
    for data in sorted((labs_dir / "data").glob("*")):
        if data.is_file():
            derived[STUDENT_DIR / "data" / data.name] = data.read_text()
    for lab in sorted(labs_dir.glob("*.ipynb")):
        nb = nbformat.read(lab, as_version=4)
        check_lab(nb, lab)
        derived[STUDENT_DIR / lab.name] = nbformat.writes(student_copy(nb)) + "\n"
        derived[ANSWERS_DIR / f"{lab.stem}.md"] = answer_key(nb, lab, lab_title(nb, lab))
    return derived


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a derived file is missing or out of date")
    args = parser.parse_args(argv)
    derived = outputs()
    stale = [path for path, text in derived.items() if not path.exists() or path.read_text() != text]
    known = set(derived)
    extra = [p for d in (STUDENT_DIR, STUDENT_DIR / "data", ANSWERS_DIR) if d.exists() for p in d.iterdir()
             if p.is_file() and p not in known]
    if args.check:
        for path in stale + extra:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale or extra else 0
    for path in extra:
        path.unlink()
    for path, text in derived.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(derived)} files: student copies in {STUDENT_DIR.relative_to(ROOT)}, "
          f"answer keys in {ANSWERS_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
