"""Reads the public site shares: published records with everything their pages show, fetched.

Drafts never reach a template: related records are fetched with `Prefetch(..., to_attr=...)`
querysets of published records only, named for what the page shows (a draft journal makes
`published_journal` None). What a published record owns itself, such as the name printed on it
for an author, is always shown.

Orderings end with the primary key so that pagination is stable.
"""

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When

from archive.models import (
    Authorship,
    Event,
    EventParticipation,
    EventTitle,
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

LATEST_PUBLICATIONS = 10


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


def latest_publications(limit: int = LATEST_PUBLICATIONS) -> QuerySet[Publication]:
    return publication_list()[:limit]


# People


def person_list() -> QuerySet[Person]:
    return Person.objects.published().order_by("family_name", "given_names", "display_name", "pk")


def person_detail_queryset() -> QuerySet[Person]:
    """Published people with their other names and, published only, the works they wrote
    (`works_written`), the works about them (`works_about`) and their events in time order
    (`events_taken_part_in`)."""
    return person_list().prefetch_related(
        Prefetch("names", queryset=PersonName.objects.order_by("kind", "name")),
        Prefetch(
            "authorships",
            queryset=Authorship.objects.filter(publication__status=Status.PUBLISHED)
            .select_related("publication")
            .order_by(*_newest_first("publication__")),
            to_attr="works_written",
        ),
        Prefetch(
            "written_about_in",
            queryset=PublicationSubject.objects.filter(publication__status=Status.PUBLISHED)
            .select_related("publication")
            .order_by(*_newest_first("publication__")),
            to_attr="works_about",
        ),
        Prefetch(
            "participations",
            queryset=EventParticipation.objects.filter(event__status=Status.PUBLISHED)
            .select_related("event")
            .order_by(*_earliest_first("event__")),
            to_attr="events_taken_part_in",
        ),
    )


# Events


def event_list() -> QuerySet[Event]:
    return Event.objects.published().order_by(*_earliest_first())


def event_detail_queryset() -> QuerySet[Event]:
    """Published events with their translated titles and, published only, the event they are
    part of (`published_parent`), their parts, related events, participants
    (`people_taking_part`) and the publications that discuss them (`discussed_in`)."""
    return event_list().prefetch_related(
        Prefetch("parent", queryset=Event.objects.published(), to_attr="published_parent"),
        Prefetch("translations", queryset=EventTitle.objects.order_by("language")),
        Prefetch("parts", queryset=event_list(), to_attr="published_parts"),
        Prefetch("related", queryset=event_list(), to_attr="published_related"),
        Prefetch(
            "participations",
            queryset=EventParticipation.objects.filter(person__status=Status.PUBLISHED)
            .select_related("person")
            .order_by("position", "pk"),
            to_attr="people_taking_part",
        ),
        Prefetch(
            "publication_links",
            queryset=PublicationEvent.objects.filter(publication__status=Status.PUBLISHED)
            .select_related("publication")
            .order_by(*_newest_first("publication__")),
            to_attr="discussed_in",
        ),
    )


# Journals


def journal_list() -> QuerySet[Journal]:
    """Published journals by name, each with `publication_count` of its published publications."""
    return (
        Journal.objects.published()
        .annotate(
            publication_count=Count("publications", filter=Q(publications__status=Status.PUBLISHED))
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
    return publication_list().filter(journal=journal)


# The home page


def published_counts() -> dict[str, int]:
    return {
        "publications": Publication.objects.published().count(),
        "people": Person.objects.published().count(),
        "events": Event.objects.published().count(),
        "journals": Journal.objects.published().count(),
    }
