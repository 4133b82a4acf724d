"""The sample archive: the first record, imported through the importer, and the people and
events it speaks of, curated by hand. Loading it twice changes nothing."""

import hashlib
from pathlib import Path

from django.db import transaction

from archive import names
from archive.importing.formats import BookSciJSON
from archive.importing.report import describe_errors
from archive.importing.resources import run_import
from archive.models import (
    Event,
    EventParticipation,
    EventTitle,
    Person,
    PersonName,
    Publication,
    PublicationEvent,
    PublicationSubject,
    Status,
)
from archive.search import search_index_refresh

SEED_FILE = Path(__file__).parent / "sample_data" / "booksci_cold_war_history_2022.json"
SEED_DOI = "10.1080/14682745.2022.2050698"

PEOPLE = [
    {
        "display_name": "Nikita Khrushchev",
        "family_name": "Khrushchev",
        "given_names": "Nikita Sergeyevich",
        "birth_date": "1894-04-15",
        "death_date": "1971-09-11",
        "wikidata": "Q35314",
        "biography": (
            "First Secretary of the Communist Party of the Soviet Union (1953–1964). His visit "
            "to China in autumn 1954 opened the talks on sending Chinese workers to the USSR."
        ),
        "variants": [
            ("Никита Сергеевич Хрущёв", "ru", PersonName.Kind.NATIVE),
            ("Nikita Sergeyevich Khrushchev", "en", PersonName.Kind.ROMANISATION),
            ("Khrushchëv", "ru-Latn", PersonName.Kind.ROMANISATION),
            ("赫鲁晓夫", "zh", PersonName.Kind.VARIANT),
        ],
    },
    {
        "display_name": "Mao Zedong",
        "family_name": "Mao",
        "given_names": "Zedong",
        "birth_date": "1893-12-26",
        "death_date": "1976-09-09",
        "wikidata": "Q5816",
        "biography": "Chairman of the Chinese Communist Party (1943–1976).",
        "variants": [
            ("毛泽东", "zh-Hans", PersonName.Kind.NATIVE),
            ("毛澤東", "zh-Hant", PersonName.Kind.NATIVE),
            ("Mao Tse-tung", "zh-Latn-wadegile", PersonName.Kind.ROMANISATION),
        ],
    },
]

EVENTS = [
    {
        "key": "visit",
        "title": "Khrushchev's visit to China",
        "zh": "赫鲁晓夫访华",
        "date": "1954-09/1954-10",
        "place": "Beijing",
        "description": (
            "Khrushchev's first visit to the People's Republic of China, for the fifth "
            "anniversary of its founding. He asked Mao Zedong to send one million Chinese "
            "workers to the Soviet Far East and Siberia."
        ),
        "participants": [("Nikita Khrushchev", "visitor"), ("Mao Zedong", "host")],
        "pages": "437–440",
    },
    {
        "key": "agreement",
        "title": "The 1954 Sino-Soviet agreement on sending Chinese workers",
        "zh": "1954年中苏关于派遣中国工人的协定",
        "date": "1954",
        "place": "",
        "description": "The agreement by which China was to send workers to the USSR.",
        "participants": [("Nikita Khrushchev", "party"), ("Mao Zedong", "party")],
        "pages": "440–443",
    },
    {
        "key": "dispatch",
        "title": "The dispatch of Chinese workers to the Soviet Far East and Siberia",
        "zh": "向苏联远东和西伯利亚派遣中国工人",
        "date": "1954/1957",
        "place": "Soviet Far East and Siberia",
        "description": (
            "Of the million workers asked for, only about 2,000 travelled to the USSR."
        ),
        "participants": [],
        "pages": "443–457",
    },
]


def _person(spec: dict) -> Person:
    person = Person.objects.filter(name_key=names.match_key(spec["display_name"])).first()
    if person is None:
        fields = {k: v for k, v in spec.items() if k != "variants"}
        person = Person(status=Status.PUBLISHED, **fields)
        person.full_clean()
        person.save()
    for name, language, kind in spec["variants"]:
        PersonName.objects.get_or_create(
            person=person, name=name, defaults={"language": language, "kind": kind}
        )
    return person


@transaction.atomic
def sample_archive_load() -> bool:
    """Load the sample archive; False when it was already there."""
    if Publication.objects.filter(doi=SEED_DOI).exists() and Event.objects.exists():
        return False
    data = SEED_FILE.read_bytes()
    dataset = BookSciJSON().create_dataset(data)
    result = run_import(
        dataset,
        file_name=SEED_FILE.name,
        format_name=BookSciJSON.name,
        checksum=hashlib.sha256(data).hexdigest(),
    )
    if result.has_errors() or result.has_validation_errors():
        raise RuntimeError("; ".join(describe_errors(result, dataset)))
    publication = Publication.objects.get(doi=SEED_DOI)

    gu = publication.authorships.get(position=1).person
    if not gu.biography:
        gu.biography = "Historian of Sino-Soviet relations; author of the archive's first record."
        gu.save()
    people = {spec["display_name"]: _person(spec) for spec in PEOPLE}
    for person in people.values():
        PublicationSubject.objects.get_or_create(publication=publication, person=person)

    events = {}
    for spec in EVENTS:
        event = Event.objects.filter(title=spec["title"]).first()
        if event is None:
            event = Event(
                title=spec["title"],
                date=spec["date"],
                place=spec["place"],
                description=spec["description"],
                status=Status.PUBLISHED,
            )
            event.full_clean()
            event.save()
        EventTitle.objects.get_or_create(event=event, language="zh", defaults={"title": spec["zh"]})
        for position, (name, role) in enumerate(spec["participants"], start=1):
            EventParticipation.objects.get_or_create(
                event=event, person=people[name], role=role, defaults={"position": position}
            )
        PublicationEvent.objects.get_or_create(
            publication=publication, event=event, defaults={"pages": spec["pages"]}
        )
        events[spec["key"]] = event
    events["visit"].related.add(events["agreement"])
    events["agreement"].related.add(events["dispatch"])
    search_index_refresh(
        publications=[publication],
        people=[gu, *people.values()],
        events=events.values(),
        journals=[publication.journal_id] if publication.journal_id else None,
    )
    return True
