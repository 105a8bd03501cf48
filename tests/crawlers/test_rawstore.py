"""The raw store keeps every response once, content-addressed, and survives reopening."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from crawlers.rawstore import RawBodyTooLarge, RawStore


def test_put_and_read_back(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    body = b"<html>trial</html>"
    result = store.put(
        source="listing",
        url="http://x/trial/a",
        body=body,
        headers={"ETag": '"v1"', "X-Secret": "dropped", "Content-Type": "text/html"},
    )
    assert result.changed
    stored = result.response
    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert stored.etag == '"v1"' and "x-secret" not in stored.headers
    assert store.body(stored) == body
    blob = store.blob_path(stored.sha256)
    assert blob.relative_to(tmp_path).parts[:2] == ("blobs", stored.sha256[:2])
    assert gzip.decompress(blob.read_bytes()) == body


def test_unchanged_body_stores_nothing_new(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.put(source="s", url="http://x/a", body=b"one")
    again = store.put(source="s", url="http://x/a", body=b"one")
    assert not again.changed
    assert store.count() == 1
    changed = store.put(source="s", url="http://x/a", body=b"two")
    assert changed.changed and store.count() == 2
    assert store.latest("http://x/a") == changed.response


def test_shared_body_written_once(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    first = store.put(source="s", url="http://x/a", body=b"same").response
    second = store.put(source="s", url="http://x/b", body=b"same").response
    assert first.sha256 == second.sha256
    assert len(list((tmp_path / "blobs").rglob("*.gz"))) == 1
    assert [r.url for r in store.iter_latest("s")] == ["http://x/a", "http://x/b"]


def test_reopen_and_increments(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.put(source="s", url="http://x/a", body=b"a")
    mark = store.last_id()
    store.close()
    reopened = RawStore(tmp_path)
    assert reopened.has("http://x/a") and not reopened.has("http://x/b")
    reopened.put(source="s", url="http://x/b", body=b"b")
    reopened.put(source="t", url="http://y/c", body=b"c")
    assert [r.url for r in reopened.iter_since(mark)] == ["http://x/b", "http://y/c"]
    assert [r.url for r in reopened.iter_since(mark, source="t")] == ["http://y/c"]


def test_a_blob_that_inflates_beyond_the_cap_is_refused(tmp_path: Path) -> None:
    import zlib

    store = RawStore(tmp_path)
    try:
        stored = store.put(source="s", url="http://x/page", body=b"<html>ok</html>").response
        assert store.body(stored) == b"<html>ok</html>"
        # A planted blob: 64 MiB of zeros from a few kilobytes.
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        bomb = b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(64)) + packer.flush()
        store.blob_path(stored.sha256).write_bytes(bomb)
        with pytest.raises(RawBodyTooLarge, match="inflates beyond 1,048,576 bytes"):
            store.body(stored, max_bytes=1 << 20)
    finally:
        store.close()
