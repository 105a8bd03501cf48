"""Fixtures for pipeline tests: a small corpus subset served by the ClinicalTrials.gov emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SUBSET = 12  # studies: enough variety, quick to harvest


@pytest.fixture(scope="session")
def ctgov_subset(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of symlinks to its first studies (``<dir>/ctgov_v2/NCT*.json``; nothing copied)."""
    root = tmp_path_factory.mktemp("ctgov-subset")
    folder = root / "ctgov_v2"
    folder.mkdir()
    for path in sorted((corpus / "ctgov_v2").glob("NCT*.json"))[:SUBSET]:
        (folder / path.name).symlink_to(path)
    return root


@pytest.fixture
def ctgov_api(ctgov_subset: Path) -> Iterator[str]:
    from devtools.ctgov_emulator import start_emulator

    url, stop = start_emulator(ctgov_subset)
    try:
        yield url
    finally:
        stop()
