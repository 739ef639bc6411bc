"""Argument checks shared by every public entry point: a bad value raises ValueError naming it."""
from __future__ import annotations

import math
from typing import Any, Iterable


def number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, integer: bool = False) -> float:
    """Return `value` if it is a finite number in range, else raise ValueError naming `name`."""
    allowed = _describe(low, high, low_open, integer)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} is not allowed; expected {allowed}")
    if integer and int(value) != value:
        raise ValueError(f"{name}={value!r} is not allowed; expected {allowed}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name}={value!r} is out of range; expected {allowed}")
    if high is not None and value > high:
        raise ValueError(f"{name}={value!r} is out of range; expected {allowed}")
    return value


def choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return `value` if it is one of `allowed`, else raise ValueError naming `name`."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed; expected one of {', '.join(map(repr, allowed))}")
    return value


def _describe(low, high, low_open, integer) -> str:
    kind = "an integer" if integer else "a number"
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{low:g}, {high:g}]"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{kind} <= {high:g}"
    return f"a finite {kind[2:] if kind.startswith('a ') else kind}"
