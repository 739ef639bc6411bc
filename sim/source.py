"""The simulator's own code, shown where the book teaches it.

A chapter shows the few lines that implement a rule right after the prose that gives it, read from `sim/` itself:

    from sim import source
    source.excerpt("lambda_model", "keep-alive")     # the lines between the module's teaching markers

The lines are those between `# [teach:<marker>]` and `# [/teach:<marker>]` in `sim/<module>.py`, dedented.
An `Excerpt` shows as Markdown (a Python code block headed by the file and its line numbers, with a link to
them in the repository), so it reads the same in the built book and in JupyterLab, where a MyST
`literalinclude` would be an unknown directive; its plain text is the code alone.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

#: The folder of the package's modules.
PACKAGE = Path(__file__).resolve().parent
#: The repository the book is published from (_config.yml's repository url; the source links point there).
REPOSITORY = "https://github.com/the-workload-decides/the-workload-decides"
_MODULE = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")
_MARKER = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class Excerpt:
    """Lines `first_line` to `last_line` (1-based, inclusive) of `path` (relative to the repository), dedented."""

    path: str
    first_line: int
    last_line: int
    code: str

    @property
    def url(self) -> str:
        """The lines in the repository on GitHub."""
        return f"{REPOSITORY}/blob/main/{self.path}#L{self.first_line}-L{self.last_line}"

    def markdown(self) -> str:
        """A heading line naming the file and lines (linked), then the code as a fenced Python block."""
        return (f"[`{self.path}`, lines {self.first_line}–{self.last_line}]({self.url})\n\n"
                f"```python\n{self.code}\n```\n")

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"# {self.path}, lines {self.first_line}-{self.last_line}\n{self.code}"


def excerpt(module: str, marker: str) -> Excerpt:
    """The lines of `sim/<module>.py` between `# [teach:<marker>]` and `# [/teach:<marker>]` (each on a line of
    its own, once), dedented. A ValueError names a module that is not in the package, or a marker that is
    missing, repeated or out of order."""
    if not isinstance(module, str) or not _MODULE.fullmatch(module):
        raise ValueError(f"module={module!r} is not allowed; expected a module name of the sim package, "
                         "such as 'lambda_model'")
    if not isinstance(marker, str) or not _MARKER.fullmatch(marker):
        raise ValueError(f"marker={marker!r} is not allowed; expected a lower-case name with hyphens, "
                         "such as 'keep-alive'")
    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise ValueError(f"module={module!r} is not in the sim package (no {path.name} in {PACKAGE})")
    lines = path.read_text(encoding="utf-8").splitlines()
    opens = [k for k, line in enumerate(lines) if line.strip() == f"# [teach:{marker}]"]
    closes = [k for k, line in enumerate(lines) if line.strip() == f"# [/teach:{marker}]"]
    if len(opens) != 1 or len(closes) != 1 or opens[0] >= closes[0]:
        raise ValueError(f"marker={marker!r} is not allowed for module {module!r}: sim/{path.relative_to(PACKAGE)} "
                         f"has {len(opens)} '# [teach:{marker}]' and {len(closes)} '# [/teach:{marker}]' lines; "
                         "expected one of each, the opening first")
    body = lines[opens[0] + 1:closes[0]]
    if not any(line.strip() for line in body):
        raise ValueError(f"marker={marker!r} encloses no code in sim/{path.relative_to(PACKAGE)}")
    relative = path.relative_to(PACKAGE.parent).as_posix()
    return Excerpt(relative, opens[0] + 2, closes[0], textwrap.dedent("\n".join(body)).strip("\n"))
