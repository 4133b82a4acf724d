"""What an import created and changed, what those records were before, and putting them back.

Records an import created point to its batch (`import_batch`) and were made after it began; an
undo deletes them. For every record it updated the batch keeps an ImportChange whose `before` is a
snapshot: for publications the one of archive.importing.snapshots, for people, events and journals
the one `record_snapshots` makes (the record's fields and every relation those imports write). An
undo writes the snapshot back exactly, `updated_at` included, so that the import before it can be
undone in its turn. The refusals (`undo_blockers`) are in archive.importing.undo_checks.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from archive.importing.matching import chunked
from archive.models import (
    Authorship,
    Event,
    ImportBatch,
    ImportChange,
    Journal,
    JournalMetric,
    Keyword,
    Person,
    Publication,
    PublicationAbstract,
    PublicationTitle,
)
from archive.search import search_index_refresh

RECORD_MODELS = (Publication, Person, Event, Journal)
# Left out of snapshots: never changed by an import once the record exists.
_NOT_SNAPSHOTTED = {"id", "slug", "created_at"}
# What the people, event and journal imports write besides a record's own fields: rows that
# belong to the record (reverse foreign keys) and, for events, the related events.
ENTITY_RELATIONS: dict[type, tuple[str, ...]] = {
    Person: ("names",),
    Event: ("translations", "participations", "publication_links", "related"),
    Journal: ("other_names", "external_ids", "metrics"),
}
# Unique when not blank (conditional constraints): blanked before being written back, so that two
# records that swapped a value in one import can swap it back.
_UNIQUE_WHEN_GIVEN = {
    Publication: ("doi", "source_id"),
    Person: ("orcid", "wikidata", "viaf"),
    Event: (),
    Journal: ("issn_print", "issn_electronic"),
}


# --- snapshots of people, events and journals ----------------------------------------------------


def _json_value(value):
    """As publication snapshots keep values: JSON types as they are, dates and decimals as text."""
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    return str(value)


def _row(obj, exclude=()) -> dict:
    return {
        f.attname: _json_value(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in exclude
    }


def _python(model, values: dict) -> dict:
    """Snapshot values (by attname) as the model's fields hold them."""
    return {name: model._meta.get_field(name).to_python(value) for name, value in values.items()}


def record_snapshots(model, pks) -> dict[int, dict]:
    """{pk: {"fields": ..., <relation>: [...]}} of people, events or journals, for ImportChange.

    A relation is a list of its rows (every field, primary key included) or, for related events,
    of event ids. A few queries for every 500 records.
    """
    relations = ENTITY_RELATIONS[model]
    snapshots: dict[int, dict] = {}
    for part in chunked(pks):
        for record in model.objects.filter(pk__in=part):
            snapshots[record.pk] = {
                "fields": _row(record, _NOT_SNAPSHOTTED),
                **{name: [] for name in relations},
            }
        for name in relations:
            for owner, value in _current(model, name, part):
                snapshots[owner][name].append(value)
    return snapshots


def _current(model, name: str, pks) -> Iterator[tuple[int, object]]:
    """(record pk, row or related pk) of one relation of the records, as snapshots hold them."""
    relation = model._meta.get_field(name)
    if relation.many_to_many:
        through = getattr(model, name).through
        source = f"{relation.m2m_field_name()}_id"
        target = f"{relation.m2m_reverse_field_name()}_id"
        yield from (
            through.objects.filter(**{f"{source}__in": pks})
            .order_by(source, target)
            .values_list(source, target)
        )
        return
    key = relation.field.attname
    for row in relation.related_model.objects.filter(**{f"{key}__in": pks}).order_by("pk"):
        yield getattr(row, key), _row(row, {key})


# --- what a batch did ----------------------------------------------------------------------------


@dataclass
class BatchRecords:
    """The records one batch created and updated, by model (ids only; snapshots are streamed)."""

    batch: ImportBatch
    created: dict[type, list[int]] = field(default_factory=dict)
    #: {model: {record pk: pk of the ImportChange holding what it was before the batch}}
    changes: dict[type, dict[int, int]] = field(default_factory=dict)
    #: Records pointing to the batch, older than it, of which it kept no snapshot.
    untracked: dict[type, list[int]] = field(default_factory=dict)
    #: (pk, journal pk) of the rankings the batch added to journals it does not put back whole.
    rankings: list[tuple[int, int]] = field(default_factory=list)
    #: Records of the batch that a later import changed since, so that they point to it now.
    taken_over: dict[type, set[int]] = field(default_factory=dict)

    def of(self, model) -> set[int]:
        """Every record of the model the batch created or updated."""
        return (
            set(self.created.get(model, ()))
            | set(self.changes.get(model, ()))
            | self.taken_over.get(model, set())
        )

    def snapshots(self, model) -> Iterator[dict[int, dict]]:
        """{record pk: before} of the updated records, 500 at a time."""
        for part in chunked(self.changes.get(model, {}).values()):
            yield dict(ImportChange.objects.filter(pk__in=part).values_list("object_id", "before"))

    def preview(self) -> "UndoReport":
        return UndoReport(
            publications_removed=len(self.created[Publication]),
            people_removed=len(self.created[Person]),
            events_removed=len(self.created[Event]),
            journals_removed=len(self.created[Journal]),
            rankings_removed=len(self.rankings),
            publications_restored=len(self.changes[Publication]),
            people_restored=len(self.changes[Person]),
            events_restored=len(self.changes[Event]),
            journals_restored=len(self.changes[Journal]),
        )


