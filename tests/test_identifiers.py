"""archive/identifiers.py: DOI, ISSN, ORCID, Wikidata and VIAF, as stored and as validated."""

import pytest
from django.core.exceptions import ValidationError

from archive import identifiers


@pytest.mark.parametrize(
    "value",
    [
        "10.1080/14682745.2022.2050698",
        "https://doi.org/10.1080/14682745.2022.2050698",
        "http://dx.doi.org/10.1080/14682745.2022.2050698",
        "HTTPS://DOI.ORG/10.1080/14682745.2022.2050698",
        "doi:10.1080/14682745.2022.2050698",
        "  DOI: 10.1080/14682745.2022.2050698 ",
    ],
)
def test_a_doi_is_stored_without_its_resolver_or_prefix(value):
    assert identifiers.normalize_doi(value) == "10.1080/14682745.2022.2050698"


def test_a_doi_is_stored_in_lower_case_since_dois_ignore_case():
    assert identifiers.normalize_doi("https://doi.org/10.1080/ABC") == "10.1080/abc"


@pytest.mark.parametrize("value", ["", None, "   "])
def test_no_doi_normalises_to_blank(value):
    assert identifiers.normalize_doi(value) == ""


@pytest.mark.parametrize("value", ["", "10.1080/14682745.2022.2050698", "10.1234/abc"])
def test_validate_doi_accepts_blank_and_real_dois(value):
    identifiers.validate_doi(value)


@pytest.mark.parametrize("value", ["10.x", "14682745.2022.2050698", "not a doi"])
def test_validate_doi_rejects_what_is_not_a_doi_and_shows_one(value):
    with pytest.raises(ValidationError) as raised:
        identifiers.validate_doi(value)

    assert raised.value.code == "invalid_doi"
    assert f"“{value}”" in raised.value.messages[0]
    assert "10.1080/14682745.2022.2050698" in raised.value.messages[0]


def test_doi_url_points_at_the_resolver_only_when_there_is_a_doi():
    assert identifiers.doi_url("10.1080/abc") == "https://doi.org/10.1080/abc"
    assert identifiers.doi_url("") == ""


@pytest.mark.parametrize("value", ["14682745", "1468-2745", " 1468 2745 "])
def test_an_issn_is_stored_with_its_hyphen(value):
    assert identifiers.normalize_issn(value) == "1468-2745"


def test_an_issn_check_digit_x_is_stored_in_capitals():
    assert identifiers.normalize_issn("1000-002x") == "1000-002X"


def test_a_string_that_cannot_be_an_issn_is_left_as_typed_for_the_message():
    assert identifiers.normalize_issn(" 1468-274 ") == "1468-274"


@pytest.mark.parametrize("value", ["", "1468-2745", "1743-7962", "1000-002X"])
def test_validate_issn_accepts_blank_and_issns_with_a_right_check_digit(value):
    identifiers.validate_issn(value)


@pytest.mark.parametrize("value", ["1468-2746", "1468-274", "ISSN"])
def test_validate_issn_rejects_a_wrong_check_digit_or_length(value):
    with pytest.raises(ValidationError) as raised:
        identifiers.validate_issn(value)

    assert raised.value.code == "invalid_issn"


@pytest.mark.parametrize(
    "value",
    [
        "0000-0002-1825-0097",
        "0000000218250097",
        "0000 0002 1825 0097",
        "https://orcid.org/0000-0002-1825-0097",
        "http://orcid.org/0000-0002-1825-0097",
        " https://orcid.org/0000000218250097 ",
    ],
)
def test_an_orcid_is_stored_as_four_groups_of_four(value):
    assert identifiers.normalize_orcid(value) == "0000-0002-1825-0097"


def test_an_orcid_check_digit_x_is_stored_in_capitals():
    assert identifiers.normalize_orcid("0000-0002-9079-593x") == "0000-0002-9079-593X"


@pytest.mark.parametrize(
    "value", ["Smith", "0000-0002-1825-009", "0000-0002-1825-00971", "orcid 0000"]
)
def test_what_is_not_shaped_like_an_orcid_is_left_as_typed(value):
    assert identifiers.normalize_orcid(value) == value


@pytest.mark.parametrize("value", ["", "0000-0002-1825-0097", "0000-0002-9079-593X"])
def test_validate_orcid_accepts_blank_and_ids_with_a_right_check_digit(value):
    identifiers.validate_orcid(value)


@pytest.mark.parametrize("value", ["0000-0002-1825-0098", "0000-0002-1825-009", "Smith"])
def test_validate_orcid_rejects_a_wrong_check_digit_or_shape(value):
    with pytest.raises(ValidationError) as raised:
        identifiers.validate_orcid(value)

    assert raised.value.code == "invalid_orcid"
    assert f"“{value}”" in raised.value.messages[0]


@pytest.mark.parametrize(
    "value", ["Q35314", "q35314", "https://www.wikidata.org/wiki/Q35314", "wd:Q35314", " Q35314 "]
)
def test_a_wikidata_item_is_stored_as_its_q_number(value):
    assert identifiers.normalize_wikidata(value) == "Q35314"


@pytest.mark.parametrize("value", ["Q0", "Q", "35314", "Khrushchev"])
def test_validate_wikidata_rejects_what_is_not_an_item_id(value):
    with pytest.raises(ValidationError) as raised:
        identifiers.validate_wikidata(value)

    assert raised.value.code == "invalid_wikidata"


@pytest.mark.parametrize(
    "value", ["100180950", "https://viaf.org/viaf/100180950", "https://viaf.org/viaf/100180950/"]
)
def test_a_viaf_id_is_stored_as_its_digits(value):
    assert identifiers.normalize_viaf(value) == "100180950"


@pytest.mark.parametrize("value", ["viaf", "VIAF one hundred"])
def test_validate_viaf_rejects_what_is_not_digits(value):
    with pytest.raises(ValidationError) as raised:
        identifiers.validate_viaf(value)

    assert raised.value.code == "invalid_viaf"


def test_identifier_urls_are_blank_for_a_blank_identifier():
    assert identifiers.orcid_url("0000-0002-1825-0097") == "https://orcid.org/0000-0002-1825-0097"
    assert identifiers.wikidata_url("Q35314") == "https://www.wikidata.org/wiki/Q35314"
    assert identifiers.viaf_url("100180950") == "https://viaf.org/viaf/100180950"
    assert (
        identifiers.orcid_url("") == identifiers.wikidata_url("") == identifiers.viaf_url("") == ""
    )
