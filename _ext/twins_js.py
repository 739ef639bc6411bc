"""Serve the HTML twins' JavaScript from the book itself, only on the pages that hold a twin.

The files are npm packages' builds (pinned by version in `_config.yml`, `twins_js`, with their sha256),
fetched by tools/fetch_widget_js.sh into .cache/widgets-js/npm/. The build fails if one is missing or
differs from its hash. They load before require.js (priority 200; myst-nb adds require.js at 500):
Vega's UMD builds would otherwise register as anonymous AMD modules and no `vegaEmbed` would exist.
"""
from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

HERE = Path(__file__).parent
MARKER = 'class="twin"'
CSS = "twins.css"


def _files(app: Sphinx) -> list[tuple[Path, str]]:
    """(path of the fetched file, its expected sha256) for every entry of `twins_js`."""
    root = Path(app.confdir) / ".cache" / "widgets-js" / "npm"
    out = []
    for spec, digest in app.config.twins_js.items():
        if not spec.startswith("npm:"):
            raise ExtensionError(f"twins_js entry {spec!r} must start with 'npm:'")
        out.append((root / spec[len("npm:"):], digest))
    return out


def _check(app: Sphinx) -> None:
    for path, digest in _files(app):
        if not path.is_file():
            raise ExtensionError(f"{path} is missing: run `bash tools/fetch_widget_js.sh` (needs npm)")
        found = "sha256-" + base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
        if found != digest:
            raise ExtensionError(f"{path} has hash {found}; _config.yml twins_js expects {digest}")


def _add_to_page(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if MARKER not in context.get("body", ""):
        return
    for path, _digest in _files(app):
        app.add_js_file(f"twins/{path.name}", priority=200)
    app.add_css_file(f"twins/{CSS}")


def _copy(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "twins"
    target.mkdir(parents=True, exist_ok=True)
    for path, _digest in _files(app):
        shutil.copyfile(path, target / path.name)
    shutil.copyfile(HERE / CSS, target / CSS)


def setup(app: Sphinx) -> dict:
    app.add_config_value("twins_js", {}, "html")
    app.connect("builder-inited", _check)
    app.connect("html-page-context", _add_to_page)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
