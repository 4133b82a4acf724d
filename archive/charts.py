"""Charts drawn on the server as SVG, without a chart library or JavaScript: the event timeline,
bar charts of a value per year (publications, impact factors) and a journal's ranks per year.

This module only places the marks; the includes in templates/includes/ draw them, so every label
passes through the templates' escaping and translation. Horizontal positions are percentages of
the chart's width and vertical ones are CSS pixels, so a chart fills any column without
stretching its text or its marks. Coordinates are plain strings (never localised: an SVG
attribute must read `12.5`, not `12,5`).
"""

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from archive import dates

# Round steps for the years between axis labels or covered by one bar; at most a few labels.
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000)
MAX_YEAR_LABELS = 8
# More bars than this and each bar covers several years (5, 10, 25...).
MAX_BARS = 60
YEARS_PER_BAR = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)

BAR_PLOT_HEIGHT = 160  # px from the top gridline to the baseline
BAR_PLOT_TOP = 22  # px above the top gridline, for its label and the value labels
BAR_AXIS_HEIGHT = 26  # px below the baseline, for the year labels
GRIDLINES = 4
VALUE_LABELS_UP_TO = 16  # bars; with more, the values are in the table only

# A span narrower than this (a week on a fifty-year axis) would vanish; it is widened around
# its middle so that it can still be seen.
MIN_SPAN_PERCENT = 0.8
MIN_CERTAIN_PERCENT = 0.4


