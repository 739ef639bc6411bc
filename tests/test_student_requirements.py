"""requirements-student.txt: a subset of requirements.txt's pins, with nothing for building or testing the book,
enough to run every student copy in a fresh venv made from it alone."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDENT_REQUIREMENTS = ROOT / "requirements-student.txt"
STUDENT_LABS = sorted((ROOT / "student" / "labs").glob("*.ipynb"))
#: What a student never needs: the book's build and test tooling.
BOOK_ONLY = ("jupyter-book", "sphinx", "myst-nb", "pytest", "nbval", "playwright", "jupyter-repo2docker", "altair")


def pins(path: Path) -> dict[str, str]:
    """name (normalised, extras dropped) -> pinned version, for every `name==version` line."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[re.sub(r"\[.*\]", "", name).lower().replace("_", "-")] = version.strip()
    return found


def test_student_pins_are_requirements_pins_without_the_book_tooling():
    student, full = pins(STUDENT_REQUIREMENTS), pins(ROOT / "requirements.txt")
    assert {name: (version, full.get(name)) for name, version in student.items() if full.get(name) != version} == {}
    assert [name for name in student if name.startswith(BOOK_ONLY)] == []
    for need in ("jupyterlab", "jupyterlab-myst", "ipywidgets", "ipykernel", "numpy", "pandas", "matplotlib", "simpy"):
        assert need in student, need
    assert "-e ." in STUDENT_REQUIREMENTS.read_text().splitlines()


RUN_COPY = r"""
import json, sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [c.get("id") for c in nb.cells if c.cell_type == "code" and "raises-exception" not in c.metadata.get("tags", [])
          and any(o.get("output_type") == "error" for o in c.outputs)]
print(json.dumps({"errors": errors}))
"""


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory):
    """A Python 3.11 venv with requirements-student.txt installed normally (pip's cache allowed)."""
    python311 = shutil.which("python3.11")
    assert python311, "python3.11 is not on PATH"
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([python311, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    install = subprocess.run([*pip, "install", "-q", "-r", str(STUDENT_REQUIREMENTS)], cwd=ROOT,
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    check = subprocess.run([*pip, "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    listed = json.loads(subprocess.run([*pip, "list", "--format=json"], capture_output=True, text=True,
                                       check=True).stdout)
    size_mb = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file()) / 2**20
    print(f"student venv: {len(listed)} packages, {size_mb:.0f} MB")
    return venv, {p["name"].lower().replace("_", "-") for p in listed}


def test_the_student_venv_has_no_book_tooling(student_venv):
    _venv, installed = student_venv
    assert sorted(name for name in installed if name.startswith(BOOK_ONLY)) == []
    assert {"jupyterlab", "jupyterlab-myst", "ipywidgets", "sim"} <= installed


@pytest.mark.parametrize("copy", STUDENT_LABS, ids=[p.stem for p in STUDENT_LABS])
def test_each_student_copy_runs_in_the_student_venv(student_venv, copy, tmp_path):
    """Top to bottom with nbclient in the student venv: only the exercise stubs (raises-exception) may raise."""
    venv, _installed = student_venv
    labs = tmp_path / "labs"
    shutil.copytree(copy.parent, labs)
    result = subprocess.run([str(venv / "bin" / "python"), "-c", RUN_COPY, str(labs / copy.name), str(labs)],
                            capture_output=True, text=True, timeout=900, env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin",
                                                                               "PYTHONHASHSEED": "0",
                                                                               "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"errors": []}
