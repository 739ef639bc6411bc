"""Write binder/requirements.txt from the root requirements.txt (the same pins, plus the editable install of sim).

repo2docker reads only binder/ when that folder exists, and cannot follow `-r ../requirements.txt`;
so Binder gets a copy, and tests/test_binder.py checks the copy is in sync.

    .venv/bin/python tools/make_binder_requirements.py          # rewrite the copy
    .venv/bin/python tools/make_binder_requirements.py --check  # exit 1 if it is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "requirements.txt"
TARGET = ROOT / "binder" / "requirements.txt"
HEADER = ("# Generated from ../requirements.txt by tools/make_binder_requirements.py: do not edit by hand.\n"
          "# repo2docker installs this from the repository root, so '-e .' installs the sim package editable.\n")


def requirement_lines(text: str) -> list[str]:
    """The requirement lines of a requirements file, without comments or blank lines."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def binder_text() -> str:
    lines = requirement_lines(SOURCE.read_text(encoding="utf-8"))
    if "-e ." not in lines:
        lines.append("-e .")
    return HEADER + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    wanted = binder_text()
    if "--check" in argv:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != wanted:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run tools/make_binder_requirements.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(wanted, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
