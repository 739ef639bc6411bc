"""Shared pytest set-up: a fixed hash seed for notebook kernels, and the built book served to a headless browser."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Kernels started by nbval inherit this; tools/execute_notebooks.py sets the same value.
os.environ.setdefault("PYTHONHASHSEED", "0")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str):
    """Skip on a developer machine; on CI a missing browser prerequisite is an error."""
    if on_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


def build_book() -> None:
    """Build the book as the README does; fail with the builder's output if it does not succeed."""
    builder = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(builder), "build", str(ROOT), "-W", "--keep-going"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"jupyter-book build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}", pytrace=False)


@pytest.fixture(scope="session")
def book_html() -> Path:
    """The built HTML folder: BOOK_HTML if set (e.g. a deliberately broken copy), else _build/html, built if missing."""
    if os.environ.get("BOOK_HTML"):
        folder = Path(os.environ["BOOK_HTML"]).resolve()
        if not (folder / "index.html").is_file():
            pytest.fail(f"BOOK_HTML={folder} has no index.html", pytrace=False)
        return folder
    folder = ROOT / "_build" / "html"
    if not (folder / "index.html").is_file():
        build_book()
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


@pytest.fixture(scope="session")
def book_url(book_html: Path):
    """Serve the built book on a free port of 127.0.0.1 for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM.is_file() and not shutil.which(str(CHROMIUM)):
        skip_or_fail(f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright Python package is not installed; run: bash tools/setup_and_build.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
