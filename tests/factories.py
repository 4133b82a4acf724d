"""Small builders for test records; every argument has a sensible default.

Like the admin and the importers, a builder that adds related rows to a record refreshes the
record's search text afterwards."""

import datetime
from itertools import count

from archive.models import (
    Authorship,
    Event,
    EventParticipation,
    EventTitle,
    Journal,
    JournalIdentifier,
    JournalMetric,
    JournalName,
    Person,
    PersonName,
    Publication,
    PublicationEvent,
    PublicationSubject,
    PublicationTitle,
    Status,
)
from archive.search import search_index_refresh

_sequence = count(1)


def make_journal(**fields) -> Journal:
    fields.setdefault("name", f"Journal {next(_sequence)}")
    fields.setdefault("status", Status.PUBLISHED)
    return Journal.objects.create(**fields)


def make_person(display_name: str | None = None, *, variants=(), **fields) -> Person:
    fields.setdefault("status", Status.PUBLISHED)
    person = Person.objects.create(
        display_name=display_name or f"Person {next(_sequence)}", **fields
    )
    for variant in variants:
        PersonName.objects.create(person=person, name=variant)
    if variants:
        search_index_refresh(people=[person])
    return person


def make_event(title: str | None = None, **fields) -> Event:
    fields.setdefault("status", Status.PUBLISHED)
    return Event.objects.create(title=title or f"Event {next(_sequence)}", **fields)


def make_publication(title: str | None = None, *, authors=(), about=(), events=(), **fields):
    fields.setdefault("status", Status.PUBLISHED)
    fields.setdefault("publication_date", "2022-06-21")
    publication = Publication.objects.create(
        title=title or f"Publication {next(_sequence)}", **fields
    )
    for position, person in enumerate(authors, start=1):
        Authorship.objects.create(publication=publication, person=person, position=position)
    for person in about:
        PublicationSubject.objects.create(publication=publication, person=person)
    for event in events:
        PublicationEvent.objects.create(publication=publication, event=event)
    if authors:
        search_index_refresh(publications=[publication])
    return publication


def add_participant(event: Event, person: Person, role: str = "") -> EventParticipation:
    return EventParticipation.objects.create(event=event, person=person, role=role)


def add_translated_title(
    publication: Publication, title: str, *, language: str = "zh-Hans", machine: bool = False
) -> PublicationTitle:
    translation = PublicationTitle.objects.create(
        publication=publication, title=title, language=language, is_machine_translation=machine
    )
    search_index_refresh(publications=[publication])
    return translation


def add_person_name(person: Person, name: str, *, language: str = "", **fields) -> PersonName:
    variant = PersonName.objects.create(person=person, name=name, language=language, **fields)
    search_index_refresh(people=[person])
    return variant


def add_event_title(event: Event, title: str, *, language: str = "zh") -> EventTitle:
    translation = EventTitle.objects.create(event=event, title=title, language=language)
    search_index_refresh(events=[event])
    return translation


def add_journal_name(journal: Journal, name: str, **fields) -> JournalName:
    other_name = JournalName.objects.create(journal=journal, name=name, **fields)
    search_index_refresh(journals=[journal])
    return other_name


def add_journal_metric(journal: Journal, **fields) -> JournalMetric:
    fields.setdefault("system", JournalMetric.System.JCR)
    fields.setdefault("recorded_on", datetime.date(2024, 6, 30))
    return JournalMetric.objects.create(journal=journal, **fields)


def add_author(
    publication: Publication,
    person: Person,
    *,
    position: int | None = None,
    role: str = Authorship.Role.AUTHOR,
    name_as_printed: str = "",
) -> Authorship:
    if position is None:
        position = publication.authorships.filter(role=role).count() + 1
    authorship = Authorship.objects.create(
        publication=publication,
        person=person,
        position=position,
        role=role,
        name_as_printed=name_as_printed,
    )
    search_index_refresh(publications=[publication])
    return authorship


def add_subject(publication: Publication, person: Person, *, pages: str = "") -> PublicationSubject:
    return PublicationSubject.objects.create(publication=publication, person=person, pages=pages)


def add_journal_identifier(journal: Journal, scheme: str, value: str) -> JournalIdentifier:
    return JournalIdentifier.objects.create(journal=journal, scheme=scheme, value=value)


def add_event_publication(event: Event, publication: Publication, *, pages: str = ""):
    return PublicationEvent.objects.create(event=event, publication=publication, pages=pages)
