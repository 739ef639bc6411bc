"""The labs as students meet them: JupyterLab (from .venv) on 127.0.0.1 with a token, in a temporary copy of the
student labs (and of the full labs, in full/), driven by Chromium.

Each notebook is opened and run with Run > Run All Cells. Then no raw glue key, no "Unknown Directive" box,
no unresolved-reference message and no lab plumbing (glue calls, the sentence helpers' code) may be visible.
In the student copies every control of every panel is then moved as a student would (typed into the readout,
percent values typed with their "%", the concurrency control sent to both ends with Home and End, the switch
clicked, the menu chosen), and after each move the panel's table and figure must change.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "student" / "labs"
LABS = ("01_deployment_shape", "02_cold_starts", "03_concurrency_and_cost")
#: What must never show on a page: glue roles or their keys, MyST's unknown-directive box, glue plumbing.
RAW = {"glue role": re.compile(r"\{glue(:[a-z]+)?\}"), "glue key": re.compile(r"\blab[1-4]_[a-z0-9_]+\b"),
       "unknown directive": re.compile(r"Unknown (Directive|Role)"), "glue call": re.compile(r"\bglue\(")}
#: Per panel (in page order), each control by its label: how a student moves it. ("type", text): typed into the
#: readout and Enter; ("key", k): the slider's handle focused and k pressed; ("click",) a switch; ("select", v).
#: In this order each move changes what the panel shows (e.g. the package size while Lambda's bursts start cold).
MOVES = {
    "01_deployment_shape": [{
        "spike (requests/s, 10 s)": [("type", "400")],
        "database connection limit": [("type", "50")],
        "Lambda: connection pooler (RDS Proxy-like)": [("click",)],
        "pooler: most connections it opens": [("type", "5")],
        "Cloud Run pool size per instance": [("type", "10")],
        "Cloud Run max concurrency": [("key", "Home"), ("key", "End")],
    }],
    "02_cold_starts": [{
        "burst: requests/s for 1 min": [("type", "10")],
        "Lambda package (MB, zipped)": [("type", "5")],          # while every burst still starts Lambda cold
        "runtime": [("select", "go")],
        "idle gap between bursts (s)": [("type", "300")],
        "Lambda keep-alive (s)": [("type", "120")],
        "Cloud Run idle timeout (s)": [("type", "120")],
        "Lambda provisioned concurrency": [("type", "3")],
        "Cloud Run minimum instances": [("type", "1")],
    }],
    "03_concurrency_and_cost": [{
        "spike (requests/s, 20 s)": [("type", "200")],
        "CPU per request (ms of 1 vCPU)": [("type", "50")],
        "I/O wait per request (ms)": [("type", "300")],
        "Cloud Run max concurrency": [("key", "Home"), ("key", "End")],
    }, {
        "mean requests/s": [("type", "2")],
        "share of each 10 min with traffic (%)": [("type", "30%")],
        "share of a request spent on I/O (%)": [("type", "50%"), ("type", "98")],
    }],
}
#: Nothing is queued or running: no "[*]" prompt, the kernel idle. Then every prompt shown must carry a number.
SETTLED = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
  const idle = document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
  return prompts.length > 0 && !prompts.some(t => t.includes('*')) && idle !== null;
}"""
PROMPTS = "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim())"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """JupyterLab serving a copy of student/labs (and the full labs in full/), with settings of its own: notebook
    windowing off (every cell stays in the page) and no news or update checks. Yields (base URL, token)."""
    root = tmp_path_factory.mktemp("jupyterlab")
    served = root / "labs"
    shutil.copytree(STUDENT, served)
    shutil.copytree(ROOT / "labs", served / "full", ignore=shutil.ignore_patterns("04_*", ".ipynb_checkpoints"))
    settings = root / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ, PYTHONHASHSEED="0", JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
               JUPYTER_CONFIG_DIR=str(root / "config"), JUPYTER_DATA_DIR=str(root / "data"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    jupyter = Path(sys.executable).with_name("jupyter")
    log = open(root / "jupyterlab.log", "w")
    server = subprocess.Popen([str(jupyter), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                               f"--ServerApp.root_dir={served}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert server.poll() is None, (root / "jupyterlab.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _run_all(browser, base: str, token: str, path: str):
    """A page with the notebook at `path` open and every cell run; console messages collected on page.messages."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.messages = []
    page.on("console", lambda message: page.messages.append(message.text))
    # A workspace of its own, reset: only this notebook is open in the page.
    workspace = re.sub(r"[^a-z0-9]+", "-", path.lower())
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?token={token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    # The kernel is connected and idle (the status bar says so) before anything is run.
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                           ".some(e => /\\| Idle$/.test(e.textContent.trim()))", timeout=120_000, polling=250)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(f"() => ({PROMPTS})().some(t => t.includes('*'))", timeout=60_000, polling=100)
    page.wait_for_function(SETTLED, timeout=300_000, polling=500)
    prompts = [p for p in page.evaluate(PROMPTS) if p]
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), f"{path}: not every cell ran: {prompts}"
    return page


def _shut_down_kernels(base: str, token: str) -> None:
    """What students are told to do with a finished lab: shut its kernel down (DELETE each session)."""
    import json
    sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10))
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30)


def _check_what_shows(page, where: str) -> None:
    text = page.inner_text(".jp-Notebook")
    for what, pattern in RAW.items():
        assert not pattern.search(text), f"{where}: {what} visible: {pattern.search(text).group(0)!r}"
    # The sentence cells' code is hidden: only JupyterLab's one-line placeholder of a collapsed input shows it.
    editors = page.eval_on_selector_all(".jp-Notebook .jp-CodeCell .jp-InputArea-editor",
                                        "es => es.filter(e => e.offsetParent !== null).map(e => e.innerText)")
    assert not [e for e in editors if e.lstrip().startswith("labtext.")], f"{where}: a sentence cell's code is open"
    unresolved = [m for m in page.messages if "Cross reference target was not found" in m]
    assert not unresolved, f"{where}: {unresolved[:3]}"
    # The result sentences read with their numbers.
    rendered = page.eval_on_selector_all(".jp-OutputArea-output[data-mime-type='text/markdown']",
                                         "es => es.map(e => e.innerText)")
    assert rendered and all(re.search(r"\d", r) for r in rendered), f"{where}: sentences {rendered}"


def _panel_state(panel) -> tuple[str, str]:
    """The panel's table (as text) and figure (its image data) as it shows them now."""
    return panel.evaluate("""p => {
        const out = p.querySelector('.widget-output');
        const table = out.querySelector('table'), img = out.querySelector('img');
        return [table ? table.innerText : out.innerText, img ? img.src : ''];
    }""")


def _move(page, control, move) -> None:
    kind = move[0]
    if kind == "type":
        readout = control.locator(".widget-readout")
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(move[1])
        page.keyboard.press("Enter")
    elif kind == "key":
        control.locator(".noUi-handle").focus()
        page.keyboard.press(move[1])
    elif kind == "click":
        control.locator("input[type=checkbox]").click()
    elif kind == "select":
        options = control.locator("option").all_inner_texts()
        control.locator("select").select_option(label=next(o for o in options if move[1] in o.lower()))


@pytest.mark.parametrize("lab", LABS)
def test_student_copy_runs_reads_and_every_control_moves_its_table_and_figure(browser, lab_server, lab):
    base, token = lab_server
    page = _run_all(browser, base, token, f"{lab}.ipynb")
    try:
        _check_what_shows(page, f"student copy of {lab}")
        panels = page.locator(".jp-OutputArea-output > .widget-vbox")
        assert panels.count() == len(MOVES[lab]), f"{lab}: {panels.count()} panels"
        for index, moves in enumerate(MOVES[lab]):
            panel = panels.nth(index)
            panel.scroll_into_view_if_needed()
            labels = panel.locator(".widget-label, .widget-checkbox label").all_inner_texts()
            assert sorted(l.strip("\u200b ") for l in labels if l.strip("\u200b ")) == sorted(moves), f"{lab}: {labels}"
            for label, steps in moves.items():
                control = panel.locator(".widget-inline-hbox", has=page.get_by_text(label, exact=True)).first
                for step in steps:
                    before = _panel_state(panel)
                    _move(page, control, step)
                    try:
                        page.wait_for_function(
                            """([p, before]) => { const out = p.querySelector('.widget-output');
                                 const t = out.querySelector('table'), i = out.querySelector('img');
                                 return t && i && (t.innerText !== before[0]) && (i.src !== before[1]); }""",
                            arg=[panel.element_handle(), before], timeout=30_000, polling=250)
                    except Exception as error:
                        after = _panel_state(panel)
                        raise AssertionError(f"{lab}: {label!r} {step}: the table and figure did not both change "
                                             f"(table changed: {after[0] != before[0]}, figure changed: "
                                             f"{after[1] != before[1]}); the panel shows {after[0][:300]!r}") from error
                    if step[0] == "type" and step[1].endswith("%"):
                        assert control.locator(".widget-readout").inner_text().strip() == step[1].rstrip("%")
            readouts = panel.locator(".widget-hslider .widget-readout").all_inner_texts()
            assert "1,000" in readouts or "Cloud Run max concurrency" not in moves, readouts
    finally:
        page.close()
        _shut_down_kernels(base, token)


@pytest.mark.parametrize("lab", LABS)
def test_full_lab_runs_top_to_bottom_and_reads(browser, lab_server, lab):
    base, token = lab_server
    page = _run_all(browser, base, token, f"full/{lab}.ipynb")
    try:
        _check_what_shows(page, f"full {lab}")
        errors = page.eval_on_selector_all(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                           "es => es.map(e => e.innerText)")
        assert not [e for e in errors if "Traceback" in e or "Error" in e], errors[:2]
    finally:
        page.close()
        _shut_down_kernels(base, token)
