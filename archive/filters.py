"""What readers can narrow the four public lists by; each FilterSet filters a selector's queryset.

Links to people, events and journals take their slugs. An unknown slug matches nothing; a value
that is not a slug, a year that is not a year, an unknown choice or an overlong search makes the
form invalid, and the view then shows the error and no records (`FilteredListView`).

The publication list also counts its records by journal, decade or year and type (`facets()`):
each facet counts under every other filter in use, so that a reader can switch from one journal
to another as well as narrow down.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.utils.translation import gettext_lazy as _

from archive import search, search_index
from archive.freshness import archive_version
from archive.models import (
    Authorship,
    Event,
    EventParticipation,
    Journal,
    JournalMetric,
    Language,
    Person,
    Publication,
    PublicationEvent,
    PublicationSubject,
    PublicationType,
    Status,
)

EARLIEST_YEAR, LATEST_YEAR = 1, 9999


class YearFilter(django_filters.NumberFilter):
    """A four-digit year; 1954.5 or 100000 are refused by the form rather than by the database."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", EARLIEST_YEAR)
        kwargs.setdefault("max_value", LATEST_YEAR)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


class SlugFilter(django_filters.CharFilter):
    """A published record named by its slug; shown to the reader by its name."""

    field_class = forms.SlugField

    def __init__(self, *args, record_model, name_field="name", **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(*args, **kwargs)
        self.record_model = record_model
        self.name_field = name_field

    def record_name(self, slug: str) -> str:
        name = (
            self.record_model.objects.published()
            .filter(slug=slug)
            .values_list(self.name_field, flat=True)
            .first()
        )
        return name or slug


def first_day(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def last_day(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class ActiveFilter:
    name: str
    label: str
    value: str


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=MAX_SEARCH_LENGTH,
        help_text=_("Every word must match; accents and case do not matter."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def search(self, queryset, name, value):
        return search.search_filter(queryset, value)

    def active_filters(self) -> list[ActiveFilter]:
        """The filters in use (not the order), each with the value as a reader would name it:
        a choice by its label, a person, event or journal by its name."""
        if not self.is_bound or not self.form.is_valid():
            return []
        active = []
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if name == "sort" or value in (None, ""):
                continue
            filter_ = self.filters[name]
            if isinstance(filter_, SlugFilter):
                shown = filter_.record_name(value)
            elif isinstance(field, forms.ChoiceField):
                shown = dict(field.choices).get(value, value)
            elif isinstance(field, forms.NullBooleanField):
                shown = dict(field.widget.choices).get("true" if value else "false")
            else:
                shown = value
            active.append(ActiveFilter(name, str(field.label), str(shown)))
        return active

    def chosen(self, name: str):
        """The value of a filter as read, once the filters are known to be valid."""
        return self.form.cleaned_data.get(name) if self.is_bound else None

    def state_key(self, purpose: str) -> str:
        """A cache key for what this filter state shows: the filters in use, not the page or
        the order, under the archive's content version, so that what is kept under it is never
        stale."""
        used = sorted((name, self.data.get(name)) for name in self.filters if name != "sort")
        digest = hashlib.sha256(repr(used).encode()).hexdigest()
        return f"archive:{archive_version()}:{type(self).__name__}:{purpose}:{digest}"


# Publications


PUBLICATION_ORDERS = {
    "date": (F("date_sort").asc(nulls_last=True), "title", "pk"),
    "-date": (F("date_sort").desc(nulls_last=True), "title", "pk"),
    "title": ("title", "pk"),
    "-citations": (
        F("citation_count").desc(nulls_last=True),
        F("date_sort").desc(nulls_last=True),
        "pk",
    ),
}


class PublicationFilterSet(SearchFilterSet):
    # Not a <select>: 500 journals would make every page heavy to send and to read. The journal
    # facet offers the journals of the results; each journal's page links to its list.
    journal = SlugFilter(label=_("Journal"), method="in_journal", record_model=Journal)
    year_min = YearFilter(label=_("From year"), field_name="year", lookup_expr="gte")
    year_max = YearFilter(label=_("To year"), field_name="year", lookup_expr="lte")
    publication_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=PublicationType.choices, empty_label=_("Any type")
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Language.choices, empty_label=_("Any language")
    )
    open_access = django_filters.BooleanFilter(
        label=_("Open access"),
        field_name="is_open_access",
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Open access only")), ("false", _("Closed"))]
        ),
    )
    author = SlugFilter(
        label=_("Author"), method="by_author", record_model=Person, name_field="display_name"
    )
    about = SlugFilter(
        label=_("About"), method="about_person", record_model=Person, name_field="display_name"
    )
    event = SlugFilter(
        label=_("Event"), method="discussing_event", record_model=Event, name_field="title"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="sort_by",
        empty_label=None,
        choices=[
            ("-date", _("Newest first")),
            ("date", _("Oldest first")),
            ("title", _("Title")),
            ("-citations", _("Most cited")),
        ],
    )

    class Meta:
        model = Publication
        fields = []

    # A subquery of publication ids rather than a join, so that a person credited twice
    # (author and editor) does not repeat a publication, and rather than Exists(), which the
    # database would test publication by publication: the ids of one person's works are read
    # from the index first, then counted and sorted with the other filters.

    def by_author(self, queryset, name, value):
        return queryset.filter(
            pk__in=Authorship.objects.filter(
                person__slug=value, person__status=Status.PUBLISHED
            ).values("publication_id")
        )

    def about_person(self, queryset, name, value):
        return queryset.filter(
            pk__in=PublicationSubject.objects.filter(
                person__slug=value, person__status=Status.PUBLISHED
            ).values("publication_id")
        )

    def discussing_event(self, queryset, name, value):
        return queryset.filter(
            pk__in=PublicationEvent.objects.filter(
                event__slug=value, event__status=Status.PUBLISHED
            ).values("publication_id")
        )

    def in_journal(self, queryset, name, value):
        return queryset.filter(
            journal__in=Journal.objects.published().filter(slug=value).values("pk")
        )

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*PUBLICATION_ORDERS[value])

    # Facets

    # The list's total under every filter, when the facets were counted with it, now or under
    # this content version (so never stale); None otherwise.
    fresh_total: int | None = None

    def facets(self) -> list["Facet"]:
        """Counts by journal, by decade or year and by type, each under the other filters in
        use. They are kept per filter state and content version, so that paging through a list
        counts once and a change to the archive shows at once."""
        if self.is_bound and not self.is_valid():
            return []
        key = self.state_key("facets")
        counts = cache.get(key)
        if counts is None:
            counts = self._facet_counts()
            counts["total"] = self.fresh_total
            cache.set(key, counts)
        else:
            self.fresh_total = counts.get("total")
        return [
            _journal_facet(counts["journal"], self.chosen("journal")),
            _year_facet(
                counts["year"],
                self.chosen("year_min"),
                self.chosen("year_max"),
            ),
            _type_facet(counts["type"], self.chosen("publication_type")),
        ]

    def _without(self, *names: str):
        data = self.data.copy()
        for name in names:
            data.pop(name, None)
        return type(self)(data, queryset=self.queryset).qs.order_by()

    # Two ways to the same counts. Without a search, three grouped queries, each under the
    # other filters, read the covering indexes of migration 0006: fastest when most of the
    # archive is counted. With one, each query would look the words up again, so one query
    # reads the matches once (under every filter but these three) into a materialised table,
    # and counts them by journal, by year and by type, each under the other two of these
    # filters, and in all, under every filter: the list's total, counted in the same breath.

    def _counted_apart(self) -> tuple[Counter, Counter, Counter]:
        def by(field, *own_filters, unordered=False):
            if not self._filtered_but(*own_filters):
                return _published_by(field)
            groups = self._without(*own_filters).filter(**{f"{field}__isnull": False})
            grouped = search_index.Unindexed(F(field)) if unordered else F(field)
            # Count("*"), not the id, which PostgreSQL's indexes do not hold.
            return Counter(dict(groups.values_list(grouped).annotate(count=Count("*"))))

        by_type = by("publication_type", "publication_type")
        # Every publication has a type, so the types under every other filter add up to the
        # list's total.
        kind = self.chosen("publication_type")
        self.fresh_total = by_type[kind] if kind else sum(by_type.values())
        # The years of a type that is a minority of the list (books, not articles) are grouped
        # by `+year` on SQLite: it then reads that type's entries of the index by type and
        # sorts their years, where it read every published entry of the index by year to have
        # them in order (open-access books: 6 ms less; two thirds of the archive: 4 ms more).
        minority = bool(kind) and self.fresh_total * 2 < sum(by_type.values())
        by_journal = by("journal_id", "journal")
        by_year = by(
            "year", "year_min", "year_max", unordered=minority and connection.vendor == "sqlite"
        )
        return by_journal, by_year, by_type

    def _filtered_but(self, *names: str) -> bool:
        """Whether a filter other than these (and the order) is in use."""
        used = self.form.cleaned_data if self.is_bound else {}
        return any(
            value not in (None, "")
            for name, value in used.items()
            if name not in names and name != "sort"
        )

    def _from_postings(self) -> tuple[str, list] | None:
        """PostgreSQL, a search with no filter but the facets' own: the matches' journal, year
        and type read from their words' postings, which hold them (migration 0015). A word's
        15,000 matches are counted from one stretch of an index in about 8 ms, where the list's
        query checked the entries of all 100,000 publications against their ids in 22; the
        2,488 publications holding `soviet` and `famine` in 4 rather than 7 sought by key."""
        query = self.chosen("q")
        if not query or self._filtered_but(
            "q", "journal", "year_min", "year_max", "publication_type"
        ):
            return None
        if self.queryset.query.where != Publication.objects.published().query.where:
            return None  # a list of fewer publications than every published one
        return search_index.published_matches_posted(search.search_terms(query))

    def _counted_together(self, chosen_pk) -> tuple[Counter, Counter, Counter]:
        posted = self._from_postings() if connection.vendor == "postgresql" else None
        if posted is not None:
            sql, params = posted
        else:
            matches = self._without("journal", "year_min", "year_max", "publication_type")
            try:
                with search_index.counting_matches():
                    sql, params = matches.values_list(
                        "journal_id", "year", "publication_type"
                    ).query.sql_with_params()
            except EmptyResultSet:
                self.fresh_total = 0
                return Counter(), Counter(), Counter()
        if connection.vendor == "sqlite":
            # The matches' columns from the narrow index by id (migration 0012), not the rows,
            # each match sought there by its id: the list's `+id` (search_index.Unindexed)
            # would have every entry of the index read and checked against the matches (about
            # 13 ms more for 15,000 matches among 100,000).
            table = f'"{Publication._meta.db_table}"'
            sql = sql.replace(f"FROM {table}", f"FROM {table} INDEXED BY {SEARCH_FILTERS_INDEX}", 1)
            sql = sql.replace(f'+{table}."id" IN ', f'{table}."id" IN ')
        slug, kind = self.chosen("journal"), self.chosen("publication_type")
        year_min, year_max = self.chosen("year_min"), self.chosen("year_max")
        journal = ("journal_id = %s", [chosen_pk]) if slug else ("1 = 1", [])
        if slug and chosen_pk is None:
            journal = ("1 = 0", [])
        years = (
            (
                "year >= %s AND year <= %s",
                [
                    EARLIEST_YEAR if year_min is None else year_min,
                    LATEST_YEAR if year_max is None else year_max,
                ],
            )
            if year_min is not None or year_max is not None
            else ("1 = 1", [])
        )
        type_ = ("publication_type = %s", [kind]) if kind else ("1 = 1", [])

        if connection.vendor == "postgresql":
            return self._counted_in_one_pass(sql, params, journal, years, type_)

        def known(column):
            return (f"{column} IS NOT NULL", [])

        # Each row: which count, a journal or year, a type, how many; numbers and text in
        # columns of their own, which the UNION of either database accepts.
        parts = [
            ("0, journal_id, ''", "GROUP BY journal_id", [known("journal_id"), years, type_]),
            ("1, year, ''", "GROUP BY year", [known("year"), journal, type_]),
            ("2, 0, publication_type", "GROUP BY publication_type", [journal, years]),
            ("3, 0, ''", "", [journal, years, type_]),
        ]
        query = f"WITH matches (journal_id, year, publication_type) AS MATERIALIZED ({sql}) "
        query += " UNION ALL ".join(
            f"SELECT {columns}, COUNT(*) FROM matches "
            f"WHERE {' AND '.join(condition for condition, _ in conditions)} {grouping}"
            for columns, grouping, conditions in parts
        )
        params = [
            *params,
            *(value for *_, conditions in parts for _, values in conditions for value in values),
        ]
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        by_journal, by_year, by_type = Counter(), Counter(), Counter()
        self.fresh_total = 0
        for facet, number, kind, count in rows:
            if facet == 0:
                by_journal[number] += count
            elif facet == 1:
                by_year[number] += count
            elif facet == 2:
                by_type[kind] += count
            else:
                self.fresh_total = count
        return by_journal, by_year, by_type

    def _counted_in_one_pass(self, sql, params, journal, years, type_):
        """PostgreSQL: the same counts in one pass over the matches, grouped by each facet at
        once (GROUPING SETS), each count leaving out its own facet's filter: 15,000 matches are
        counted in 3-4 ms rather than the 12 of four passes over them."""

        def where(*conditions):
            return " AND ".join(condition for condition, _ in conditions)

        counts = [(years, type_), (journal, type_), (journal, years), (journal, years, type_)]
        query = (
            "SELECT GROUPING(journal_id, year, publication_type), journal_id, year, "
            "publication_type, "
            + ", ".join(f"COUNT(*) FILTER (WHERE {where(*each)})" for each in counts)
            + f" FROM ({sql}) AS matches (journal_id, year, publication_type) "
            "GROUP BY GROUPING SETS ((journal_id), (year), (publication_type), ())"
        )
        # The counts' parameters come first in the text, then the matches'.
        params = [*(v for each in counts for _, values in each for v in values), *params]
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        by_journal, by_year, by_type = Counter(), Counter(), Counter()
        self.fresh_total = 0
        # GROUPING() has a bit set for each column a row is not grouped by (journal, year, type).
        for grouping, journal_id, year, kind, *counted in rows:
            if grouping == 0b011 and journal_id is not None and counted[0]:
                by_journal[journal_id] += counted[0]
            elif grouping == 0b101 and year is not None and counted[1]:
                by_year[year] += counted[1]
            elif grouping == 0b110 and counted[2]:
                by_type[kind] += counted[2]
            elif grouping == 0b111:
                self.fresh_total = counted[3]
        return by_journal, by_year, by_type

    def _facet_counts(self) -> dict:
        slug = self.chosen("journal")
        chosen = Journal.objects.published().filter(slug=slug).values_list("pk", flat=True)
        chosen_pk = chosen.first() if slug else None
        if self.chosen("q") or any(self.chosen(name) for name in FEW_MATCHES):
            by_journal, by_year, by_type = self._counted_together(chosen_pk)
        else:
            by_journal, by_year, by_type = self._counted_apart()

        # Twice as many as shown, since a draft journal among them is left out.
        top = [pk for pk, _ in by_journal.most_common(JOURNALS_SHOWN * 2)]
        names = Journal.objects.published().filter(pk__in=[*top, chosen_pk or 0])
        named = sorted(
            names.values_list("pk", "slug", "name"),
            key=lambda journal: (-by_journal[journal[0]], journal[2]),
        )
        return {
            "journal": [(slug, name, by_journal[pk]) for pk, slug, name in named],
            "year": sorted(by_year.items()),
            "type": sorted(by_type.items(), key=lambda item: -item[1]),
        }


# The counts PostgreSQL keeps as publications change (migration 0014): facet, how its values
# are read back from the table's text.
KEPT_COUNTS = "archive_publication_facet_count"
KEPT_FACETS = {
    "journal_id": ("journal", int),
    "year": ("year", int),
    "publication_type": ("type", str),
}


def _published_by(field: str) -> Counter:
    """Published publications counted by `field` (None left out). PostgreSQL reads the counts
    its triggers keep (a few hundred rows, where counting reads 100,000 index entries in 15 ms).
    SQLite counts every publication less the unpublished ones: the index on `field` alone
    answers the first, twice as fast as the covering index under the status, and the status
    index finds the few unpublished ones. (The list's FilterSet filters every published
    publication.)"""
    if connection.vendor == "postgresql":
        facet, value_of = KEPT_FACETS[field]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value, total FROM {KEPT_COUNTS} WHERE facet = %s AND total > 0", [facet]
            )
            return Counter({value_of(value): total for value, total in cursor.fetchall()})
    unpublished = [status for status in Status.values if status != Status.PUBLISHED]

    def grouped(publications, sign: int):
        return (
            publications.order_by()
            .annotate(sign=Value(sign))
            .values(field, "sign")
            .annotate(total=Count("*"))
            .values_list(field, "sign", "total")
        )

    rows = grouped(Publication.objects.all(), 1).union(
        grouped(Publication.objects.filter(status__in=unpublished), -1), all=True
    )
    counts = Counter()
    for value, sign, total in rows:
        if value is not None:
            counts[value] += sign * total
    return +counts  # without the values left at zero


