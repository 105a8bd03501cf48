"""Where Trialdex finds the shared corpus and design documents, and keeps its data.

The corpus is read at run time, never copied into the project:
``TRIALDEX_CORPUS`` when set, else ``../shared/corpus`` beside the checkout.
A checkout made elsewhere (a CI clone under /tmp, say) falls back to the
workplace's shared folder, ``/work/shared``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_SHARED_CANDIDATES = (REPO.parent / "shared", Path("/work/shared"))


def shared_dir() -> Path:
    """The shared folder (corpus, design documents, seed page)."""
    for candidate in _SHARED_CANDIDATES:
        if candidate.is_dir():
            return candidate
    return _SHARED_CANDIDATES[0]


def corpus_dir() -> Path:
    explicit = os.environ.get("TRIALDEX_CORPUS")
    return Path(explicit).resolve() if explicit else shared_dir() / "corpus"


def data_dir() -> Path:
    """Working data (raw store, records, SQLite index, Airflow home): ``TRIALDEX_HOME`` or ./var."""
    return Path(os.environ.get("TRIALDEX_HOME", REPO / "var")).resolve()


def raw_dir(source: str) -> Path:
    """One source's raw store: ``<root>/<source>``, the root being ``TRIALDEX_RAW_DIR``,
    else ``raw`` in the data dir (the layout the pipeline uses too)."""
    explicit = os.environ.get("TRIALDEX_RAW_DIR")
    root = Path(explicit).resolve() if explicit else data_dir() / "raw"
    return root / source
