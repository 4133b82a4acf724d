"""Uncertain and partial dates, written in EDTF (ISO 8601-2, Library of Congress EDTF levels 0-1).

Historians' dates are rarely exact days: "1954", "September 1954", "about 1894", "1954 to 1957".
Records keep the EDTF string as entered; the earliest and latest possible days are derived from it
so that lists can be sorted and filtered by range.
"""

import calendar
import datetime
import re
import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from edtf import parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

_MONTH_NUMBERS = {f"{number:02d}" for number in range(1, 13)}
_CALENDAR_DATE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-\d{2})?)?")
_FULL_DAY = re.compile(r"(?<![\dX])(\d{4})-(\d{2})-(\d{2})(?!\d)")


class Precision:
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True)
class DateBounds:
    earliest: datetime.date | None
    latest: datetime.date | None


def _to_date(value: time.struct_time | float | None) -> datetime.date | None:
    # An open end (`1954-09/..`) comes back from edtf as an infinite float, not a struct_time.
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.date(value.tm_year, value.tm_mon, value.tm_mday)
    except ValueError:
        # Years outside 1..9999 (EDTF allows them) cannot be a Python date.
        return None


def _not_understood(value: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(value)s” is not a date the archive understands. Write it in EDTF, e.g. "
            "1954, 1954-09, 1954-09-30, 1954~ (about), 1954? (uncertain), 1954/1957 (a span)."
        ),
        code="invalid_edtf",
        params={"value": value},
    )


def parse(value: str):
    """Parse an EDTF string, raising ValidationError with a curator-friendly message."""
    text = (value or "").strip()
    try:
        parsed = parse_edtf(text)
        # edtf accepts 29 February of any year; a day that never was must not pass.
        for match in _FULL_DAY.finditer(text):
            datetime.date(*(int(part) for part in match.groups()))
        return parsed
    except (EDTFParseException, ValueError, TypeError) as error:
        raise _not_understood(value) from error


def validate_edtf(value: str) -> None:
    if value:
        parse(value)


def calendar_bounds(value: str) -> DateBounds | None:
    """Bounds of a plain `YYYY`, `YYYY-MM` or `YYYY-MM-DD` without the EDTF parser (fast path
    for imports); None when the value is not such a date, ValidationError for a day that never was.
    """
    text = (value or "").strip()
    if not _CALENDAR_DATE.fullmatch(text):
        return None
    parts = [int(part) for part in text.split("-")]
    if parts[0] == 0:
        return None  # year 0 (1 BC in EDTF) is no Python date; bounds() reads it as EDTF
    try:
        if len(parts) == 1:
            return DateBounds(datetime.date(parts[0], 1, 1), datetime.date(parts[0], 12, 31))
        if len(parts) == 2:
            last = calendar.monthrange(parts[0], parts[1])[1]
            return DateBounds(
                datetime.date(parts[0], parts[1], 1), datetime.date(parts[0], parts[1], last)
            )
        day = datetime.date(*parts)
    except ValueError as error:
        raise _not_understood(value) from error
    return DateBounds(day, day)


def bounds(value: str) -> DateBounds:
    """Earliest and latest day an EDTF date can mean, widened by its uncertainty (e.g. `1954~`)."""
    if not value:
        return DateBounds(None, None)
    plain = calendar_bounds(value)
    if plain is not None:
        return plain
    parsed = parse(value)
    try:
        lower, upper = parsed.lower_fuzzy(), parsed.upper_fuzzy()
    except (AttributeError, TypeError, ValueError):
        lower, upper = None, None
    return DateBounds(_to_date(lower), _to_date(upper))


def precision(value: str) -> str | None:
    """Precision of a plain calendar date (`2022`, `2022-06`, `2022-06-21`), else None."""
    text = (value or "").strip()
    # Months 01-12 only: EDTF reads 21-24 as seasons, and `~`, `?` or `/` make it no plain date.
    if not _CALENDAR_DATE.fullmatch(text):
        return None
    return {0: Precision.YEAR, 1: Precision.MONTH, 2: Precision.DAY}[text.count("-")]


def validate_calendar_date(value: str) -> None:
    """A publication date: a year, a year and month, or a full day; never padded."""
    if not value:
        return
    if precision(value) is None or calendar_bounds(value) is None:
        raise ValidationError(
            _("“%(value)s” is not a year (2022), a month (2022-06) or a day (2022-06-21)."),
            code="invalid_date",
            params={"value": value},
        )


def from_parts(year: int | None, month: int | None = None, day: int | None = None) -> str:
    """Build a calendar date string at the precision the parts give; a missing year gives ''."""
    if not year:
        return ""
    if not month:
        return f"{int(year):04d}"
    if not day:
        return f"{int(year):04d}-{int(month):02d}"
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


# Reading a date aloud follows the active language. The patterns are translated whole, since
# languages order a date's parts differently: 1954-09 reads "September 1954" in English and
# "1954年9月" in Chinese (year, month, day). Where a translation may use a placeholder that the
# English leaves out (the month's number), the pattern is marked `no-python-format` for gettext.

