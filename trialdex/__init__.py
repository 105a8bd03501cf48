"""Trialdex: clinical-trial registry ingestion and faceted search (the console script)."""

from core import __version__

__all__ = ["__version__"]