def batch_records(batch: ImportBatch) -> BatchRecords:
    records = BatchRecords(batch=batch)
    models = {ContentType.objects.get_for_model(model).pk: model for model in RECORD_MODELS}
    earliest: dict[type, dict[int, tuple[int, object]]] = defaultdict(dict)
    for pk, content_type_id, object_id, batch_before in (
        ImportChange.objects.filter(batch=batch, action=ImportChange.Action.UPDATED)
        .order_by("pk")
        .values_list("pk", "content_type_id", "object_id", "before__fields__import_batch_id")
    ):
        if content_type_id in models:
            # A record changed twice in one import is put back as it was before the first time.
            earliest[models[content_type_id]].setdefault(object_id, (pk, batch_before))
    for model in RECORD_MODELS:
        # Created earlier in the same import (a large file read in chunks): deleted, not restored.
        own = {pk for pk, (_change, before) in earliest[model].items() if before == batch.pk}
        records.changes[model] = {
            pk: change for pk, (change, _before) in earliest[model].items() if pk not in own
        }
        records.created[model], records.untracked[model] = [], []
        for pk, created_at in model.objects.filter(import_batch=batch).values_list(
            "pk", "created_at"
        ):
            if pk in records.changes[model]:
                continue
            new = pk in own or created_at >= batch.created_at
            (records.created if new else records.untracked)[model].append(pk)
    for content_type_id, object_id in ImportChange.objects.filter(
        batch__pk__gt=batch.pk,
        batch__status=ImportBatch.Status.COMPLETED,
        before__fields__import_batch_id=batch.pk,
    ).values_list("content_type_id", "object_id"):
        if content_type_id in models:
            records.taken_over.setdefault(models[content_type_id], set()).add(object_id)
    restored_journals = set(records.changes[Journal])
    records.rankings = [
        (pk, journal_id)
        for pk, journal_id in JournalMetric.objects.filter(import_batch=batch).values_list(
            "pk", "journal_id"
        )
        if journal_id not in restored_journals
    ]
    return records


# --- the report ----------------------------------------------------------------------------------


@dataclass
class UndoReport:
    """How many records an undo removed and put back (or would)."""

    publications_removed: int = 0
    people_removed: int = 0
    events_removed: int = 0
    journals_removed: int = 0
    rankings_removed: int = 0
    keywords_removed: int = 0
    publications_restored: int = 0
    people_restored: int = 0
    events_restored: int = 0
    journals_restored: int = 0

    def removed_text(self) -> str:
        removed = (
            self.publications_removed,
            self.people_removed,
            self.events_removed,
            self.journals_removed,
            self.rankings_removed,
            self.keywords_removed,
        )
        publications, people, events, journals, rankings, keywords = removed
        return _listing(
            [
                ngettext("%d new publication", "%d new publications", publications) % publications,
                ngettext("%d person", "%d people", people) % people,
                ngettext("%d event", "%d events", events) % events,
                ngettext("%d journal", "%d journals", journals) % journals,
                ngettext("%d journal ranking", "%d journal rankings", rankings) % rankings,
                ngettext("%d keyword", "%d keywords", keywords) % keywords,
            ],
            removed,
        )

    def restored_text(self) -> str:
        restored = (
            self.publications_restored,
            self.people_restored,
            self.events_restored,
            self.journals_restored,
        )
        publications, people, events, journals = restored
        return _listing(
            [
                ngettext("%d updated publication", "%d updated publications", publications)
                % publications,
                ngettext("%d updated person", "%d updated people", people) % people,
                ngettext("%d updated event", "%d updated events", events) % events,
                ngettext("%d updated journal", "%d updated journals", journals) % journals,
            ],
            restored,
        )

    def describe(self, *, done: bool = False) -> str:
        """'remove 2 new publications, 1 person; restore 1 updated publication' (or 'removed')."""
        removed, restored = self.removed_text(), self.restored_text()
        parts = []
        if removed:
            text = _("removed %(records)s") if done else _("remove %(records)s")
            parts.append(text % {"records": removed})
        if restored:
            text = _("restored %(records)s") if done else _("restore %(records)s")
            parts.append(text % {"records": restored})
        return "; ".join(parts) or _("nothing to remove or restore")

    @property
    def is_empty(self) -> bool:
        return not (self.removed_text() or self.restored_text())

    def __str__(self) -> str:
        return self.describe()


