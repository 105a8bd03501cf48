"""Trialdex: clinical-trial registry ingestion and faceted search."""

__version__ = "0.1.0"
