import pytest

from parsers.errors import ConfigurationError
from sources.listing_sites import DEFAULT_SITES, parse_sites


def test_default_is_the_sample_site():
    sites = parse_sites(None)
    assert list(sites) == list(DEFAULT_SITES) == ["sample"]
    assert sites["sample"].dag_id == "trialdex_ingest_listing_sample"
    assert sites["sample"].source == "listing_sample"


def test_sites_from_an_object_and_from_a_list_agree():
    as_object = parse_sites(
        '{"power": {"start_urls": "https://example.org/clinical-trials/for-x", '
        '"schedule": "0 3 * * *"}}'
    )
    as_list = parse_sites(
        [
            {
                "name": "power",
                "start_urls": ["https://example.org/clinical-trials/for-x"],
                "schedule": "0 3 * * *",
            }
        ]
    )
    assert as_object == as_list
    assert as_object["power"].start_urls == ("https://example.org/clinical-trials/for-x",)
    assert as_object["power"].schedule == "0 3 * * *"


def test_trial_and_listing_pages_are_told_apart():
    site = parse_sites(None)["sample"]
    assert site.is_trial_page("http://h/trial/phase-2-myeloma-3-2024-abcde")
    assert not site.is_trial_page("http://h/clinical-trials/for-myeloma?page=2")
    assert site.is_listing_page("http://h/clinical-trials/for-myeloma?page=2")
    assert not site.is_listing_page("http://h/robots.txt")


def test_a_sites_patterns_are_its_url_rules():
    site = parse_sites({"s": {"trial_url_pattern": r"^/study/\d+$"}})["s"]
    assert site.rules.trial_url_pattern == r"^/study/\d+$"
    assert site.rules.listing_url_pattern == parse_sites(None)["sample"].listing_url_pattern
    assert site.is_trial_page("http://h/study/12?x=1")
    assert not site.is_trial_page("http://h/trial/phase-2-myeloma-3-2024-abcde")


def test_overrides_replace_only_given_values():
    site = parse_sites({"s": {"start_urls": ["http://a/"], "schedule": "@hourly"}})["s"]
    changed = site.with_overrides({"start_urls": ["http://b/"], "sitemap_urls": None})
    assert changed.start_urls == ("http://b/",)
    assert changed.schedule == "@hourly"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("{nope", "not JSON"),
        ('{"Bad Name": {}}', "Bad Name"),
        ('{"s": {"start_url": []}}', "unknown setting.*start_url"),
        ('{"s": {"start_urls": 5}}', "start_urls must be a list"),
        ('{"s": {"trial_url_pattern": "("}}', "not a regex"),
        ('[{"start_urls": []}]', "needs a 'name'"),
        ("42", "expected a JSON object or list"),
    ],
)
def test_bad_configuration_says_what_is_wrong(config, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_sites(config)