def _listing(texts: list[str], counts: tuple[int, ...]) -> str:
    """The texts of the counts that are not zero."""
    return ", ".join(text for text, count in zip(texts, counts, strict=True) if count)


# --- undoing -------------------------------------------------------------------------------------


def undo_records(records: BatchRecords, *, log=None) -> UndoReport:
    """Delete what the batch created and put back what it updated. The caller has made sure that
    `undo_checks.undo_blockers` found nothing, and runs this in a transaction.

    `log(objects, deleted: bool)` is called with each group of records before they change.
    """
    report = records.preview()
    log = log or (lambda objects, deleted: None)
    keywords: set[int] = set()
    for part in chunked(records.created[Publication]):
        through = Publication.keywords.through
        keywords.update(
            through.objects.filter(publication_id__in=part).values_list("keyword_id", flat=True)
        )
        log(Publication.objects.filter(pk__in=part), True)
        Publication.objects.filter(pk__in=part).delete()
    for part in chunked(records.created[Event]):
        log(Event.objects.filter(pk__in=part), True)
        Event.objects.filter(pk__in=part).delete()
    keywords |= _restore(Publication, records, log)
    for part in chunked(pk for pk, _journal in records.rankings):
        JournalMetric.objects.filter(pk__in=part).delete()
    # Unreferenced now that the publications they were linked to are gone or put back.
    report.people_removed = _delete_unreferenced(
        Person, records.created[Person], ("authorships", "written_about_in", "participations"), log
    )
    report.journals_removed = _delete_unreferenced(
        Journal, records.created[Journal], ("publications",), log
    )
    for model in (Person, Event, Journal):
        _restore(model, records, log)
    # Records put back have their search text back; publications also show the names of their
    # authors and journal, which may have been put back too, or published or unpublished since.
    search_index_refresh(
        publications=list(records.changes[Publication]),
        people=list(records.changes[Person]),
        journals=list(records.changes[Journal]),
    )
    # Keywords have no batch: those left without publications were the import's own.
    orphans = Keyword.objects.filter(pk__in=keywords, publications__isnull=True)
    report.keywords_removed = orphans.delete()[0]
    return report


def _delete_unreferenced(model, pks, relations, log) -> int:
    deleted = 0
    for part in chunked(pks):
        unreferenced = model.objects.filter(pk__in=part).filter(
            **{f"{relation}__isnull": True for relation in relations}
        )
        doomed = list(unreferenced.values_list("pk", flat=True))
        log(model.objects.filter(pk__in=doomed), True)
        deleted += model.objects.filter(pk__in=doomed).delete()[1].get(model._meta.label, 0)
    return deleted


def _restore(model, records: BatchRecords, log) -> set[int]:
    """Write back every updated record of the model; the keywords it unlinked (publications).

    In two passes over all of them: first whatever stands in the way (rows the import added or
    changed, values of unique fields), then the snapshots, so that values the import moved from
    one record to another can move back.
    """
    clear, write = (
        (_clear_publications, _write_publications)
        if model is Publication
        else (_clear_entities, _write_entities)
    )
    for befores in records.snapshots(model):
        log(model.objects.filter(pk__in=list(befores)), False)
        _blank_unique_fields(model, befores)
        clear(model, befores)
    unlinked: set[int] = set()
    for befores in records.snapshots(model):
        _write_fields(model, befores)
        unlinked |= write(model, befores) or set()
    return unlinked


def _blank_unique_fields(model, befores: dict[int, dict]) -> None:
    for name in _UNIQUE_WHEN_GIVEN[model]:
        current = dict(model.objects.filter(pk__in=list(befores)).values_list("pk", name))
        changing = [
            pk for pk, before in befores.items() if current.get(pk) != before["fields"].get(name)
        ]
        if changing:
            model.objects.filter(pk__in=changing).update(**{name: ""})


def _write_fields(model, befores: dict[int, dict]) -> None:
    # bulk_update leaves auto_now alone, so updated_at goes back to what it was.
    groups: dict[tuple, list] = defaultdict(list)
    for pk, before in befores.items():
        values = _python(model, before["fields"])
        groups[tuple(sorted(values))].append(model(pk=pk, **values))
    for names, instances in groups.items():
        model.objects.bulk_update(instances, list(names), batch_size=500)


# Publications (snapshots of archive.importing.snapshots)


def _authorships(before: dict) -> list[dict]:
    return sorted(
        [*before.get("authors", []), *before.get("others", [])],
        key=lambda a: (a["role"], a["position"]),
    )


