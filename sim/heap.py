"""Freed memory handed back to the operating system, so that a kernel's size follows what it holds.

A panel's redraw drops the previous run (its requests, bills and figure data) and makes a new one of about the
same size. CPython and NumPy free the old one, but glibc's allocator keeps the freed pages in its heap for reuse,
so a kernel's resident size grows by the fragments it keeps and stays there (benchmarks/kernel_memory.py:
about 20 MB within the first twenty moves of a lab 3 slider, then flat). `give_back` asks the allocator to
return its free pages (glibc's malloc_trim(0), documented in malloc_trim(3)); elsewhere it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable | None:
    """glibc's malloc_trim, or None where the C library has none (macOS, Windows, musl)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back() -> bool:
    """Return the C heap's free pages to the operating system; True if the allocator could release any."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False

