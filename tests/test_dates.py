"""archive/dates.py: EDTF dates, their bounds, their precision and how they read aloud."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from archive import dates


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("value", "earliest", "latest"),
    [
        ("1954", "1954-01-01", "1954-12-31"),
        ("1954-09", "1954-09-01", "1954-09-30"),
        ("1954-02", "1954-02-01", "1954-02-28"),
        ("1956-02", "1956-02-01", "1956-02-29"),
        ("1954-09-30", "1954-09-30", "1954-09-30"),
        ("1954-09/1954-10", "1954-09-01", "1954-10-31"),
        ("1954/1957", "1954-01-01", "1957-12-31"),
    ],
)
def test_bounds_are_the_first_and_last_day_the_date_can_mean(value, earliest, latest):
    assert dates.bounds(value) == dates.DateBounds(day(earliest), day(latest))


@pytest.mark.parametrize("value", ["1954~", "1954?"])
def test_an_approximate_or_uncertain_year_widens_the_bounds_beyond_that_year(value):
    found = dates.bounds(value)

    assert found.earliest < day("1954-01-01")
    assert found.latest > day("1954-12-31")


def test_an_open_ended_span_has_no_latest_day():
    assert dates.bounds("1954-09/..") == dates.DateBounds(day("1954-09-01"), None)


def test_a_span_open_at_the_start_has_no_earliest_day():
    assert dates.bounds("../1954") == dates.DateBounds(None, day("1954-12-31"))


@pytest.mark.parametrize("value", ["", None])
def test_no_date_has_no_bounds(value):
    assert dates.bounds(value) == dates.DateBounds(None, None)


@pytest.mark.parametrize("value", ["1954-13", "1954-02-30", "September 1954", "1954//1957"])
def test_bounds_of_a_date_that_is_not_edtf_raise_a_validation_error(value):
    with pytest.raises(ValidationError) as raised:
        dates.bounds(value)

    assert raised.value.code == "invalid_edtf"


def test_a_day_that_never_was_is_not_a_date_even_where_edtf_would_take_it():
    with pytest.raises(ValidationError):
        dates.validate_edtf("1955-02-29")
    with pytest.raises(ValidationError):
        dates.validate_edtf("1955-02-29/1956")
    dates.validate_edtf("1956-02-29")


def test_the_message_for_an_unreadable_date_quotes_it_and_shows_examples():
    with pytest.raises(ValidationError) as raised:
        dates.validate_edtf("Sept. 1954")

    message = raised.value.messages[0]
    assert "“Sept. 1954”" in message
    assert "1954-09" in message
    assert "1954~ (about)" in message


@pytest.mark.parametrize(
    "value", ["", "1954", "1954-09/1954-10", "1954~", "1954?", "195X", "../1954"]
)
def test_validate_edtf_accepts_blank_and_edtf_level_0_and_1(value):
    dates.validate_edtf(value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", ""),
        ("1954", "1954"),
        ("1954-09", "September 1954"),
        ("1954-09-03", "3 September 1954"),
        ("1894~", "c. 1894"),
        ("1894?", "1894?"),
        ("1894%", "c. 1894?"),
        ("1954/1957", "1954–1957"),
        ("1954-09/1954-10", "September 1954–October 1954"),
        ("1954-09/..", "September 1954–?"),
        ("../1957", "?–1957"),
    ],
)
def test_in_words_reads_a_date_as_a_historian_would_write_it(value, words):
    assert dates.in_words(value) == words


def test_in_words_never_invents_a_day_or_month_for_a_year():
    assert dates.in_words("2022") == "2022"
    assert "January" not in dates.in_words("2022")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022", dates.Precision.YEAR),
        ("2022-06", dates.Precision.MONTH),
        ("2022-06-21", dates.Precision.DAY),
        (" 2022-06 ", dates.Precision.MONTH),
    ],
)
def test_precision_of_a_calendar_date_follows_how_much_of_it_is_given(value, expected):
    assert dates.precision(value) == expected


@pytest.mark.parametrize(
    "value", ["", None, "1954~", "1954?", "1954/1957", "1954-09/1954-10", "2022-21", "c. 2022"]
)
def test_precision_is_none_for_anything_but_a_plain_calendar_date(value):
    assert dates.precision(value) is None


@pytest.mark.parametrize("value", ["", "2022", "2022-06", "2022-06-21", "2024-02-29"])
def test_validate_calendar_date_accepts_a_year_a_month_or_a_day(value):
    dates.validate_calendar_date(value)


@pytest.mark.parametrize(
    "value",
    ["1954~", "1954/1957", "2022-21", "2022-13", "2022-13-45", "2023-02-29", "2022-6", "22"],
)
def test_validate_calendar_date_rejects_anything_else_naming_the_value(value):
    with pytest.raises(ValidationError) as raised:
        dates.validate_calendar_date(value)

    assert f"“{value}”" in raised.value.messages[0]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((2022,), "2022"),
        ((2022, 6), "2022-06"),
        ((2022, 6, 1), "2022-06-01"),
        ((None, 6, 1), ""),
        ((2022, None, 1), "2022"),
    ],
)
def test_from_parts_keeps_the_precision_the_parts_give(parts, expected):
    assert dates.from_parts(*parts) == expected
