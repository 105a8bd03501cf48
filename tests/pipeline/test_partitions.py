from datetime import UTC, datetime, timedelta, timezone

import pytest

from parsers.errors import ConfigurationError
from pipeline.partitions import Partition, read_json, write_json


def test_partition_paths_are_keyed_by_source_and_interval(tmp_path):
    p = Partition.of(tmp_path, "ctgov", "2026-01-31T00:00:00+00:00", "2026-02-01T00:00:00Z")
    assert p.key == "20260131T000000Z_20260201T000000Z"
    assert p.dir == tmp_path / "runs" / "ctgov" / p.key
    assert p.raw_dir == tmp_path / "raw" / "ctgov"
    assert p.state_file == tmp_path / "runs" / "ctgov" / "state.json"


def test_the_same_moment_in_another_timezone_is_the_same_partition(tmp_path):
    utc = Partition.of(tmp_path, "ctgov", datetime(2026, 3, 1, 5, tzinfo=UTC), "2026-03-02")
    plus_two = timezone(timedelta(hours=2))
    local = Partition.of(tmp_path, "ctgov", datetime(2026, 3, 1, 7, tzinfo=plus_two), "2026-03-02")
    assert utc.key == local.key


def test_keys_sort_in_time_order(tmp_path):
    early = Partition.of(tmp_path, "s", "2026-01-09", "2026-01-10")
    late = Partition.of(tmp_path, "s", "2026-01-10", "2026-01-11")
    assert early.key < late.key


@pytest.mark.parametrize("source", ["", "CtGov", "../etc", "a b"])
def test_bad_source_names_are_refused(tmp_path, source):
    with pytest.raises(ConfigurationError, match="source"):
        Partition.of(tmp_path, source, "2026-01-01", "2026-01-02")


def test_an_interval_ending_before_it_starts_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="before it starts"):
        Partition.of(tmp_path, "s", "2026-01-02", "2026-01-01")


def test_a_bad_date_names_the_value(tmp_path):
    with pytest.raises(ConfigurationError, match="'yesterday'"):
        Partition.of(tmp_path, "s", "yesterday", "2026-01-01")


def test_write_json_is_atomic_and_readable(tmp_path):
    path = tmp_path / "a" / "b.json"
    write_json(path, {"n": 1})
    write_json(path, {"n": 2})
    assert read_json(path) == {"n": 2}
    assert [p.name for p in path.parent.iterdir()] == ["b.json"]
    assert read_json(tmp_path / "missing.json", {"x": 0}) == {"x": 0}


def test_broken_json_names_the_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(ConfigurationError, match=r"state\.json"):
        read_json(path)


def test_raw_stores_can_live_outside_the_data_dir(tmp_path):
    p = Partition.of(tmp_path / "data", "ctgov", "2026-01-01", "2026-01-02", tmp_path / "raw")
    assert p.raw_dir == tmp_path / "raw" / "ctgov"
    assert p.dir == tmp_path / "data" / "runs" / "ctgov" / p.key
