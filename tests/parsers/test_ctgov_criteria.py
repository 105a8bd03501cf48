"""The eligibility-criteria splitter and the small value decoders of the ctgov parser."""

from __future__ import annotations

import pytest

from parsers.ctgov_common import age_years, citation_doi, citation_year, partial_date, split_name
from parsers.ctgov_criteria import heading_kind, split_criteria


def test_markdown_headings_and_bullets() -> None:
    text = (
        "Inclusion Criteria:\n\n* Age \\>= 18 years\n* Signed consent\n\n"
        "Exclusion Criteria:\n\n* Pregnancy\n* Prior therapy with \\[drug\\]"
    )
    result = split_criteria(text)
    assert result.inclusion == ["Age >= 18 years", "Signed consent"]
    assert result.exclusion == ["Pregnancy", "Prior therapy with [drug]"]
    assert result.summary is None


def test_headings_in_any_case_with_qualifiers_and_numbers() -> None:
    text = (
        "KEY INCLUSION CRITERIA\n1. Adults\n2) Women\n\n"
        "Key Exclusion Criteria:\n1. Smokers\n2. Children"
    )
    result = split_criteria(text)
    assert result.inclusion == ["Adults", "Women"]
    assert result.exclusion == ["Smokers", "Children"]


def test_nested_items_stay_with_their_parent() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "1. Adequate organ function:\n\n"
        "   * bilirubin < 2 mg/dL\n   * creatinine < 1.5 x ULN\n"
        "2. ECOG 0-1\n\n"
        "Exclusion Criteria:\n\n* Pregnancy"
    )
    result = split_criteria(text)
    assert result.inclusion == [
        "Adequate organ function: bilirubin < 2 mg/dL; creatinine < 1.5 x ULN",
        "ECOG 0-1",
    ]
    assert result.exclusion == ["Pregnancy"]


def test_legacy_wrapped_text_and_deeper_sub_items() -> None:
    text = (
        "\n        Inclusion Criteria:\n\n"
        "          -  Histologically confirmed stage IIIB non-small cell lung\n"
        "             cancer\n\n"
        "               -  Squamous cell carcinoma\n\n"
        "               -  Adenocarcinoma\n\n"
        "          -  Measurable disease\n\n"
        "        Exclusion Criteria:\n\n"
        "          -  Prior chemotherapy\n      "
    )
    result = split_criteria(text)
    assert result.inclusion == [
        "Histologically confirmed stage IIIB non-small cell lung cancer; "
        "Squamous cell carcinoma; Adenocarcinoma",
        "Measurable disease",
    ]
    assert result.exclusion == ["Prior chemotherapy"]


def test_a_plain_label_does_not_adopt_the_items_under_it() -> None:
    text = (
        "\n        Hematopoietic:\n\n          -  Granulocyte count at least 1,500/mm^3\n\n"
        "          -  Platelet count at least 100,000/mm^3\n\n        Renal:\n\n"
        "          -  Creatinine no greater than 2.0 mg/dL\n"
    )
    assert split_criteria(text).inclusion == [
        "Hematopoietic:",
        "Granulocyte count at least 1,500/mm^3",
        "Platelet count at least 100,000/mm^3",
        "Renal:",
        "Creatinine no greater than 2.0 mg/dL",
    ]


def test_text_before_the_first_heading_is_the_summary() -> None:
    result = split_criteria("PATIENTS\n\nInclusion Criteria:\n\n* Adults\n\nExclusion:\n\n* None")
    assert result.summary == "PATIENTS"
    assert result.inclusion == ["Adults"]
    assert result.exclusion == ["None"]


def test_items_before_an_exclusion_heading_are_inclusion() -> None:
    result = split_criteria("* Adults\n* Consent\n\nExclusion Criteria\n\n• Under 19 years old")
    assert result.inclusion == ["Adults", "Consent"]
    assert result.exclusion == ["Under 19 years old"]


def test_no_heading_means_every_item_is_inclusion() -> None:
    result = split_criteria("* At least 2 previous episodes\n* Age 18-65")
    assert result.inclusion == ["At least 2 previous episodes", "Age 18-65"]
    assert result.exclusion == [] and result.headings == 0


