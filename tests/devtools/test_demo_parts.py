from devtools.demo import _emulator, summary_table


def test_without_a_corpus_the_emulator_is_skipped_and_said_so(tmp_path):
    said: list[str] = []
    with _emulator(tmp_path / "nowhere", said.append) as url:
        assert url is None
    assert len(said) == 1 and "skipped" in said[0] and "TRIALDEX_CORPUS" in said[0]


def test_summary_table_lines_up_columns():
    rows = [
        {
            "source": "ctgov",
            "state": "success",
            "pages": 1,
            "new pages": 1,
            "parsed": 714,
            "quarantined": 0,
            "indexed": 714,
            "searchable": 714,
            "stated": 714,
        },
        {
            "source": "listing_sample",
            "state": "failed",
            "pages": 53,
            "new pages": 0,
            "parsed": 39,
            "quarantined": 1,
            "indexed": 0,
            "searchable": "-",
            "stated": "-",
        },
    ]
    lines = summary_table(rows)
    assert lines[0].split() == [
        "source", "state", "pages", "new", "pages", "parsed", "quarantined", "indexed",
        "searchable", "stated",
    ]  # fmt: skip
    assert lines[2].index("success") == lines[3].index("failed") == lines[0].index("state")
    assert lines[2].split()[:3] == ["ctgov", "success", "1"]
    assert lines[3].split()[-2:] == ["-", "-"]
