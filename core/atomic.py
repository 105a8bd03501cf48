"""Files that appear whole or not at all: written beside the target, then renamed over it.

Readers (a DAG task, a reparse, another crawl) never see half a file, and a
write that fails leaves the old file and no temporary behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file that replaces ``path`` when the block ends without error."""
    with _replacing(path) as fd, os.fdopen(fd, "w", encoding="utf-8") as fh:
        yield fh


@contextmanager
def atomic_bytes(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` when the block ends without error."""
    with _replacing(path) as fd, os.fdopen(fd, "wb") as fh:
        yield fh


@contextmanager
def _replacing(path: Path) -> Iterator[int]:
    """A descriptor of a temporary file renamed over ``path`` once the block (and file) closed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory, so the rename stays on one file system and is atomic.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        yield fd
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
