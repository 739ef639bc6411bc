"""The Binder set-up, checked offline: repo2docker's generated Dockerfile must give Python 3.11
and install the repository's pinned requirements with the sim package in editable mode."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import escapism
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_binder_requirements  # noqa: E402  (tools/ is not a package)

REPO2DOCKER = Path(sys.executable).with_name("repo2docker")


@pytest.fixture(scope="module")
def dockerfile() -> str:
    """The Dockerfile repo2docker would build for this repository (no Docker daemon needed)."""
    if not REPO2DOCKER.is_file():
        pytest.fail(f"{REPO2DOCKER} not found: jupyter-repo2docker is pinned in requirements.txt", pytrace=False)
    done = subprocess.run(
        [str(REPO2DOCKER), "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"repo2docker failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_binder_uses_python_3_11(dockerfile):
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert "python=3.11" in dockerfile
    lock = re.search(r"^COPY \S+ build_script_files/(\S+) /tmp/env/environment\.lock$", dockerfile, re.M)
    assert lock, "no conda environment lock file is copied"
    # repo2docker escapes the file's path and appends "-" plus a 6-hex-digit hash, which must not be
    # unescaped with it (it can read as an escape sequence, depending on the clone's folder name).
    escaped = re.sub(r"-[0-9a-f]{6}$", "", lock.group(1))
    source = escapism.unescape(escaped, escape_char="-")
    assert re.search(r"/environment\.py-3\.11-linux-64\.lock", source), f"not the Python 3.11 environment: {source}"


def test_binder_installs_the_pinned_set_and_sim_editable_from_the_repository(dockerfile):
    install = re.search(r'RUN \$\{KERNEL_PYTHON_PREFIX\}/bin/pip install --no-cache-dir -r "binder/requirements\.txt"',
                        dockerfile)
    assert install, "binder/requirements.txt is not installed"
    copy_repo = dockerfile.find("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    assert 0 <= copy_repo < install.start(), "the repository must be copied before '-e .' is installed"
    assert "-e ." in make_binder_requirements.requirement_lines(
        (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8"))
    assert not re.search(r"pip install[^\n]*\s\.\s*$", dockerfile, re.M), \
        "a plain 'pip install .' would replace the editable install"


def test_binder_requirements_equal_the_root_requirements():
    root = make_binder_requirements.requirement_lines((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    binder = make_binder_requirements.requirement_lines((ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8"))
    assert binder == root + ([] if "-e ." in root else ["-e ."]), \
        "binder/requirements.txt is out of date: run .venv/bin/python tools/make_binder_requirements.py"
    assert make_binder_requirements.main(["--check"]) == 0


def test_jupyter_book_stays_below_2_and_jupyterlab_is_there_for_binder():
    pins = dict(line.split("==", 1) for line in make_binder_requirements.requirement_lines(
        (ROOT / "requirements.txt").read_text(encoding="utf-8")) if "==" in line)
    assert int(pins["jupyter-book"].split(".")[0]) < 2, "jupyter-book 2.x ignores _config.yml"
    assert "jupyterlab" in pins, "the launch buttons open JupyterLab"
