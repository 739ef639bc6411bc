"""Argument checks shared by every public entry point: a bad value raises ValueError naming it, its value and
what is allowed.

`number`, `choice` and `flag` check one value. A config class lists what each field accepts as data, in a table
`FIELD_RANGES` of `Range`, `Choice` and `Flag` entries; `fields(config)` checks a config against its table and
`field_range(config, name)` gives one field's range as values (sim.widgets' sliders take their bounds from it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np


def number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, integer: bool = False) -> float:
    """Return `value` if it is a finite number in range, else raise ValueError naming `name`.
    A numpy scalar is taken as the Python number it holds (and returned as one)."""
    allowed = _describe(low, high, low_open, integer)
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} is not allowed; expected {allowed}")
    if integer and int(value) != value:
        raise ValueError(f"{name}={value!r} is not allowed; expected {allowed}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name}={value!r} is out of range; expected {allowed}")
    if high is not None and value > high:
        raise ValueError(f"{name}={value!r} is out of range; expected {allowed}")
    return value


def real(name: str, value: Any, **limits) -> float:
    """`number`, returned as a float."""
    return float(number(name, value, **limits))


def choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return `value` if it is one of `allowed`, else raise ValueError naming `name`."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed; expected one of {', '.join(map(repr, allowed))}")
    return value


def flag(name: str, value: Any) -> bool:
    """Return `value` as a bool if it is True or False (numpy's too), else raise ValueError naming `name`."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r} is not allowed; expected True or False")
    return bool(value)


def nonnegative_array(name: str, values) -> np.ndarray:
    """`values` as a flat float64 array if every element is a finite number >= 0, else raise ValueError naming
    the first bad element by its index."""
    values = np.array(values, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}]={float(values[i])!r} is not allowed; expected a finite number >= 0")
    return values


def _describe(low, high, low_open, integer) -> str:
    kind = "an integer" if integer else "a number"
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{low:g}, {high:g}]"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{kind} <= {high:g}"
    return f"a finite {kind[2:] if kind.startswith('a ') else kind}"


# ---------------------------------------------------------------- what a config's fields accept, as data
Bound = float | str | Callable[[Any], float] | None


def _resolve(bound, config):
    """A bound as a value: a number as it is, a string as the config's field of that name, a function of the config."""
    if isinstance(bound, str):
        return getattr(config, bound)
    if callable(bound):
        return bound(config)
    return bound


@dataclass(frozen=True)
class Range:
    """The numbers a field accepts: [low, high], low excluded if `low_open`, whole numbers if `integer`;
    None when `optional` (the field's "not set"). A bound is a number, None (unbounded), the name of another
    field of the config (e.g. min_instances <= max_instances) or a function of the config."""
    low: Bound = None
    high: Bound = None
    integer: bool = False
    low_open: bool | Callable[[Any], bool] = False
    optional: bool = False

    def of(self, config) -> "Range":
        """This range with its bounds taken from `config`'s other fields (numbers; unbounded as -inf or inf)."""
        low, high = _resolve(self.low, config), _resolve(self.high, config)
        return Range(-math.inf if low is None else low, math.inf if high is None else high, self.integer,
                     bool(_resolve(self.low_open, config)))

    def check(self, name: str, value, config=None):
        if value is None and self.optional:
            return value
        low, high = _resolve(self.low, config), _resolve(self.high, config)
        return number(name, value, low=low, high=high, low_open=bool(_resolve(self.low_open, config)),
                      integer=self.integer)


@dataclass(frozen=True)
class Choice:
    """The values a field accepts, listed."""
    allowed: tuple

    def check(self, name: str, value, config=None):
        return choice(name, value, self.allowed)


@dataclass(frozen=True)
class Flag:
    """A field that is True or False."""

    def check(self, name: str, value, config=None):
        return flag(name, value)


def fields(config) -> None:
    """Check every field of `config` listed in its class's FIELD_RANGES, in the table's order."""
    for name, rule in type(config).FIELD_RANGES.items():
        rule.check(name, getattr(config, name), config)


def field_range(config, name: str) -> Range:
    """What `config` accepts for its numeric field `name`, given its other fields: a Range of numbers."""
    rule = getattr(type(config), "FIELD_RANGES", {}).get(name)
    if not isinstance(rule, Range):
        raise ValueError(f"{type(config).__name__}.{name} has no numeric range; expected one of "
                         f"{', '.join(k for k, r in getattr(type(config), 'FIELD_RANGES', {}).items() if isinstance(r, Range))}")
    return rule.of(config)
