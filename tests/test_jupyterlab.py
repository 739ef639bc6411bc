"""The labs as students meet them: JupyterLab (from .venv) on 127.0.0.1 with a token, in a temporary copy of the
student labs (and of the full labs, in full/), driven by Chromium.

Each notebook is opened and run with Run > Run All Cells. Then no raw glue key, no "Unknown Directive" box,
no unresolved-reference message and no lab plumbing (glue calls, the sentence helpers' code) may be visible.
In the student copies every control of every panel is then moved as a student would (typed into the readout,
percent values typed with their "%", the concurrency control sent to both ends with Home and End, the switch
clicked, the menu chosen), and after each move the panel's table and figure must change. Lab 4's capstone panel
also gets a file through its file input (milliseconds since the start, two columns), its unit and column chosen,
the file cleared with its button (the shape menu and rate slider disabled while the file is used, enabled after),
and Lambda REPORT lines pasted, whose CPU share and per-request switch then move the verdict.
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
CAPSTONE = "04_your_workload_decides"
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
    shutil.copytree(ROOT / "labs", served / "full", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
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


def _open_answers(page) -> int:
    """Open every folded answer (MyST's dropdowns render as <details>), as a student reading the answers would."""
    return page.evaluate("() => { const ds = [...document.querySelectorAll('.jp-Notebook details')];"
                         " ds.forEach(d => { d.open = true; }); return ds.length; }")


def _check_what_shows(page, where: str) -> None:
    _open_answers(page)
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
    # Their dollar amounts read as money, not typeset as formulas between two "$".
    typeset = page.eval_on_selector_all(".jp-OutputArea-output[data-mime-type='text/markdown'] "
                                        ":is(mjx-container, .MathJax, .math)", "es => es.map(e => e.outerHTML)")
    assert not typeset, f"{where}: a sentence typeset as a formula: {typeset[0][:200]}"


def _changed(panel, before, where: str) -> None:
    """Wait until the panel shows a table and a figure that both differ from `before`."""
    try:
        panel.page.wait_for_function(
            """([p, before]) => { const out = p.querySelector('.widget-output');
                 const t = out.querySelector('table'), i = out.querySelector('img');
                 return t && i && (t.innerText !== before[0]) && (i.src !== before[1]); }""",
            arg=[panel.element_handle(), before], timeout=30_000, polling=250)
    except Exception as error:
        after = _panel_state(panel)
        raise AssertionError(f"{where}: the table and figure did not both change (table changed: "
                             f"{after[0] != before[0]}, figure changed: {after[1] != before[1]}); the panel shows "
                             f"{after[0][:300]!r}") from error


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
    elif kind == "text":                       # a text box or text area: filled, then left (it reports on change)
        box = control.locator("textarea, input[type=text]")
        box.fill(move[1])
        box.press("Tab")
    elif kind == "upload":                     # the button clicked, and the file chosen in the dialog it opens
        with page.expect_file_chooser() as chooser:
            control.click()
        chooser.value.set_files(files=[move[1]])
    elif kind == "button":
        control.click()


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
                    _changed(panel, before, f"{lab}: {label!r} {step}")
                    if step[0] == "type" and step[1].endswith("%"):
                        assert control.locator(".widget-readout").inner_text().strip() == step[1].rstrip("%")
            readouts = panel.locator(".widget-hslider .widget-readout").all_inner_texts()
            assert "1,000" in readouts or "Cloud Run max concurrency" not in moves, readouts
    finally:
        page.close()
        _shut_down_kernels(base, token)


#: The capstone panel's moves, in order: (label of the control, move, whether the table and figure must change).
#: The shapes first; then a file (milliseconds since the start in two columns) read as seconds, then as
#: milliseconds, then from its second column; the format named as detected (the same verdict); the file cleared
#: (the shape again) and the timestamp settings and format put back (ignored without a file: the same); then REPORT lines
#: pasted, their CPU share and the per-request switch.
UNIT_COLUMN_FILE = "sent_ms,done_ms\n" + "".join(f"{k * 15000},{k * 7500 + 40}\n" for k in range(200))
CAPSTONE_MOVES = [
    ("traffic shape", ("select", "steady"), True),
    ("mean requests per second", ("type", "3"), True),
    ("window (minutes; timestamps: how long the export covers)", ("type", "20"), True),
    ("CPU per request (ms)", ("type", "50"), True),
    ("I/O wait per request (ms)", ("type", "300"), True),
    ("upload a file", ("upload", {"name": "export.csv", "mimeType": "text/csv",
                                  "buffer": UNIT_COLUMN_FILE.encode()}), True),
    ("timestamp unit", ("select", "ms"), True),
    ("timestamp column (number from 0, or name)", ("text", "1"), True),
    ("file format", ("select", "timestamps"), False),
    ("clear the file", ("button",), True),
    ("timestamp column (number from 0, or name)", ("text", "0"), False),
    ("timestamp unit", ("select", "detect"), False),
    ("file format", ("select", "detect"), False),
    ("timestamps", ("text", (ROOT / "labs" / "data" / "sample_lambda_report.csv").read_text()), True),
    ("CPU share of a logged duration", ("type", "0.5"), True),
    ("each request's own duration (when the file has one)", ("click",), True),
]


def _capstone_control(panel, label: str):
    """A capstone control by its label (a button or the file input by their text)."""
    if label in ("upload a file", "clear the file"):
        return panel.locator(".widget-upload, .widget-button", has_text=label).first
    return panel.locator(".widget-inline-hbox", has=panel.page.get_by_text(label, exact=True)).first


def _shape_controls_disabled(panel) -> tuple[bool, bool]:
    shape = _capstone_control(panel, "traffic shape").locator("select")
    rate = _capstone_control(panel, "mean requests per second")
    return shape.is_disabled(), rate.locator(".noUi-target[disabled], .slider-container [disabled]").count() > 0


def test_lab4_student_copy_runs_reads_and_every_capstone_control_moves_the_verdict(browser, lab_server):
    base, token = lab_server
    page = _run_all(browser, base, token, f"{CAPSTONE}.ipynb")
    try:
        _check_what_shows(page, f"student copy of {CAPSTONE}")
        panels = page.locator(".jp-OutputArea-output > .widget-vbox")
        assert panels.count() == 1, f"{CAPSTONE}: {panels.count()} panels"
        panel = panels.first
        panel.scroll_into_view_if_needed()
        labels = {l.strip("\u200b ") for l in panel.locator(".widget-label, .widget-checkbox label").all_inner_texts()}
        assert labels - {""} == {label for label, _, _ in CAPSTONE_MOVES} - {"upload a file", "clear the file"}
        for label, step, changes in CAPSTONE_MOVES:
            where = f"{CAPSTONE}: {label!r} {step[0]}"
            control = _capstone_control(panel, label)
            before = _panel_state(panel)
            _move(page, control, step)
            if changes:
                _changed(panel, before, where)
            else:
                page.wait_for_timeout(1500)
                assert _panel_state(panel) == before, f"{where}: the verdict changed"
            if label == "upload a file":
                assert _shape_controls_disabled(panel) == (True, True), f"{where}: shape controls still enabled"
                assert "829.167" in _panel_state(panel)[0], f"{where}: read as seconds, 200 rows span 829 hours"
            if label == "clear the file":
                assert _shape_controls_disabled(panel) == (False, False), f"{where}: shape controls still disabled"
            if label == "timestamp unit" and step[1] == "ms":
                assert "0.829" in _panel_state(panel)[0], f"{where}: 200 requests 15 s apart span 0.829 hours"
        _check_what_shows(page, f"student copy of {CAPSTONE}, after the moves")
    finally:
        page.close()
        _shut_down_kernels(base, token)


@pytest.mark.parametrize("lab", [*LABS, CAPSTONE])
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