def _percent(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def _pixels(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _year_step(first: int, last: int, steps=YEAR_STEPS, most=MAX_YEAR_LABELS) -> int:
    """The smallest round step that labels the years from `first` to `last` at most `most` times."""
    for step in steps:
        if (last - first) // step + 1 <= most:
            return step
    return steps[-1]


def _number(value, decimal_places: int) -> str:
    return formats.number_format(value, decimal_places, use_l10n=True, force_grouping=True)


# Bar charts: a value per year


@dataclass(frozen=True)
class Tick:
    position: str
    label: str


@dataclass(frozen=True)
class Bar:
    first_year: int
    last_year: int
    value: int | Decimal
    value_text: str
    x: str
    centre: str
    width: str
    y: str
    height: str

    @property
    def years(self) -> str:
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    gridlines: list[Tick]  # position: px from the top of the chart
    year_labels: list[Tick]  # position: percent across
    years_per_bar: int
    highest: Bar
    total: int | Decimal
    height: str
    baseline: str
    labels_y: str
    show_values: bool

    @property
    def first_year(self) -> int:
        return self.bars[0].first_year

    @property
    def last_year(self) -> int:
        return self.bars[-1].last_year


def _gridline_step(highest: Decimal, *, whole: bool) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving at most GRIDLINES lines."""
    raw = highest / GRIDLINES
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        step = factor * magnitude
        if whole and step != step.to_integral_value():
            continue
        if step >= raw:
            return step
    return 10 * magnitude


def bar_chart(values: Mapping[int, int | Decimal], *, decimal_places: int = 0) -> BarChart | None:
    """Bars for the values per year, from the first year to the last, the years without a
    value drawn as empty; None when there is nothing to draw. Over MAX_BARS years, each bar
    sums a run of years (a lustrum, a decade...), aligned on round years."""
    values = {year: value for year, value in values.items() if year is not None and value}
    if not values:
        return None
    first, last = min(values), max(values)
    years_per_bar = next(
        (size for size in YEARS_PER_BAR if last // size - first // size + 1 <= MAX_BARS),
        YEARS_PER_BAR[-1],
    )
    sums: dict[int, int | Decimal] = {}
    for year, value in values.items():
        start = year - year % years_per_bar
        sums[start] = sums.get(start, 0) + value
    starts = range(first - first % years_per_bar, last - last % years_per_bar + 1, years_per_bar)

    highest_value = Decimal(max(sums.values()))
    step = _gridline_step(highest_value, whole=decimal_places == 0)
    top = step * math.ceil(highest_value / step)
    baseline = BAR_PLOT_TOP + BAR_PLOT_HEIGHT
    slot = 100 / len(starts)
    gap = slot * (0.2 if len(starts) < 30 else 0.12)

    bars = []
    for index, start in enumerate(starts):
        value = sums.get(start, 0)
        height = float(Decimal(value) / top) * BAR_PLOT_HEIGHT
        bars.append(
            Bar(
                first_year=max(start, first),
                last_year=min(start + years_per_bar - 1, last),
                value=value,
                value_text=_number(value, decimal_places),
                x=_percent(index * slot + gap / 2),
                centre=_percent((index + 0.5) * slot),
                width=_percent(slot - gap),
                y=_pixels(baseline - height),
                height=_pixels(height),
            )
        )
    label_every = _year_step(starts[0], starts[-1], steps=[s * years_per_bar for s in YEAR_STEPS])
    gridlines = [
        Tick(
            position=_pixels(baseline - float(step * line / top) * BAR_PLOT_HEIGHT),
            label=_number(step * line, max(0, -step.normalize().as_tuple().exponent)),
        )
        for line in range(int(top / step) + 1)
    ]
    return BarChart(
        bars=bars,
        gridlines=gridlines,
        year_labels=[
            Tick(position=bar.centre, label=str(bar.first_year))
            for bar in bars
            if bar.first_year % label_every == 0 or len(bars) == 1
        ],
        years_per_bar=years_per_bar,
        highest=max(bars, key=lambda bar: bar.value),
        total=sum(sums.values()),
        height=_pixels(baseline + BAR_AXIS_HEIGHT),
        baseline=_pixels(baseline),
        labels_y=_pixels(baseline + BAR_AXIS_HEIGHT - 6),
        show_values=len(bars) <= VALUE_LABELS_UP_TO,
    )


# The event timeline


class Shape:
    DAY = "day"  # one day, known exactly: a dot
    SPAN = "span"  # from one known day to another: a solid bar
    UNCERTAIN = "uncertain"  # known only within bounds: a hatched bar, solid where certain


def _has_qualifier(text: str) -> bool:
    return any(mark in text for mark in "~?%")


def certain_span(value: str) -> tuple[datetime.date, datetime.date] | None:
    """The days an EDTF date certainly covers: from the latest possible start to the earliest
    possible end of an interval (`1954/1957`: 31 December 1954 to 1 January 1957), the day itself
    for a plain day; None when nothing is certain (a year, a month, `~`, `?`, an open end)."""
    text = (value or "").strip()
    if not text or _has_qualifier(text):
        return None
    try:
        if "/" not in text:
            found = dates.calendar_bounds(text)
            if found and found.earliest == found.latest:
                return found.earliest, found.latest
            return None
        start, end = text.split("/", 1)
        if start in ("", "..") or end in ("", ".."):
            return None
        start_bounds, end_bounds = dates.bounds(start), dates.bounds(end)
    except ValidationError:
        return None
    if None in (start_bounds.latest, end_bounds.earliest):
        return None
    if start_bounds.latest > end_bounds.earliest:
        return None
    return start_bounds.latest, end_bounds.earliest


@dataclass(frozen=True)
class TimelineRow:
    event: object
    shape: str
    earliest: datetime.date | None
    latest: datetime.date | None
    certain: tuple[datetime.date, datetime.date] | None
    span_x: str
    span_width: str
    certain_x: str
    certain_width: str
    dot_x: str
    description: str


@dataclass(frozen=True)
class Timeline:
    rows: list[TimelineRow]
    ticks: list[Tick]
    first_year: int
    last_year: int  # the last year the axis covers
    has_uncertain: bool
    has_certain: bool
    has_days: bool


def _year_start(year: int) -> int:
    """The ordinal of 1 January of `year`; the day after the last representable one past 9999."""
    if year > datetime.MAXYEAR:
        return datetime.date.max.toordinal() + 1
    return datetime.date(max(year, 1), 1, 1).toordinal()


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _describe(shape, earliest, latest, certain) -> str:
    if shape == Shape.DAY:
        return _("on this day exactly")
    if shape == Shape.SPAN:
        return _("from %(start)s to %(end)s exactly") % {
            "start": _day(earliest),
            "end": _day(latest),
        }
    if earliest is None:
        return _("until %(latest)s at the latest; when it began is not known") % {
            "latest": _day(latest)
        }
    if latest is None:
        return _("from %(earliest)s at the earliest; when it ended is not known") % {
            "earliest": _day(earliest)
        }
    if certain:
        return _(
            "certainly under way from %(start)s to %(end)s; it may have begun on "
            "%(earliest)s and ended on %(latest)s"
        ) % {
            "start": _day(certain[0]),
            "end": _day(certain[1]),
            "earliest": _day(earliest),
            "latest": _day(latest),
        }
    return _("at some time between %(earliest)s and %(latest)s") % {
        "earliest": _day(earliest),
        "latest": _day(latest),
    }


def _widened(start: float, end: float, minimum: float) -> tuple[float, float]:
    """`start` and `end` (percent) at least `minimum` apart, around their middle, within 0-100."""
    if end - start >= minimum:
        return start, end
    middle = min(max((start + end) / 2, minimum / 2), 100 - minimum / 2)
    return middle - minimum / 2, middle + minimum / 2


def event_timeline(events: Iterable) -> Timeline | None:
    """The events placed on one time axis by their possible days (`date_earliest`,
    `date_latest`), in the order given; events without either are left out. None when no
    event has a date."""
    dated = [
        event
        for event in events
        if event.date_earliest is not None or event.date_latest is not None
    ]
    if not dated:
        return None
    first = min(event.date_earliest or event.date_latest for event in dated)
    last = max(event.date_latest or event.date_earliest for event in dated)
    step = _year_step(first.year, last.year + 1)
    first_year = first.year - first.year % step
    last_year = last.year + 1 + (-(last.year + 1) % step)  # the axis ends on 1 January of it
    origin, end = _year_start(first_year), _year_start(last_year)

    def position(day: datetime.date, *, after: bool = False) -> float:
        # A day covers its width: a span ends at the end of its last day.
        return (day.toordinal() + (1 if after else 0) - origin) / (end - origin) * 100

    rows = []
    for event in dated:
        earliest, latest = event.date_earliest, event.date_latest
        certain = certain_span(event.date)
        if certain and certain == (earliest, latest):
            shape = Shape.DAY if earliest == latest else Shape.SPAN
        else:
            shape = Shape.UNCERTAIN
        span_start, span_end = _widened(
            position(earliest) if earliest else 0.0,
            position(latest, after=True) if latest else 100.0,
            MIN_SPAN_PERCENT,
        )
        certain_x = certain_width = dot_x = ""
        if shape == Shape.DAY:
            dot_x = _percent((position(earliest) + position(earliest, after=True)) / 2)
        elif certain:
            start, stop = _widened(
                position(certain[0]), position(certain[1], after=True), MIN_CERTAIN_PERCENT
            )
            certain_x, certain_width = _percent(start), _percent(stop - start)
        rows.append(
            TimelineRow(
                event=event,
                shape=shape,
                earliest=earliest,
                latest=latest,
                certain=certain,
                span_x=_percent(span_start),
                span_width=_percent(span_end - span_start),
                certain_x=certain_x,
                certain_width=certain_width,
                dot_x=dot_x,
                description=_describe(shape, earliest, latest, certain),
            )
        )
    ticks = [
        Tick(
            position=_percent((_year_start(year) - origin) / (end - origin) * 100), label=str(year)
        )
        for year in range(first_year, last_year + 1, step)
    ]
    return Timeline(
        rows=rows,
        ticks=ticks,
        first_year=first_year,
        last_year=last_year - 1,
        has_uncertain=any(row.shape == Shape.UNCERTAIN for row in rows),
        has_certain=any(row.shape == Shape.SPAN or row.certain_width for row in rows),
        has_days=any(row.shape == Shape.DAY for row in rows),
    )


# A journal's ranks per year


RANK_ROW_HEIGHT = 28  # px between the lines of rank 1, 2, 3 and 4
RANK_TOP = 20


@dataclass(frozen=True)
class RankMark:
    year: int
    rank: int
    x: str
    y: str


@dataclass(frozen=True)
class RankChart:
    quartiles: list[RankMark]  # JCR: Q1 is rank 1
    zones: list[RankMark]  # CAS: zone 1 is rank 1
    rows: list[Tick]  # position: px of rank 1-4; label: the rank
    year_labels: list[Tick]
    first_year: int
    last_year: int
    height: str
    labels_y: str


def rank_chart(history: Iterable) -> RankChart | None:
    """JCR quartiles and CAS zones per year on one scale of 1 (best) to 4: `history` holds
    rows with `year`, `quartile` ("Q1"...) and `zone` (1-4) as `selectors.JournalYear` does.
    None when there is no rank to draw."""
    ranked = [row for row in history if row.quartile or row.zone]
    if not ranked:
        return None
    first = min(row.year for row in ranked)
    last = max(row.year for row in ranked)
    slot = 100 / (last - first + 1)

    def x(year):
        return _percent((year - first + 0.5) * slot)

    def y(rank):
        return _pixels(RANK_TOP + (rank - 1) * RANK_ROW_HEIGHT)

    label_every = _year_step(first, last)
    bottom = RANK_TOP + 3 * RANK_ROW_HEIGHT
    return RankChart(
        quartiles=[
            RankMark(row.year, int(row.quartile[1]), x(row.year), y(int(row.quartile[1])))
            for row in ranked
            if row.quartile
        ],
        zones=[
            RankMark(row.year, row.zone, x(row.year), y(row.zone)) for row in ranked if row.zone
        ],
        rows=[Tick(position=y(rank), label=str(rank)) for rank in range(1, 5)],
        year_labels=[
            Tick(position=x(year), label=str(year))
            for year in range(first, last + 1)
            if year % label_every == 0 or first == last
        ],
        first_year=first,
        last_year=last,
        height=_pixels(bottom + 34),
        labels_y=_pixels(bottom + 28),
    )
