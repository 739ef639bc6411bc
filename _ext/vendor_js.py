"""Serve every script the pages need from the book itself, so a copied book works with no network.

The files are npm packages as published (pinned by version in `_config.yml`), fetched by
tools/fetch_widget_js.sh into .cache/widgets-js/npm/ and copied into `_static/vendor/npm/` at the end of
the build. `vendor_npm` maps each file a page loads to its sha256: the build fails if one is missing or
differs. `vendor_npm_folders` are copied whole (MathJax's fonts and lazily loaded parts, the widget
manager's chunks and icon fonts). MathJax and the widget manager are named in `_config.yml`
(`mathjax_path`, `nb_ipywidgets_js`) by their path under `_static/`.

The HTML twins' Vega, Vega-Lite and vega-embed (`twins_js`, a subset of `vendor_npm`) are added only to
the pages that hold a twin, before require.js (priority 200; myst-nb adds require.js at 500): Vega's UMD
builds would otherwise register as anonymous AMD modules and no `vegaEmbed` would exist.
"""
from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

HERE = Path(__file__).parent
TWIN_MARKER = 'class="twin"'
TWINS_CSS = "twins.css"
TARGET = "vendor/npm"        # under _static/


def _fetched(app: Sphinx) -> Path:
    return Path(app.confdir) / ".cache" / "widgets-js" / "npm"


def _spec(entry: str) -> str:
    if not entry.startswith("npm:"):
        raise ExtensionError(f"vendor entry {entry!r} must start with 'npm:'")
    return entry[len("npm:"):]


def _check(app: Sphinx) -> None:
    root = _fetched(app)
    for entry, digest in app.config.vendor_npm.items():
        path = root / _spec(entry)
        if not path.is_file():
            raise ExtensionError(f"{path} is missing: run `bash tools/fetch_widget_js.sh` (needs npm)")
        found = "sha256-" + base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
        if found != digest:
            raise ExtensionError(f"{path} has hash {found}; _config.yml vendor_npm expects {digest}")
    for entry in app.config.vendor_npm_folders:
        if not (root / _spec(entry)).is_dir():
            raise ExtensionError(f"{root / _spec(entry)} is missing: run `bash tools/fetch_widget_js.sh` (needs npm)")
    unknown = [e for e in app.config.twins_js if e not in app.config.vendor_npm]
    if unknown:
        raise ExtensionError(f"twins_js entries {unknown} are not in vendor_npm (which pins their hashes)")


def _add_twins(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if TWIN_MARKER not in context.get("body", ""):
        return
    for entry in app.config.twins_js:
        app.add_js_file(f"{TARGET}/{_spec(entry)}", priority=200)
    app.add_css_file(f"twins/{TWINS_CSS}")


def _copy(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root, static = _fetched(app), Path(app.outdir) / "_static"
    for entry in app.config.vendor_npm:
        target = static / TARGET / _spec(entry)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / _spec(entry), target)
    for entry in app.config.vendor_npm_folders:
        shutil.copytree(root / _spec(entry), static / TARGET / _spec(entry), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.map", "sre", "*-full*.js", "node-main.js"))
    (static / "twins").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / TWINS_CSS, static / "twins" / TWINS_CSS)


def setup(app: Sphinx) -> dict:
    app.add_config_value("vendor_npm", {}, "html")
    app.add_config_value("vendor_npm_folders", [], "html")
    app.add_config_value("twins_js", [], "html")
    app.connect("builder-inited", _check)
    app.connect("html-page-context", _add_twins)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