# Filters that leave few publications (one person's or event's), which are read once and
# counted together rather than looked up again for each count.
FEW_MATCHES = ("author", "about", "event")
SEARCH_FILTERS_INDEX = "archive_pub_search_filters"  # migration 0012 on SQLite
JOURNALS_SHOWN = 10
DECADES_UP_TO = 20  # a year range wider than this is counted by decade


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    params: dict  # the filters choosing this value sets
    selected: bool = False


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    params: tuple[str, ...]  # the filters this facet sets, which choosing a value replaces


def _journal_facet(counts, chosen) -> Facet:
    values = [
        FacetValue(name, count, {"journal": slug}, selected=slug == chosen)
        for slug, name, count in counts
    ]
    shown = values[:JOURNALS_SHOWN]
    shown += [value for value in values[JOURNALS_SHOWN:] if value.selected]
    return Facet("journal", str(_("Journal")), shown, ("journal",))


def _year_facet(counts, year_min, year_max) -> Facet:
    within = [
        (year, count)
        for year, count in counts
        if (year_min is None or year >= year_min) and (year_max is None or year <= year_max)
    ]
    first = year_min if year_min is not None else (within[0][0] if within else 0)
    last = year_max if year_max is not None else (within[-1][0] if within else 0)
    if within and last - first > DECADES_UP_TO:
        decades = Counter()
        for year, count in within:
            decades[year // 10 * 10] += count
        values = [
            FacetValue(
                str(_("%(decade)ss") % {"decade": decade}),
                count,
                {"year_min": str(decade), "year_max": str(decade + 9)},
            )
            for decade, count in sorted(decades.items())
        ]
    else:
        values = [
            FacetValue(
                str(year),
                count,
                {"year_min": str(year), "year_max": str(year)},
                selected=year_min == year_max == year,
            )
            for year, count in within
        ]
    return Facet("year", str(_("Year")), values, ("year_min", "year_max"))


def _type_facet(counts, chosen) -> Facet:
    labels = dict(PublicationType.choices)
    values = [
        FacetValue(
            str(labels.get(value, value)), count, {"publication_type": value}, value == chosen
        )
        for value, count in counts
    ]
    return Facet("publication_type", str(_("Type")), values, ("publication_type",))


# People


def _credited_only_in_unpublished_works():
    """The people whose every credit is in a work not published: few, since they are found from
    the unpublished works (named by status, so that the status index finds them)."""
    unpublished = [status for status in Status.values if status != Status.PUBLISHED]
    published_credit = Authorship.objects.filter(
        person=OuterRef("person_id"), publication__status=Status.PUBLISHED
    )
    return (
        Authorship.objects.filter(publication__status__in=unpublished)
        .filter(~Exists(published_credit))
        .values("person_id")
    )


def credited() -> Exists:
    return Exists(Authorship.objects.filter(person=OuterRef("pk")))


class PersonFilterSet(SearchFilterSet):
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        method="in_role",
        empty_label=_("Everyone"),
        choices=[("author", _("Authors")), ("figure", _("Historical figures"))],
    )
    # "May have been born in the range": the span of possible birth days meets the range.
    born_min = YearFilter(label=_("Born from"), field_name="birth_latest", method="on_or_after")
    born_max = YearFilter(label=_("Born until"), field_name="birth_earliest", method="on_or_before")
    died_min = YearFilter(label=_("Died from"), field_name="death_latest", method="on_or_after")
    died_max = YearFilter(label=_("Died until"), field_name="death_earliest", method="on_or_before")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="sort_by",
        empty_label=None,
        choices=[("name", _("Family name, A–Z")), ("-name", _("Family name, Z–A"))],
    )

    class Meta:
        model = Person
        fields = []

    def in_role(self, queryset, name, value):
        # Authors of published works; everyone else is here as a figure written about. Asked
        # as "credited anywhere, and not only in unpublished works" rather than "credited in a
        # published work", which PostgreSQL answers by joining every credit to its work's
        # status (320 ms at 450,000 credits) where this probes each person's first credit.
        if value == "author":
            return queryset.filter(credited()).exclude(pk__in=_credited_only_in_unpublished_works())
        return queryset.filter(~credited() | Q(pk__in=_credited_only_in_unpublished_works()))

    def on_or_after(self, queryset, name, value):
        return queryset.filter(**{f"{name}__gte": first_day(value)})

    def on_or_before(self, queryset, name, value):
        return queryset.filter(**{f"{name}__lte": last_day(value)})

    def sort_by(self, queryset, name, value):
        fields = ("family_name", "given_names", "display_name", "pk")
        if value == "-name":
            fields = tuple(f"-{field}" for field in fields)
        return queryset.order_by(*fields)


