"""Re-execute the book's notebooks in place, reproducibly.

    .venv/bin/python tools/execute_notebooks.py                 # every notebook in chapters/ and labs/
    .venv/bin/python tools/execute_notebooks.py chapters/x.ipynb
    .venv/bin/python tools/execute_notebooks.py --text-only          # only rewrite the text pairs

After executing, each notebook's MyST Markdown pair (jupytext.toml: text/chapters/x.md for chapters/x.ipynb)
is written from it, so the prose can be reviewed and edited as text; `jupytext --sync` brings an edit of either
file into the other.
Running it twice on unchanged code changes no byte: no timing metadata (record_timing=False), a cell's
consecutive prints stored as one output whatever their timing (coalesce_streams=True),
widget model ids renumbered from the notebook's path and their order of creation,
deterministic cell ids, PYTHONHASHSEED=0 in the kernel, and nbformat's canonical JSON layout.
The stored widget state (metadata.widgets) is what the HTML book uses to show a live-looking slider.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path
from queue import Empty

import jupytext
import nbformat
from jupytext.config import load_jupytext_configuration_file
from jupytext.paired_paths import paired_paths
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("chapters", "labs")
WIDGET_STATE_KEY = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_KEY = "application/vnd.jupyter.widget-view+json"
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
#: The pairing of notebooks with text files (jupytext's configuration, which `jupytext --sync` reads too).
JUPYTEXT_TOML = ROOT / "jupytext.toml"
TIMEOUT_S = 600
POLL_SLICE_S = 0.5


def _sliced(get_msg):
    """Wrap an async channel's get_msg so it polls in short slices up to the caller's timeout."""
    async def get_msg_in_slices(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=POLL_SLICE_S if remaining is None else min(POLL_SLICE_S, remaining))
            except Empty:
                if remaining is not None and remaining <= POLL_SLICE_S:
                    raise
    return get_msg_in_slices


class SlicedPollClient(NotebookClient):
    """A NotebookClient that polls the kernel's channels in short slices.

    With pyzmq's asyncio sockets a wake-up can be missed when a cell sends many messages at once
    (seen here with widget cells): the execute reply then sits unread until the whole cell timeout
    has passed. Polling in 0.5 s slices bounds that delay.
    """

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        for channel in (client.shell_channel, client.iopub_channel):
            channel.get_msg = _sliced(channel.get_msg)
        return client


def default_notebooks() -> list[Path]:
    """Every notebook under chapters/ and labs/, checkpoints excluded, in path order."""
    found = []
    for folder in NOTEBOOK_DIRS:
        found += [p for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(found)


def widget_ids(nb) -> list[str]:
    """Widget model ids in a deterministic order: creation order in the stored state, then views in outputs."""
    ids: list[str] = []
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_KEY, {}).get("state", {})
    ids += list(state)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW_KEY)
            if view and view.get("model_id") not in ids:
                ids.append(view["model_id"])
    return ids


def renumber_widget_ids(nb, name: str):
    """Replace every widget model id (outputs, state, IPY_MODEL_ references) by a stable one."""
    ids = widget_ids(nb)
    if not ids:
        return nb
    stable = {old: hashlib.sha256(f"{name}:{i}".encode()).hexdigest()[:32] for i, old in enumerate(ids)}
    pattern = re.compile("|".join(re.escape(old) for old in sorted(ids, key=len, reverse=True)))
    text = pattern.sub(lambda m: stable[m.group(0)], json.dumps(nb))
    return nbformat.from_dict(json.loads(text))


def strip_volatile(nb, name: str):
    """Drop timing, UI and jupytext metadata; give every cell a deterministic id."""
    for index, cell in enumerate(nb.cells):
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if not cell.get("id"):
            cell["id"] = hashlib.sha256(f"{name}:cell:{index}".encode()).hexdigest()[:8]
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("jupytext", None)   # what `jupytext --sync` adds from a text pair (its lexer)
    return nb


def text_pair(path: Path) -> tuple[Path, str]:
    """The text file paired with notebook `path` and its jupytext format (from jupytext.toml)."""
    config = load_jupytext_configuration_file(str(JUPYTEXT_TOML))
    formats = config.default_formats(str(path.resolve()))
    if not formats:
        raise ValueError(f"path={str(path)!r} has no text pair in {JUPYTEXT_TOML.name}; expected a notebook in "
                         f"{' or '.join(NOTEBOOK_DIRS)}/")
    pairs = [(Path(p), fmt) for p, fmt in paired_paths(str(path.resolve()), "ipynb", formats)
             if fmt["extension"] != ".ipynb"]
    target, fmt = pairs[0]
    return target, f"{fmt['extension'][1:]}:{fmt['format_name']}"


def write_text_pair(path: Path) -> Path:
    """Write the notebook's text pair from it (cells and their metadata; outputs stay in the .ipynb)."""
    target, fmt = text_pair(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(nbformat.read(path, as_version=4), target, fmt=fmt)
    return target


def execute(path: Path) -> float:
    """Execute one notebook in its own folder and rewrite it; return the seconds it took."""
    started = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    name = path.resolve().relative_to(ROOT).as_posix()
    strip_volatile(nb, name)  # ids before execution so nothing random is added on the way
    client = SlicedPollClient(
        nb,
        kernel_name="python3",
        timeout=TIMEOUT_S,
        record_timing=False,
        coalesce_streams=True,   # a cell's prints are one output however the kernel's messages were timed
        store_widget_state=True,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nb = renumber_widget_ids(strip_volatile(nb, name), name)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to execute (default: chapters/ and labs/)")
    parser.add_argument("--text-only", action="store_true",
                        help="write the notebooks' text pairs without executing them")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or default_notebooks()
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    # The kernel inherits this environment: fixed hash seed for set/dict-order stability.
    os.environ["PYTHONHASHSEED"] = "0"
    for path in notebooks:
        if not args.text_only:
            print(f"executing {path.relative_to(ROOT)} ...", flush=True)
            print(f"  done in {execute(path):.1f} s", flush=True)
        print(f"  wrote {write_text_pair(path).relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
