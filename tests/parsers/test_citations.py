"""Citation markers: glued digit runs and <sup> numbers."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.citations import SUP_CLOSE, SUP_OPEN, extract_citations, readings


@pytest.mark.parametrize(
    ("digits", "n_refs", "best"),
    [
        ("12345", 11, (1, 2, 3, 4, 5)),
        ("16789", 11, (1, 6, 7, 8, 9)),
        ("1241011", 11, (1, 2, 4, 10, 11)),
        ("3", 3, (3,)),
        ("1011", 11, (10, 11)),
        ("1213", 13, (1, 2, 13)),
    ],
)
def test_best_reading(digits: str, n_refs: int, best: tuple[int, ...]) -> None:
    assert readings(digits, n_refs)[0] == best


def test_all_readings_are_listed_best_first() -> None:
    assert readings("1213", 13) == [(1, 2, 13), (12, 13)]


@pytest.mark.parametrize(
    ("digits", "n_refs"), [("12", 0), ("99", 13), ("21", 5), ("0", 5), ("105", 9), ("", 3)]
)
def test_no_reading(digits: str, n_refs: int) -> None:
    assert readings(digits, n_refs) == []


@given(st.lists(st.integers(1, 40), min_size=1, max_size=8, unique=True), st.integers(40, 60))
def test_an_increasing_list_is_always_one_of_the_readings(numbers: list[int], n_refs: int) -> None:
    numbers.sort()
    digits = "".join(map(str, numbers))
    assert tuple(numbers) in readings(digits, n_refs) or len(readings(digits, n_refs)) == 64


@given(st.text(alphabet="0123456789", max_size=30), st.integers(0, 120))
def test_every_reading_obeys_the_rule(digits: str, n_refs: int) -> None:
    for reading in readings(digits, n_refs):
        assert "".join(map(str, reading)) == digits
        assert all(1 <= n <= n_refs for n in reading)
        assert all(a < b for a, b in pairwise(reading))


def test_glued_digits_after_a_sentence() -> None:
    out = extract_citations("A large observational study.12345", 11, "qa 1")
    assert (out.text, out.citations, out.warnings) == (
        "A large observational study.",
        [1, 2, 3, 4, 5],
        [],
    )


def test_glued_digits_mid_paragraph_and_numbers_left_alone() -> None:
    out = extract_citations("Dose was 2.5 mg.3 Then 10 mg daily (v1.2).12 End", 5, "qa 2")
    assert out.text == "Dose was 2.5 mg. Then 10 mg daily (v1.2). End"
    assert out.citations == [3, 1, 2]


def test_no_reading_keeps_the_text_and_warns() -> None:
    out = extract_citations("Hot flashes.12", 0, "qa 1")
    assert out.text == "Hot flashes.12"
    assert out.citations == []
    assert out.warnings == [
        'qa 1: citation digits "12" have no reading with 0 references; kept as text'
    ]


def test_ambiguous_reading_warns() -> None:
    out = extract_citations("Outcomes.1213", 13, "qa 4")
    assert out.citations == [1, 2, 13]
    assert out.warnings == [
        'qa 4: citation digits "1213" have several readings (1,2,13; 12,13); read as 1,2,13'
    ]


def sup(text: str) -> str:
    return SUP_OPEN + text + SUP_CLOSE


def test_sup_elements() -> None:
    text = "Safe." + sup("1") + sup("6") + sup("10")
    out = extract_citations(text, 11, "qa 1")
    assert (out.text, out.citations) == ("Safe.", [1, 6, 10])


def test_sup_lists_and_ranges() -> None:
    out = extract_citations("Safe." + sup("1,2, 4-6"), 11, "qa 1")
    assert (out.text, out.citations) == ("Safe.", [1, 2, 4, 5, 6])


def test_sup_out_of_range_is_kept_with_a_warning() -> None:
    out = extract_citations("Safe." + sup("2,30"), 11, "qa 1")
    assert out.text == "Safe.2,30"
    assert out.citations == []
    assert len(out.warnings) == 1


@given(st.text(max_size=200), st.integers(0, 30))
def test_never_raises(text: str, n_refs: int) -> None:
    out = extract_citations(text, n_refs, "qa 1")
    assert all(1 <= n <= n_refs for n in out.citations)
