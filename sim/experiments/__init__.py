"""Experiments behind the book's chapters: each module runs one chapter's sweeps and draws its figures.

Modules are imported by name (for example `from sim.experiments import cold_starts`); this package
deliberately imports nothing, so adding a chapter's module never slows down or breaks another's.
"""