def test_paragraph_criteria_and_labels_are_items() -> None:
    text = (
        "Inclusion criteria\n\nSubject satisfies standard criteria.\n\n"
        "Patients who have given consent.\n\nExclusion criteria\n\n"
        "For adolescent participants:\n\n* Requiring urgent care"
    )
    result = split_criteria(text)
    assert result.inclusion == [
        "Subject satisfies standard criteria.",
        "Patients who have given consent.",
    ]
    assert result.exclusion == ["For adolescent participants:", "Requiring urgent care"]


def test_inline_heading_text() -> None:
    result = split_criteria(
        "Inclusion Criteria:\n* Adults\n\nExclusion Criteria: contra-indication\n\n* Infection"
    )
    assert result.exclusion == ["contra-indication", "Infection"]
    stray = split_criteria("Inclusion Criteria:\n* Adults\n\nExclusion Criteria:1.\n\n* Smokers")
    assert stray.exclusion == ["Smokers"]
    empty = split_criteria("Inclusion Criteria:\n* Adults\nExclusion Criteria: none")
    assert empty.exclusion == []


def test_empty_text() -> None:
    assert split_criteria(None).inclusion == []
    assert split_criteria("   \n").exclusion == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Inclusion Criteria:", "inclusion"),
        ("INCLUSION CRITERIA", "inclusion"),
        ("Key Exclusion Criteria:", "exclusion"),
        ("* Inclusion Criteria:", "inclusion"),
        ("III.6 EXCLUSION CRITERIA", "exclusion"),
        ("Inclusion Criteria (screening)", "inclusion"),
        ("Exclusion criteria for all randomisations", "exclusion"),
        ("Major Eligibility Criteria:", "inclusion"),
        ("Inclusion:", "inclusion"),
        ("[Exclusion Criteria]", "exclusion"),
        ("Inclusion Criteria Stage 1", "inclusion"),
        ("Exclusion Criteria: Test Group", "exclusion"),
        ("Non-inclusion criteria:", "exclusion"),
        ("exclusion criterion.", None),
        ("Other protocol defined inclusion criteria could apply.", None),
        ("Inclusion criteria apply", None),
        ("* Patient meets the inclusion criteria for trial entry", None),
        ("Note: Other protocol defined Inclusion/Exclusion criteria may apply", None),
        ("Further inclusion criteria apply.", None),
        ("* Stroke (<1 year from inclusion)", None),
        ("* Inclusion criteria is willingness to consent", None),
        ("A subject is eligible for inclusion if all the following criteria are met:", None),
    ],
)
def test_heading_detection(line: str, expected: str | None) -> None:
    found = heading_kind(line)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", 18.0),
        ("6 Months", 0.5),
        ("1 Year", 1.0),
        ("42 Days", 0.115),
        ("2 Weeks", 0.038),
        ("N/A", None),
        (None, None),
    ],
)
def test_ages(text: str | None, years: float | None) -> None:
    assert age_years(text) == years


def test_a_non_age_raises() -> None:
    with pytest.raises(ValueError, match="not an age"):
        age_years("adult")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2023-05", "2023-05"),
        ("2023-05-17", "2023-05-17"),
        ("March 2012", "2012-03"),
        ("January 9, 2015", "2015-01-09"),
        ("Sept 2001", "2001-09"),
    ],
)
def test_dates_keep_their_precision(text: str, iso: str) -> None:
    assert partial_date(text) == iso


@pytest.mark.parametrize(
    ("text", "name", "degrees"),
    [
        ("Jane Doe, MD, PhD", "Jane Doe", ["MD", "PhD"]),
        ("Jean-Francois Rossignol, M.D., Ph.D.", "Jean-Francois Rossignol", ["MD", "PhD"]),
        ("Miroslav Burianek, MD MPH", "Miroslav Burianek", ["MD", "MPH"]),
        ("Patrick Serruys, Prof. MD.", "Patrick Serruys", ["Prof", "MD"]),
        ("Robert Chiesa", "Robert Chiesa", []),
        ("Clinical Trials, Sponsor GmbH", "Clinical Trials, Sponsor GmbH", []),
    ],
)
def test_official_names(text: str, name: str, degrees: list[str]) -> None:
    assert split_name(text) == (name, degrees)


def test_citation_year_and_doi() -> None:
    citation = (
        "Smith J, Doe A. A trial of things in 2000 patients. J Med. 2019 Mar;12(3):45-67. "
        "doi: 10.1000/jm.2019.12. Epub 2018 Dec 1."
    )
    assert citation_year(citation) == 2019
    assert citation_doi(citation) == "10.1000/jm.2019.12"
    assert citation_year("No year here") is None