_SEASONS = {
    "21": pgettext_lazy("season of a year", "Spring"),
    "22": pgettext_lazy("season of a year", "Summer"),
    "23": pgettext_lazy("season of a year", "Autumn"),
    "24": pgettext_lazy("season of a year", "Winter"),
}
# Translators: some year of a decade (EDTF 195X). %(decade)s is its first year (1950).
# xgettext:no-python-format
_DECADE_WORDS = pgettext_lazy("date read aloud", "%(decade)ss")
# Translators: some year of a century (EDTF 19XX). %(first_year)s is its first year (1900),
# %(century)s its number as centuries are counted (20 for 1900-1999). xgettext:no-python-format
_CENTURY_WORDS = pgettext_lazy("date read aloud", "%(first_year)ss")
# Translators: a date known to the month. %(month_name)s is the month's name, %(month)s its
# number (9), %(year)s the year. xgettext:no-python-format
_MONTH_WORDS = pgettext_lazy("date read aloud", "%(month_name)s %(year)s")
# Translators: a day. %(day)s is the day of the month, %(month_name)s the month's name,
# %(month)s its number (9), %(year)s the year. xgettext:no-python-format
_DAY_WORDS = pgettext_lazy("date read aloud", "%(day)s %(month_name)s %(year)s")
_DECADE = re.compile(r"(\d{3})X")
_CENTURY = re.compile(r"(\d{2})XX")


@dataclass(frozen=True)
class _Reading:
    words: str
    bare_year: int | None = None  # the year, when the date is a year and nothing more


def _calendar_in_words(core: str) -> _Reading | None:
    parts = core.split("-")
    if len(parts) == 1 and (decade := _DECADE.fullmatch(parts[0])):
        return _Reading(_DECADE_WORDS % {"decade": int(decade[1]) * 10})
    if len(parts) == 1 and (century := _CENTURY.fullmatch(parts[0])):
        hundreds = int(century[1])
        return _Reading(_CENTURY_WORDS % {"first_year": hundreds * 100, "century": hundreds + 1})
    if not parts[0].isdecimal():
        return None
    year = int(parts[0])
    if len(parts) == 1 or (len(parts) == 2 and parts[1] == "XX"):
        # Translators: a date known to the year. %(year)s is the year.
        return _Reading(pgettext("date read aloud", "%(year)s") % {"year": year}, bare_year=year)
    if parts[1] in _MONTH_NUMBERS:
        month = int(parts[1])
        names = {"year": year, "month": month, "month_name": MONTHS[month]}
        if len(parts) == 2 or parts[2] == "XX":  # 1954-09-XX: a day of September 1954
            return _Reading(_MONTH_WORDS % names)
        if len(parts) == 3 and parts[2].isdecimal():
            return _Reading(_DAY_WORDS % {**names, "day": int(parts[2])})
    if len(parts) == 2 and parts[1] in _SEASONS:
        # Translators: a season of a year (EDTF 1954-23), e.g. "Autumn 1954".
        words = pgettext("date read aloud", "%(season)s %(year)s")
        return _Reading(words % {"season": _SEASONS[parts[1]], "year": year})
    return None


def _single_in_words(text: str) -> _Reading:
    core = text
    approximate = uncertain = False
    if core.endswith("%"):
        approximate, uncertain, core = True, True, core[:-1]
    if core.endswith("~"):
        approximate, core = True, core[:-1]
    if core.endswith("?"):
        uncertain, core = True, core[:-1]
    # A time of day (EDTF level 0 allows 1954-09-30T10:00:00) is not read out.
    reading = _calendar_in_words(core.partition("T")[0])
    if reading is None:
        if not core[:1].isdecimal():
            return _Reading(text)
        reading = _Reading(core)
    words = reading.words
    if uncertain:
        # Translators: a date that is uncertain (EDTF 1894?).
        words = pgettext("date read aloud", "%(date)s?") % {"date": words}
    if approximate:
        # Translators: a date that is approximate (EDTF 1894~), circa.
        words = pgettext("date read aloud", "c. %(date)s") % {"date": words}
    return _Reading(words, bare_year=None if approximate or uncertain else reading.bare_year)


def _end_in_words(text: str) -> _Reading:
    if text in ("", ".."):
        # Translators: an end of a span of time that is not known or open (EDTF 1954/..).
        return _Reading(pgettext("date read aloud", "?"))
    return _single_in_words(text)


def _span_in_words(start: _Reading, end: _Reading) -> str:
    if start.bare_year is not None and end.bare_year is not None:
        # Translators: from one year to another; %(start)s and %(end)s are the bare numbers
        # (1954, 1957), not the years read aloud.
        words = pgettext("date read aloud: years", "%(start)s–%(end)s")
        return words % {"start": start.bare_year, "end": end.bare_year}
    # Translators: from one date to another, each already read aloud (September 1954, October
    # 1954); %(end)s may be empty for a life not known to have ended.
    words = pgettext("date read aloud", "%(start)s–%(end)s")
    return words % {"start": start.words, "end": end.words}


def in_words(value: str) -> str:
    """Read an EDTF date aloud in the active language: `1894~` -> "c. 1894" (约1894年),
    `1954/1957` -> "1954–1957" (1954—1957年), `1954-09` -> "September 1954" (1954年9月)."""
    if not value:
        return ""
    if "/" in value:
        start, end = value.split("/", 1)
        return _span_in_words(_end_in_words(start), _end_in_words(end))
    return _single_in_words(value).words


def life_in_words(born: str, died: str) -> str:
    """Life dates as one span: "1894–1971", "c. 1930–" (no death date), "?–1971" (no birth
    date); each may itself be a span of possible dates."""
    if not (born or died):
        return ""
    start = _Reading(in_words(born)) if "/" in born else _end_in_words(born)
    end = _Reading(in_words(died)) if "/" in died else _single_in_words(died)
    return _span_in_words(start, end)
