"""A record as its history keeps it: its own fields and every relation its admin page edits.

Built on the snapshots imports keep for undo (archive.importing.snapshots for publications,
archive.importing.undo.record_snapshots for people, events and journals), with the relations
those leave out added, so that what an import kept compares key for key with what came later.

A snapshot is {"fields": {attname: value}, <part>: value, ...}, JSON throughout. A *part* is one
field or one relation; a change is told by the parts whose values differ (`changed_parts`), and
an entry keeps only those (`partial`). Fields that are derived from others or kept by the
machinery (`IGNORED_FIELDS`) are never compared, shown or written back.
"""

import html
import json
from collections import defaultdict

from django.utils.html import strip_tags

from archive.importing.matching import chunked
from archive.importing.snapshots import publication_snapshots
from archive.importing.undo import record_snapshots
from archive.models import Event, Journal, Person, Publication

RECORD_MODELS = (Publication, Person, Event, Journal)

# The relations of each kind of record, in the order a history shows them. Publications have the
# parts of archive.importing.snapshots; the others those of record_snapshots (reverse foreign
# keys by their related name, and related events).
RELATIONS: dict[type, tuple[str, ...]] = {
    Publication: (
        "authors",
        "others",
        "titles",
        "abstracts",
        "keywords",
        "subjects",
        "event_links",
    ),
    Person: ("names", "authorships", "participations", "written_about_in"),
    Event: ("translations", "participations", "publication_links", "related"),
    Journal: ("other_names", "external_ids", "metrics"),
}
# Rows of other tables the import snapshots leave out, added here by their related name.
_ADDED_ROWS = {
    Publication: ("subjects", "event_links"),
    Person: ("authorships", "participations", "written_about_in"),
    Event: (),
    Journal: (),
}
IGNORED_FIELDS = {
    "slug",
    "created_at",
    "updated_at",
    "search_text",
    "name_key",
    "year",
    "date_sort",
    "birth_earliest",
    "birth_latest",
    "death_earliest",
    "death_latest",
    "date_earliest",
    "date_latest",
    "import_fingerprint",
}
# (model, part) -> (the kind of record the part links to, the key naming it in each row; None
# when the part is a list of ids).
LINKS: dict[tuple[type, str], tuple[type, str | None]] = {
    (Publication, "authors"): (Person, "person"),
    (Publication, "others"): (Person, "person"),
    (Publication, "subjects"): (Person, "person_id"),
    (Publication, "event_links"): (Event, "event_id"),
    (Person, "authorships"): (Publication, "publication_id"),
    (Person, "participations"): (Event, "event_id"),
    (Person, "written_about_in"): (Publication, "publication_id"),
    (Event, "participations"): (Person, "person_id"),
    (Event, "publication_links"): (Publication, "publication_id"),
    (Event, "related"): (Event, None),
}
NAME_FIELDS = {Publication: "title", Person: "display_name", Event: "title", Journal: "name"}


def json_ready(value):
    """As the import snapshots store values: JSON types as they are, sets sorted, others as text."""
    return json.loads(
        json.dumps(value, default=lambda v: sorted(v) if isinstance(v, set) else str(v))
    )


def snapshots(model, pks) -> dict[int, dict]:
    """{pk: snapshot} of the records of `model` that exist; a few queries per 500 records."""
    found: dict[int, dict] = {}
    for part in chunked(dict.fromkeys(pks)):
        if model is Publication:
            records = list(Publication.objects.filter(pk__in=part))
            chunk = {pk: json_ready(s) for pk, s in publication_snapshots(records).items()}
            kept = {p.pk: (p.slug, p.created_at) for p in records}
        else:
            chunk = record_snapshots(model, part)
            kept = {
                pk: (slug, created_at)
                for pk, slug, created_at in model.objects.filter(pk__in=part).values_list(
                    "pk", "slug", "created_at"
                )
            }
        for pk, snapshot in chunk.items():
            snapshot["fields"]["slug"], created_at = kept[pk]
            snapshot["fields"]["created_at"] = json_ready(created_at)
            for name in _ADDED_ROWS[model]:
                snapshot[name] = []
        for name in _ADDED_ROWS[model]:
            for owner, row in relation_rows(model, name, list(chunk)):
                chunk[owner][name].append(row)
        found.update(chunk)
    return found


def relation_rows(model, name: str, pks):
    """(record pk, row) of the rows of one reverse relation, each row by attname without the key
    to the record, as record_snapshots keeps them."""
    relation = model._meta.get_field(name)
    key = relation.field.attname
    rows = relation.related_model.objects.filter(**{f"{key}__in": pks}).order_by("pk")
    for row in rows.values():
        owner = row.pop(key)
        yield owner, json_ready(row)


# --- comparing ---------------------------------------------------------------------------------


def comparable(part: str, value):
    """A part's value with what does not matter to a reader left out: the ids of rows (a row
    deleted and added again is the same row), the order of unordered lists."""
    if value is None:
        return None
    if part in ("titles", "abstracts"):
        return {language: list(kept[1:]) for language, kept in value.items()}
    if part in ("keywords", "related"):
        return sorted(value, key=str)
    if isinstance(value, list):
        return sorted(
            json.dumps({k: v for k, v in row.items() if k != "id"}, sort_keys=True) for row in value
        )
    return value


def changed_parts(model, before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(fields, relations) whose values differ, among those both snapshots hold."""
    before_fields, after_fields = before.get("fields", {}), after.get("fields", {})
    fields = [
        name
        for name in before_fields
        if name in after_fields
        and name not in IGNORED_FIELDS
        and before_fields[name] != after_fields[name]
    ]
    relations = [
        part
        for part in RELATIONS[model]
        if part in before
        and part in after
        and comparable(part, before[part]) != comparable(part, after[part])
    ]
    return fields, relations


def partial(snapshot: dict, fields, relations) -> dict:
    """The snapshot's values of these fields and relations only."""
    kept = {"fields": {name: snapshot["fields"].get(name) for name in fields}}
    kept.update({part: snapshot.get(part) for part in relations})
    return kept


def overlay(snapshot: dict, parts: dict) -> dict:
    """The snapshot with the values `parts` holds put in: what the record was before a change
    whose `before` is `parts`, given what it was after."""
    result = {**snapshot, "fields": {**snapshot.get("fields", {})}}
    result["fields"].update(parts.get("fields", {}))
    result.update({key: value for key, value in parts.items() if key != "fields"})
    return result


def linked(model, snapshot: dict | None, parts=None) -> dict[type, set[int]]:
    """The records the snapshot's relations (or those named in `parts`) link to, by kind."""
    found: dict[type, set[int]] = defaultdict(set)
    if not snapshot:
        return found
    for part in RELATIONS[model] if parts is None else parts:
        if (model, part) not in LINKS or not snapshot.get(part):
            continue
        other, key = LINKS[model, part]
        found[other].update(snapshot[part] if key is None else (row[key] for row in snapshot[part]))
    return found


def label(model, snapshot: dict | None) -> str:
    """What the record was called: its title or name, as the change lists show it."""
    fields = (snapshot or {}).get("fields", {})
    text = fields.get(NAME_FIELDS[model]) or ""
    if model is Publication:
        text = html.unescape(strip_tags(text))
        if fields.get("year"):
            text = f"{text} ({fields['year']})"
    return text[:300]
