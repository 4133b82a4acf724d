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
from django.utils.translation import gettext as _
from edtf import parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


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
    if precision(value) is None:
        raise ValidationError(
            _("“%(value)s” is not a year (2022), a month (2022-06) or a day (2022-06-21)."),
            code="invalid_date",
            params={"value": value},
        )
    calendar_bounds(value)


def from_parts(year: int | None, month: int | None = None, day: int | None = None) -> str:
    """Build a calendar date string at the precision the parts give; a missing year gives ''."""
    if not year:
        return ""
    if not month:
        return f"{int(year):04d}"
    if not day:
        return f"{int(year):04d}-{int(month):02d}"
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _single_in_words(text: str) -> str:
    qualifier = ""
    core = text
    if core.endswith("%"):
        qualifier, core = "c. ", core[:-1] + "?"
    if core.endswith("~"):
        qualifier, core = "c. ", core[:-1]
    suffix = ""
    if core.endswith("?"):
        suffix, core = "?", core[:-1]
    parts = core.split("-")
    if not parts[0].isdigit():
        return text
    year = str(int(parts[0]))
    if len(parts) == 1:
        words = year
    elif len(parts) == 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        words = f"{MONTHS[int(parts[1]) - 1]} {year}"
    elif len(parts) == 3 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        words = f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {year}"
    else:
        words = core
    return f"{qualifier}{words}{suffix}"


def in_words(value: str) -> str:
    """Read an EDTF date aloud: `1894~` -> "c. 1894", `1954/1957` -> "1954–1957"."""
    if not value:
        return ""
    if "/" in value:
        start, end = value.split("/", 1)
        start_words = _single_in_words(start) if start not in ("", "..") else "?"
        end_words = _single_in_words(end) if end not in ("", "..") else "?"
        return f"{start_words}–{end_words}"
    return _single_in_words(value)
