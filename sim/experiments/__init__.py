"""Experiments behind the book's chapters: each module runs one chapter's sweeps and draws its figures.

Modules are imported by name (for example `from sim.experiments import cold_starts`); this package
deliberately imports nothing, so adding a chapter's module never slows down or breaks another's.
What several chapters share (running simulations as rows, traffic and work shapes, figure styles and ticks)
is in `_common`; the taught code the chapters show comes from `sim.source`.
"""
