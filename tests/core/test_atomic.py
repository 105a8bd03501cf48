"""Atomic file writes: the whole new file or the old one, never a temporary left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.atomic import atomic_bytes, atomic_text


def test_text_is_written_whole_and_folders_are_made(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "stats.json"
    with atomic_text(target) as fh:
        fh.write("{}\n")
        assert not target.exists()  # not visible until the block ends
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["stats.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "blob.gz"
    with atomic_bytes(target) as fh:
        fh.write(b"old")
    with pytest.raises(RuntimeError), atomic_bytes(target) as fh:
        fh.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["blob.gz"]