def _current_authorships(pks) -> dict[int, list[dict]]:
    current = defaultdict(list)
    for publication_id, person_id, name, position, role in (
        Authorship.objects.filter(publication_id__in=pks)
        .order_by("role", "position")
        .values_list("publication_id", "person_id", "name_as_printed", "position", "role")
    ):
        current[publication_id].append(
            {"person": person_id, "name": name, "position": position, "role": role}
        )
    return current


_TRANSLATIONS = ((PublicationTitle, "titles", "title"), (PublicationAbstract, "abstracts", "text"))


def _clear_publications(model, befores: dict[int, dict]) -> None:
    pks = list(befores)
    current = _current_authorships(pks)
    stale = [pk for pk in pks if current[pk] != _authorships(befores[pk])]
    Authorship.objects.filter(publication_id__in=stale).delete()
    for translation, key, text in _TRANSLATIONS:
        rows = translation.objects.filter(publication_id__in=pks).values_list(
            "pk", "publication_id", "language", text, "is_machine_translation"
        )
        stale = [
            pk
            for pk, publication_id, language, value, machine in rows
            if befores[publication_id].get(key, {}).get(language) != [pk, value, machine]
        ]
        translation.objects.filter(pk__in=stale).delete()


def _write_publications(model, befores: dict[int, dict]) -> set[int]:
    pks = list(befores)
    current = _current_authorships(pks)
    Authorship.objects.bulk_create(
        Authorship(
            publication_id=pk,
            person_id=a["person"],
            name_as_printed=a["name"],
            position=a["position"],
            role=a["role"],
        )
        for pk in pks
        if not current[pk]
        for a in _authorships(befores[pk])
    )
    for translation, key, text in _TRANSLATIONS:
        present = set(
            translation.objects.filter(publication_id__in=pks).values_list("pk", flat=True)
        )
        translation.objects.bulk_create(
            translation(
                pk=pk,
                publication_id=publication_id,
                language=language,
                **{text: value},
                is_machine_translation=machine,
            )
            for publication_id, before in befores.items()
            for language, (pk, value, machine) in before.get(key, {}).items()
            if pk not in present
        )
    return _write_keywords(befores)


def _write_keywords(befores: dict[int, dict]) -> set[int]:
    """Link exactly the keywords of the snapshots; the ids of those unlinked."""
    through = Publication.keywords.through
    wanted = {pk: set(before.get("keywords", [])) for pk, before in befores.items()}
    stale, unlinked, linked = [], set(), defaultdict(set)
    for link, publication_id, keyword_id, name in through.objects.filter(
        publication_id__in=list(befores)
    ).values_list("pk", "publication_id", "keyword_id", "keyword__name"):
        if name in wanted[publication_id]:
            linked[publication_id].add(name)
        else:
            stale.append(link)
            unlinked.add(keyword_id)
    through.objects.filter(pk__in=stale).delete()
    missing = {(pk, name) for pk, names in wanted.items() for name in names - linked[pk]}
    if missing:
        names = {name for _, name in missing}
        Keyword.objects.bulk_create([Keyword(name=name) for name in names], ignore_conflicts=True)
        ids = dict(Keyword.objects.filter(name__in=names).values_list("name", "pk"))
        through.objects.bulk_create(
            through(publication_id=pk, keyword_id=ids[name]) for pk, name in missing
        )
    return unlinked


# People, events and journals (snapshots of record_snapshots)


def _clear_entities(model, befores: dict[int, dict]) -> None:
    pks = list(befores)
    for name in ENTITY_RELATIONS[model]:
        relation = model._meta.get_field(name)
        if relation.many_to_many:
            continue
        key = relation.field.attname
        kept = {
            (pk, row["id"]): row for pk, before in befores.items() for row in before.get(name, [])
        }
        stale = [
            row["id"]
            for owner, row in _current(model, name, pks)
            if kept.get((owner, row["id"])) != row
        ]
        relation.related_model.objects.filter(**{f"{key}__in": pks}, pk__in=stale).delete()


def _write_entities(model, befores: dict[int, dict]) -> None:
    pks = list(befores)
    for name in ENTITY_RELATIONS[model]:
        relation = model._meta.get_field(name)
        current = defaultdict(list)
        for owner, value in _current(model, name, pks):
            current[owner].append(value if relation.many_to_many else value["id"])
        if relation.many_to_many:
            for pk, before in befores.items():
                if sorted(current[pk]) != sorted(before.get(name, [])):
                    getattr(model(pk=pk), name).set(before.get(name, []))
            continue
        rows, key = relation.related_model, relation.field.attname
        rows.objects.bulk_create(
            rows(**_python(rows, row), **{key: pk})
            for pk, before in befores.items()
            for row in before.get(name, [])
            if row["id"] not in current[pk]
        )