# Events


class EventFilterSet(SearchFilterSet):
    year_min = YearFilter(label=_("From year"), method="from_year")
    year_max = YearFilter(label=_("To year"), method="to_year")
    person = SlugFilter(
        label=_("Person taking part"),
        method="with_person",
        record_model=Person,
        name_field="display_name",
    )
    place = django_filters.ChoiceFilter(label=_("Place"), empty_label=_("Anywhere"))
    sort = django_filters.ChoiceFilter(
        label=_("Order"),
        method="sort_by",
        empty_label=None,
        choices=[
            ("date", _("In time order")),
            ("-date", _("Latest first")),
            ("title", _("Title")),
        ],
    )

    class Meta:
        model = Event
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = (
            Event.objects.published()
            .exclude(place="")
            .order_by("place")
            .values_list("place", flat=True)
            .distinct()
        )
        self.form.fields["place"].choices = [(place, place) for place in places]

    # An event is in the range when it may have happened in it: its span of possible days meets
    # the range. Undated events are left out once a range is given.

    def from_year(self, queryset, name, value):
        return queryset.overlapping(first_day(value), None)

    def to_year(self, queryset, name, value):
        return queryset.overlapping(None, last_day(value))

    def with_person(self, queryset, name, value):
        return queryset.filter(
            pk__in=EventParticipation.objects.filter(
                person__slug=value, person__status=Status.PUBLISHED
            ).values("event_id")
        )

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*EVENT_ORDERS[value])


