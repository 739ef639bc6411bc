"""The README's Python examples run as printed: each ```python block, in order, in one namespace."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_the_readme_has_python_examples_and_they_run(tmp_path, monkeypatch):
    blocks = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README shows no ```python example"
    monkeypatch.chdir(tmp_path)            # an example that writes files writes them here
    namespace: dict = {}
    for number, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"README.md python block {number}", "exec"), namespace)
        except Exception as error:       # noqa: BLE001 - the message names the block that broke
            raise AssertionError(f"README.md python block {number} fails: {error!r}\n{code}") from error
