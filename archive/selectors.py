"""Reads the public site shares: published records with everything their pages show, fetched.

Drafts never reach a template: related records are fetched with `Prefetch(..., to_attr=...)`
querysets of published records only, named for what the page shows (a draft journal makes
`published_journal` None). What a published record owns itself, such as the name printed on it
for an author, is always shown.

Orderings end with the primary key so that pagination is stable.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from archive import names, search
from archive.models import (
    Authorship,
    Event,
    EventParticipation,
    EventTitle,
    FormerSlug,
    Journal,
    JournalMetric,
    JournalName,
    Person,
    PersonName,
    Publication,
    PublicationAbstract,
    PublicationEvent,
    PublicationSubject,
    PublicationTitle,
    Status,
)
from archive.models.base import Record

RECENT_ADDITIONS = 10
HOME_TIMELINE_EVENTS = 12
SEARCH_RESULTS_SHOWN = 5
# A detail page shows the first few of a record's long lists, each with its count and a link
# to the whole list, so that its size does not grow with the archive (a person may have
# written 1,500 works). An event's participants have no list of their own: they are paged.
WORKS_SHOWN = 10
MOST_CITED_SHOWN = 5
EVENTS_SHOWN = 20
PARTICIPANTS_PER_PAGE = 50


# Authors first, then editors, then translators; within each role, in the order printed.
CREDIT_ORDER = (
    Case(
        When(role=Authorship.Role.AUTHOR, then=0),
        When(role=Authorship.Role.EDITOR, then=1),
        default=2,
    ),
    "position",
    "pk",
)


def _newest_first(via: str = "") -> tuple:
    """Publications by date, newest first; undated last (PostgreSQL sorts NULLs first on DESC)."""
    return (F(f"{via}date_sort").desc(nulls_last=True), f"{via}title", f"{via}pk")


def _earliest_first(via: str = "") -> tuple:
    """Events by their earliest possible day; undated last (SQLite sorts NULLs first on ASC)."""
    return (F(f"{via}date_earliest").asc(nulls_last=True), f"{via}title", f"{via}pk")


# What a link to a publication shows (includes/publication_link.html) and JSON-LD names it by:
# a long list of them need not read abstracts, raw records and search text.
PUBLICATION_LINK_FIELDS = (
    "slug",
    "title",
    "language",
    "year",
    "publication_type",
    "citation_count",
)


def _link_fields(via: str) -> list[str]:
    return [f"{via}{field}" for field in PUBLICATION_LINK_FIELDS]


@dataclass(frozen=True)
class FirstOf:
    """The first records of a list that may be longer, and how many it holds in all."""

    records: list
    count: int

    @property
    def more(self) -> bool:
        return self.count > len(self.records)


def _first_of(queryset: QuerySet, limit: int, *, distinct: str = "pk") -> FirstOf:
    """The first `limit` records of `queryset` and how many different values of `distinct`
    they hold in all (a link row's `event_id`: one event however many roles in it). One query
    when that is all there is; the count is asked for only when there are more."""
    records = list(queryset[: limit + 1])
    if len(records) <= limit:
        return FirstOf(records, len({getattr(record, distinct) for record in records}))
    count = queryset.order_by().aggregate(total=Count(distinct, distinct=True))["total"]
    return FirstOf(records[:limit], count)


def _credits() -> tuple[Prefetch, Prefetch]:
    """Every authorship, in order, each with `published_person`: the person, or None while a draft.

    Two flat lookups rather than a Prefetch nested in the authorships queryset: Django 5 then
    reads each authorship's `person` again, one query per author (django/django#17823).
    """
    return (
        Prefetch("authorships", queryset=Authorship.objects.order_by(*CREDIT_ORDER)),
        Prefetch(
            "authorships__person",
            queryset=Person.objects.published(),
            to_attr="published_person",
        ),
    )


# Publications


def publication_list() -> QuerySet[Publication]:
    """Published publications, newest first, with their journal (when published) and credits."""
    return (
        Publication.objects.published()
        .prefetch_related(
            Prefetch("journal", queryset=Journal.objects.published(), to_attr="published_journal"),
            *_credits(),
        )
        .order_by(*_newest_first())
    )


def publication_summaries() -> QuerySet[Publication]:
    """Published publications as the lists show them (includes/publication_summary.html): the
    credits as printed, the journal's name; not the people behind the credits, nor the source
    record and search text, kilobytes a row that no list shows."""
    journals = Journal.objects.published().only("slug", "status", "name")
    return (
        Publication.objects.published()
        .defer("raw_record", "search_text")
        .prefetch_related(
            Prefetch("journal", queryset=journals, to_attr="published_journal"),
            Prefetch("authorships", queryset=Authorship.objects.order_by(*CREDIT_ORDER)),
        )
        .order_by(*_newest_first())
    )


def publication_detail_queryset() -> QuerySet[Publication]:
    """Published publications with translations, keywords and the published people and events
    they discuss (`people_discussed`, `events_discussed`: link rows carrying the pages)."""
    return publication_list().prefetch_related(
        Prefetch("translated_titles", queryset=PublicationTitle.objects.order_by("language")),
        Prefetch("translated_abstracts", queryset=PublicationAbstract.objects.order_by("language")),
        "keywords",
        Prefetch(
            "subjects",
            queryset=PublicationSubject.objects.filter(person__status=Status.PUBLISHED)
            .select_related("person")
            .order_by("person__family_name", "person__given_names", "pk"),
            to_attr="people_discussed",
        ),
        Prefetch(
            "event_links",
            queryset=PublicationEvent.objects.filter(event__status=Status.PUBLISHED)
            .select_related("event")
            .order_by(*_earliest_first("event__")),
            to_attr="events_discussed",
        ),
    )


def publication_citations() -> QuerySet[Publication]:
    """Published publications with what a citation or a reference manager's file shows."""
    return publication_list().prefetch_related("keywords")


def recent_additions(limit: int = RECENT_ADDITIONS) -> QuerySet[Publication]:
    """The publications added last. Ids grow with every addition and, unlike `created_at`,
    are indexed, so this reads `limit` rows however large the archive."""
    return publication_summaries().order_by("-pk")[:limit]


def _per_year(publications: QuerySet[Publication], sign: int) -> QuerySet:
    return (
        publications.exclude(year=None)
        .order_by()
        .annotate(sign=Value(sign))
        .values("year", "sign")
        .annotate(total=Count("*"))
        .values_list("year", "sign", "total")
    )


def publications_per_year(*, journal: Journal | None = None) -> dict[int, int]:
    """How many published publications (in `journal`, when given) each year has, in one grouped
    query; undated publications are not counted."""
    if journal is not None:
        rows = _per_year(Publication.objects.published().filter(journal=journal), 1)
    else:
        # Every dated publication less the unpublished ones: the index on `year` alone answers
        # the first and the status index finds the few drafts, where filtering every row on its
        # status reads the whole table (at 100,000 publications on SQLite, 140 ms rather than
        # 40). Statuses are named (not `exclude`), so that the status index can be used.
        others = [status for status in Status.values if status != Status.PUBLISHED]
        rows = _per_year(Publication.objects.all(), 1).union(
            _per_year(Publication.objects.filter(status__in=others), -1), all=True
        )
    counts: dict[int, int] = defaultdict(int)
    for year, sign, total in rows:
        counts[year] += sign * total
    return {year: total for year, total in sorted(counts.items()) if total}


# People


def person_list() -> QuerySet[Person]:
    return Person.objects.published().order_by("family_name", "given_names", "display_name", "pk")


def person_detail_queryset() -> QuerySet[Person]:
    """Published people with their other names; `person_links` reads what their page links to."""
    return person_list().prefetch_related(
        Prefetch("names", queryset=PersonName.objects.order_by("kind", "name")),
    )


@dataclass(frozen=True)
class WorksSummary:
    """How many published works a person has a credit on, the years of the first and the last,
    and how many in each role they have had (the role's name, count), in the order of
    `Authorship.Role`."""

    count: int
    first_year: int | None
    last_year: int | None
    per_role: list[tuple[str, int]]


@dataclass(frozen=True)
class PersonLinks:
    """What a person's page shows of their published works and events: their works counted,
    the latest and the most cited (the latter only when not all are shown), the works about
    them and the events they took part in, in time order."""

    works: WorksSummary
    latest_works: list[Authorship]
    most_cited_works: list[Authorship]
    works_about: FirstOf
    events: FirstOf


@dataclass(frozen=True)
class _PersonCounts:
    """What `person_links` reads first: the works counted, the keys of the credits to show (the
    latest works and, when not all of those are shown, the most cited, in the latest's order
    among equals), and how many published works are about the person and events they were in."""

    works: WorksSummary
    latest_keys: list[int]
    most_cited_keys: list[int]
    works_about: int
    events: int


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.order_by().query.sql_with_params()


def _person_counts(credits: QuerySet, works_about: QuerySet, events: QuerySet) -> _PersonCounts:
    """One query joins the credits to their works once (a join of a prolific author's 1,500
    works costs most here) and answers the counts, the years and which credits to show from
    that, with the other lists' counts: some twenty rows rather than every credit for Python
    to go through, and a query each for the other lists' counts saved."""
    credits_sql, credits_params = _sql(
        credits.values(
            key=F("pk"),
            credit_role=F("role"),
            work=F("publication_id"),
            work_year=F("publication__year"),
            cited=F("publication__citation_count"),
            date_sort=F("publication__date_sort"),
            title=F("publication__title"),
        )
    )
    about_sql, about_params = _sql(works_about.values("publication_id"))
    events_sql, events_params = _sql(events.values("event_id"))
    newest = "date_sort DESC NULLS LAST, title, work"
    # Each row: what it answers (0 the works, 1 a role, 2 a latest, 3 a most cited, 4 the works
    # about, 5 the events), a role, then numbers whose meaning depends on the first column.
    query = f"""WITH credits (key, role, work, year, cited, date_sort, title)
        AS MATERIALIZED ({credits_sql})
    SELECT 0, '', COUNT(DISTINCT work), COUNT(*), MIN(year), MAX(year) FROM credits
    UNION ALL
    SELECT 1, role, COUNT(DISTINCT work), 0, 0, 0 FROM credits GROUP BY role
    UNION ALL
    SELECT 2, '', key, ROW_NUMBER() OVER (ORDER BY {newest}), 0, 0 FROM (
        SELECT key, work, date_sort, title FROM credits ORDER BY {newest} LIMIT %s
    ) AS latest
    UNION ALL
    SELECT 3, '', key, ROW_NUMBER() OVER (ORDER BY cited DESC, {newest}), 0, 0 FROM (
        SELECT key, work, date_sort, title, cited FROM credits WHERE cited > 0
        ORDER BY cited DESC, {newest} LIMIT %s
    ) AS most_cited
    UNION ALL
    SELECT 4, '', COUNT(DISTINCT publication_id), 0, 0, 0 FROM ({about_sql}) AS about
    UNION ALL
    SELECT 5, '', COUNT(DISTINCT event_id), 0, 0, 0 FROM ({events_sql}) AS taking_part"""
    params = [
        *credits_params,
        WORKS_SHOWN,
        MOST_CITED_SHOWN,
        *about_params,
        *events_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    count, credit_count, first_year, last_year = 0, 0, None, None
    per_role, shown, others = {}, {2: [], 3: []}, {}
    for answer, role, number, other, low, high in rows:
        if answer == 0:
            count, credit_count, first_year, last_year = number, other, low, high
        elif answer == 1:
            per_role[role] = number
        elif answer in shown:
            shown[answer].append((other, number))
        else:
            others[answer] = number
    works = WorksSummary(
        count=count,
        first_year=first_year,
        last_year=last_year,
        per_role=[(role.label, per_role[role]) for role in Authorship.Role if per_role.get(role)],
    )
    return _PersonCounts(
        works=works,
        latest_keys=[key for _, key in sorted(shown[2])],
        most_cited_keys=[key for _, key in sorted(shown[3])] if credit_count > WORKS_SHOWN else [],
        works_about=others[4],
        events=others[5],
    )


def person_links(person: Person) -> PersonLinks:
    """A person's published works and events as their page shows them, in at most four queries
    however many there are: counted first, then only what is shown is read."""
    credits = Authorship.objects.filter(person=person, publication__status=Status.PUBLISHED)
    works_about = PublicationSubject.objects.filter(
        person=person, publication__status=Status.PUBLISHED
    )
    events = EventParticipation.objects.filter(person=person, event__status=Status.PUBLISHED)
    counted = _person_counts(credits, works_about, events)
    shown = {}
    if counted.latest_keys:
        shown = (
            credits.select_related("publication")
            .only("role", "publication", *_link_fields("publication__"))
            .in_bulk(counted.latest_keys + counted.most_cited_keys)
        )
    first_works_about = []
    if counted.works_about:
        first_works_about = list(
            works_about.select_related("publication")
            .only("pages", "publication", *_link_fields("publication__"))
            .order_by(*_newest_first("publication__"))[:WORKS_SHOWN]
        )
    first_events = []
    if counted.events:
        first_events = list(
            events.select_related("event").order_by(*_earliest_first("event__"), "position", "pk")[
                :EVENTS_SHOWN
            ]
        )
    return PersonLinks(
        works=counted.works,
        latest_works=[shown[pk] for pk in counted.latest_keys if pk in shown],
        most_cited_works=[shown[pk] for pk in counted.most_cited_keys if pk in shown],
        works_about=FirstOf(first_works_about, counted.works_about),
        events=FirstOf(first_events, counted.events),
    )


# Events


def event_list() -> QuerySet[Event]:
    return Event.objects.published().order_by(*_earliest_first())


def dated_events() -> QuerySet[Event]:
    """Published events with at least one bound to their date, in time order: a chronology."""
    return event_list().exclude(date_earliest=None, date_latest=None)


def timeline_highlights(limit: int = HOME_TIMELINE_EVENTS) -> list[Event]:
    """In time order, the `limit` dated events not part of a published event that the most
    publications discuss, in one query. Links from drafts count in this choice (only published
    events are shown): counted from the link index alone, it costs a tenth of a count that reads
    every linked publication's status (13 ms rather than 130 for 30,000 links on SQLite)."""
    links = (
        PublicationEvent.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(total=Count("*"))
        .values("total")
    )
    most_discussed = (
        dated_events()
        .exclude(parent__status=Status.PUBLISHED)
        .annotate(discussed=Coalesce(Subquery(links, output_field=IntegerField()), 0))
        .order_by("-discussed", *_earliest_first())[:limit]
    )
    return sorted(
        most_discussed,
        key=lambda event: (event.date_earliest or event.date_latest, event.title, event.pk),
    )


def event_detail_queryset() -> QuerySet[Event]:
    """Published events with their translated titles and, published only, the event they are
    part of (`published_parent`), their parts and related events; `event_links` reads their
    participants and the publications that discuss them."""
    return event_list().prefetch_related(
        Prefetch("parent", queryset=Event.objects.published(), to_attr="published_parent"),
        Prefetch("translations", queryset=EventTitle.objects.order_by("language")),
        Prefetch("parts", queryset=event_list(), to_attr="published_parts"),
        Prefetch("related", queryset=event_list(), to_attr="published_related"),
    )


@dataclass(frozen=True)
class EventLinks:
    """A page of an event's published participants, in the order given, and the newest of the
    published publications that discuss it (link rows carrying the pages)."""

    participants: Page
    discussed_in: FirstOf


def event_links(event: Event, *, page) -> EventLinks:
    """The participants on page `page` (a bad or missing number gives the first page, one past
    the end the last) and the newest publications that discuss the event, in at most four
    queries. The event keeps them as `people_taking_part` and `discussed_in`, which its JSON-LD
    reads."""
    participants = (
        EventParticipation.objects.filter(event=event, person__status=Status.PUBLISHED)
        .select_related("person")
        .order_by("position", "pk")
    )
    participants_page = Paginator(participants, PARTICIPANTS_PER_PAGE).get_page(page)
    discussed_in = _first_of(
        PublicationEvent.objects.filter(event=event, publication__status=Status.PUBLISHED)
        .select_related("publication")
        .only("pages", "publication", *_link_fields("publication__"))
        .order_by(*_newest_first("publication__")),
        WORKS_SHOWN,
        distinct="publication_id",
    )
    event.people_taking_part = list(participants_page)
    event.discussed_in = discussed_in.records
    return EventLinks(participants=participants_page, discussed_in=discussed_in)


# Journals


def journal_list() -> QuerySet[Journal]:
    """Published journals by name, each with `publication_count` of its published publications.

    The count is a subquery per journal rather than a Count() over a join: a page then counts
    the publications of its own journals only, instead of grouping every publication first."""
    published_in_journal = (
        Publication.objects.published()
        .filter(journal=OuterRef("pk"))
        .order_by()
        .values("journal")
        .annotate(total=Count("*"))
        .values("total")
    )
    return (
        Journal.objects.published()
        .annotate(
            publication_count=Coalesce(
                Subquery(published_in_journal, output_field=IntegerField()), 0
            )
        )
        .order_by("name", "pk")
    )


def journal_detail_queryset() -> QuerySet[Journal]:
    """Published journals with their other names and their rankings, latest first per system."""
    return Journal.objects.published().prefetch_related(
        Prefetch("other_names", queryset=JournalName.objects.order_by("kind", "name")),
        Prefetch(
            "metrics",
            queryset=JournalMetric.objects.order_by(
                "system", F("year").desc(nulls_last=True), "-recorded_on", "category", "pk"
            ),
        ),
    )


def journal_publications(journal: Journal) -> QuerySet[Publication]:
    """The journal's published publications, newest first, with their journal and credits as
    a summary shows them (the names as printed: not the people, nor the long texts)."""
    return (
        Publication.objects.published()
        .filter(journal=journal)
        .only("journal", *PUBLICATION_LINK_FIELDS)
        .prefetch_related(
            Prefetch("journal", queryset=Journal.objects.published(), to_attr="published_journal"),
            Prefetch("authorships", queryset=Authorship.objects.order_by(*CREDIT_ORDER)),
        )
        # The year is the date's own, so newest first either way; but by year first the index
        # on (status, journal, year) gives the order up to a year, and a page reads the rows of
        # its own years rather than all of the journal's (0.03 ms rather than 6 for page 1 of
        # 3,800 on SQLite).
        .order_by(F("year").desc(nulls_last=True), *_newest_first())
    )


@dataclass(frozen=True)
class JournalYear:
    """A journal's rankings in one year. When it was ranked more than once that year (in
    several categories, or recorded twice), the best of each: highest impact factor, best
    quartile, best zone."""

    year: int
    impact_factor: Decimal | None
    quartile: str
    zone: int | None
    year_recorded: bool  # no ranking gave its edition year; the year it was recorded in


def journal_metric_history(journal: Journal) -> list[JournalYear]:
    """The journal's rankings per year, oldest first. Reads `journal.metrics`, which
    `journal_detail_queryset` has prefetched: no query per year, and none at all there."""
    by_year: dict[int, list[JournalMetric]] = defaultdict(list)
    for metric in journal.metrics.all():
        by_year[metric.year or metric.recorded_on.year].append(metric)
    history = []
    for year, metrics in sorted(by_year.items()):
        jcr = [m for m in metrics if m.system == JournalMetric.System.JCR]
        cas = [m for m in metrics if m.system == JournalMetric.System.CAS]
        factors = [m.impact_factor for m in jcr if m.impact_factor is not None]
        history.append(
            JournalYear(
                year=year,
                impact_factor=max(factors, default=None),
                quartile=min((m.quartile for m in jcr if m.quartile), default=""),
                zone=min((m.zone for m in cas if m.zone), default=None),
                year_recorded=all(m.year is None for m in metrics),
            )
        )
    return history


# The home page


def _counts(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """How many records each queryset holds, in one query (a UNION ALL of counts)."""
    counts = [
        queryset.order_by()
        .annotate(kind=Value(kind, output_field=CharField()))
        .values("kind")
        .annotate(total=Count("*"))
        .values_list("kind", "total")
        for kind, queryset in querysets.items()
    ]
    return dict.fromkeys(querysets, 0) | dict(counts[0].union(*counts[1:], all=True))


def _published_by_kind() -> dict[str, QuerySet]:
    return {
        "publications": Publication.objects.published(),
        "people": Person.objects.published(),
        "events": Event.objects.published(),
        "journals": Journal.objects.published(),
    }


def published_counts() -> dict[str, int]:
    """How many published records of each kind the archive holds, in one query."""
    return _counts(_published_by_kind())


@dataclass(frozen=True)
class SearchResults:
    count: int
    first: list[Record]


def search_everything(
    query: str, limit: int = SEARCH_RESULTS_SHOWN
) -> dict[str, SearchResults] | None:
    """For each kind of record, how many published ones `query` finds and the first `limit` of
    them in the order of their list, found as the lists find them (`search.search_filter`); None
    when the query has no word to look for. One query for all the counts, one per kind found."""
    if not search.search_terms(query):
        return None
    lists = {
        "publications": publication_summaries(),
        "people": person_list(),
        "events": event_list(),
        "journals": Journal.objects.published().order_by("name", "pk"),
    }
    # Each kind searched once (on PostgreSQL a search reads its words' vocabulary first), then
    # counted without its order and listed with it.
    found = {kind: search.search_filter(records, query) for kind, records in lists.items()}
    counts = _counts(found)
    return {
        kind: SearchResults(count=counts[kind], first=list(records[:limit]) if counts[kind] else [])
        for kind, records in found.items()
    }


# Former slugs


_KINDS = {
    FormerSlug.Kind.PUBLICATION: Publication,
    FormerSlug.Kind.PERSON: Person,
    FormerSlug.Kind.EVENT: Event,
    FormerSlug.Kind.JOURNAL: Journal,
}


def record_by_former_slug(*, kind: str, slug: str) -> Record | None:
    """The published record that a slug of this kind used to lead to (before a merge), or None."""
    target_id = (
        FormerSlug.objects.filter(kind=kind, slug=slug).values_list("target_id", flat=True).first()
    )
    if target_id is None:
        return None
    return _KINDS[kind].objects.published().filter(pk=target_id).only("pk", "slug").first()


# Curation: people who may be one person. Drafts included; these reads serve the admin.


@dataclass(frozen=True)
class NearDuplicate:
    """Two people who may be one, the names of theirs that met, and why."""

    first: Person
    second: Person
    first_name: str
    second_name: str
    reason: names.NearMatch


NEAR_DUPLICATES_SHOWN = 200


def person_near_duplicates(limit: int = NEAR_DUPLICATES_SHOWN) -> list[NearDuplicate]:
    """Pairs of people whose display names or name variants are one name, or a near match
    (`names.near_match`); at most `limit`, by family name. Three queries, however many people.

    Names are only compared within a bucket of one family name and first initial, so the work
    grows with the largest bucket rather than with the square of the number of people.
    """
    sort_keys = {}
    entries = []
    for pk, display_name, family, given in Person.objects.values_list(
        "pk", "display_name", "family_name", "given_names"
    ):
        sort_keys[pk] = (family.casefold(), given.casefold(), display_name.casefold(), pk)
        entries.append((pk, display_name))
    entries.extend(PersonName.objects.values_list("person_id", "name"))

    # Compared once per distinct name, however many people bear it.
    people_by_name = defaultdict(set)
    for pk, name in entries:
        people_by_name[name].add(pk)
    parsed = {name: names.parse(name) for name in people_by_name}
    by_key = defaultdict(set)
    by_bucket = defaultdict(list)
    for name, form in parsed.items():
        by_key[form.key].update((pk, name) for pk in people_by_name[name])
        for bucket in form.buckets:
            by_bucket[bucket].append(name)

    # (first pk, second pk) -> (first person's name, second person's name, reason)
    found: dict[tuple[int, int], tuple[str, str, names.NearMatch]] = {}

    def pair_up(first_name, second_name, reason):
        for first in people_by_name[first_name]:
            for second in people_by_name[second_name]:
                if first < second:
                    found.setdefault((first, second), (first_name, second_name, reason))
                elif second < first:
                    found.setdefault((second, first), (second_name, first_name, reason))

    for key, group in by_key.items():
        if key:
            for (first, first_name), (second, second_name) in combinations(sorted(group), 2):
                if first != second:
                    found.setdefault(
                        (first, second), (first_name, second_name, names.NearMatch.SAME_NAME)
                    )
    for group in by_bucket.values():
        for first_name, second_name in combinations(group, 2):
            if reason := names.near_match(parsed[first_name], parsed[second_name]):
                pair_up(first_name, second_name, reason)

    shown = sorted(
        found, key=lambda pair: (sort_keys.get(pair[0], ()), sort_keys.get(pair[1], ()))
    )[:limit]
    people = Person.objects.in_bulk({pk for pair in shown for pk in pair})
    return [
        NearDuplicate(people[first], people[second], *found[first, second])
        for first, second in shown
        if first in people and second in people  # unless deleted meanwhile
    ]


def _count_of(model) -> Coalesce:
    # A subquery per kind rather than Count() over joins, which would multiply a prolific
    # author's works by their events.
    return Coalesce(
        Subquery(
            model.objects.filter(person=OuterRef("pk"))
            .order_by()
            .values("person")
            .annotate(total=Count("pk"))
            .values("total"),
            output_field=IntegerField(),
        ),
        0,
    )


def person_merge_candidates(pks) -> QuerySet[Person]:
    """People as the merge page compares them: with their other names and how many works
    (`works_count`), works about them (`subjects_count`) and events (`events_count`) they have."""
    return (
        Person.objects.filter(pk__in=pks)
        .annotate(
            works_count=_count_of(Authorship),
            subjects_count=_count_of(PublicationSubject),
            events_count=_count_of(EventParticipation),
        )
        .prefetch_related(Prefetch("names", queryset=PersonName.objects.order_by("kind", "name")))
        .order_by("pk")
    )