# Undated events last in either direction (PostgreSQL and SQLite put NULLs at opposite ends).
EVENT_ORDERS = {
    "date": (F("date_earliest").asc(nulls_last=True), "title", "pk"),
    "-date": (F("date_latest").desc(nulls_last=True), "title", "pk"),
    "title": ("title", "pk"),
}


# Journals


def latest_metric(system: str, field: str) -> Subquery:
    """The value of `field` in the journal's latest ranking by `system`, as its page orders them."""
    return Subquery(
        JournalMetric.objects.filter(journal=OuterRef("pk"), system=system)
        .order_by(F("year").desc(nulls_last=True), "-recorded_on", "-pk")
        .values(field)[:1]
    )


class JournalFilterSet(SearchFilterSet):
    quartile = django_filters.ChoiceFilter(
        label=_("JCR quartile"),
        choices=JournalMetric.Quartile.choices,
        method="latest_quartile",
        empty_label=_("Any quartile"),
    )
    zone = django_filters.ChoiceFilter(
        label=_("CAS zone"),
        choices=[(str(zone), str(zone)) for zone in range(1, 5)],
        method="latest_zone",
        empty_label=_("Any zone"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), method="latest_category", empty_label=_("Any category")
    )

    class Meta:
        model = Journal
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = (
            JournalMetric.objects.filter(journal__status=Status.PUBLISHED)
            .exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.form.fields["category"].choices = [(category, category) for category in categories]

    def latest_quartile(self, queryset, name, value):
        return queryset.alias(
            latest_quartile=latest_metric(JournalMetric.System.JCR, "quartile")
        ).filter(latest_quartile=value)

    def latest_zone(self, queryset, name, value):
        return queryset.alias(latest_zone=latest_metric(JournalMetric.System.CAS, "zone")).filter(
            latest_zone=int(value)
        )

    def latest_category(self, queryset, name, value):
        return queryset.alias(
            latest_jcr_category=latest_metric(JournalMetric.System.JCR, "category"),
            latest_cas_category=latest_metric(JournalMetric.System.CAS, "category"),
        ).filter(Q(latest_jcr_category=value) | Q(latest_cas_category=value))
