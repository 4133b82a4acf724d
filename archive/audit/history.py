"""A record's history, newest first: its AuditEntries and the imports that changed it, merged in
time order, each with what it changed field by field and link by link.

Imports write no AuditEntry; each keeps, in its ImportChange, what the record was before it.
Since every other change is recorded, what the record became after an import is what it was
before the next change of the history, or what it is now: the history is read from now
backwards, putting back each change's `before` in turn.
"""

import datetime
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.audit.snapshots import (
    IGNORED_FIELDS,
    RELATIONS,
    comparable,
    label,
    linked,
    overlay,
    snapshots,
)
from archive.models import (
    AuditEntry,
    Authorship,
    Event,
    ImportBatch,
    ImportChange,
    Journal,
    JournalMetric,
    JournalName,
    Person,
    PersonName,
    Publication,
)

PART_LABELS = {
    (Publication, "authors"): gettext_lazy("authors, in order"),
    (Publication, "others"): gettext_lazy("editors and translators"),
    (Publication, "titles"): gettext_lazy("translated titles"),
    (Publication, "abstracts"): gettext_lazy("translated abstracts"),
    (Publication, "keywords"): gettext_lazy("fields of study and keywords"),
    (Publication, "subjects"): gettext_lazy("people written about"),
    (Publication, "event_links"): gettext_lazy("events discussed"),
    (Person, "names"): gettext_lazy("name variants"),
    (Person, "authorships"): gettext_lazy("works written"),
    (Person, "participations"): gettext_lazy("events taken part in"),
    (Person, "written_about_in"): gettext_lazy("written about in"),
    (Event, "translations"): gettext_lazy("translated titles"),
    (Event, "participations"): gettext_lazy("participants"),
    (Event, "publication_links"): gettext_lazy("publications that discuss it"),
    (Event, "related"): gettext_lazy("related events"),
    (Journal, "other_names"): gettext_lazy("other names"),
    (Journal, "external_ids"): gettext_lazy("identifiers in other systems"),
    (Journal, "metrics"): gettext_lazy("rankings"),
}
# Foreign keys of records whose targets a history names.
_NAMED = (Publication, Person, Event, Journal, ImportBatch)
JSON_SHOWN = 300  # characters of a JSON value (the record as received) shown in a diff


def part_label(model, name: str) -> str:
    """The field's or relation's name, as the admin form shows it."""
    if (model, name) in PART_LABELS:
        return capfirst(PART_LABELS[model, name])
    return capfirst(model._meta.get_field(name).verbose_name)


class Names:
    """What the records a history refers to are called, read in one query per kind."""

    def __init__(self):
        self.wanted: dict[type, set[int]] = defaultdict(set)
        self.found: dict[type, dict[int, str]] = {}

    def want(self, model, snapshot: dict | None) -> None:
        if not snapshot:
            return
        for name, value in snapshot.get("fields", {}).items():
            target = _target(model, name)
            if target is not None and value:
                self.wanted[target].add(value)
        for other, pks in linked(model, snapshot).items():
            self.wanted[other] |= pks

    def load(self) -> "Names":
        for model, pks in self.wanted.items():
            found = self.found.setdefault(model, {})
            missing = [pk for pk in pks if pk not in found]
            found.update({pk: str(obj) for pk, obj in model.objects.in_bulk(missing).items()})
        return self

    def of(self, model, pk) -> str:
        if pk is None:
            return "—"
        name = self.found.get(model, {}).get(pk)
        if name is None:
            return _("#%(pk)s (no longer in the archive)") % {"pk": pk}
        return f"{name} (#{pk})"


def _target(model, name: str):
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:  # a field the model no longer has (an old snapshot)
        return None
    if found.is_relation and found.related_model in _NAMED:
        return found.related_model
    return None


# --- what a value reads as ----------------------------------------------------------------


def field_text(model, name: str, value, names: Names) -> str:
    if value is None or value == "":
        return "—"
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if found.is_relation:
        return names.of(found.related_model, value)
    if found.choices:
        return str(dict(found.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= JSON_SHOWN else f"{text[: JSON_SHOWN - 1]}…"
    return str(value)


def _with(text: str, *details) -> str:
    shown = [str(detail) for detail in details if detail]
    return f"{text} — {', '.join(shown)}" if shown else text


def _choice(model, name: str, value) -> str:
    return str(dict(model._meta.get_field(name).flatchoices).get(value, value or ""))


def _pages(row) -> str:
    return _("pages %(pages)s") % {"pages": row["pages"]} if row.get("pages") else ""


def _translation(language, kept) -> str:
    _pk, text, machine = kept
    return _with(f"[{language}] {text}", _("machine translation") if machine else "")


def _metric(row) -> str:
    values = {
        name: JournalMetric._meta.get_field(name).to_python(value)
        for name, value in row.items()
        if name not in ("id", "import_batch_id")
    }
    return str(JournalMetric(**values))


def part_items(model, part: str, value, names: Names) -> list[str]:
    """A relation's rows, one line each, as a reader names them."""
    if not value:
        return []
    role = lambda row: _choice(Authorship, "role", row["role"])  # noqa: E731
    if (model, part) in ((Publication, "authors"), (Publication, "others")):
        return [
            _with(
                f"{row['position']}. {row['name']}",
                names.of(Person, row["person"]),
                role(row) if part == "others" else "",
            )
            for row in value
        ]
    if part in ("titles", "abstracts"):
        return [_translation(language, kept) for language, kept in sorted(value.items())]
    if part == "keywords":
        return sorted(value)
    if part == "related":
        return [names.of(Event, pk) for pk in sorted(value)]
    lines = {
        (Publication, "subjects"): lambda r: _with(names.of(Person, r["person_id"]), _pages(r)),
        (Publication, "event_links"): lambda r: _with(names.of(Event, r["event_id"]), _pages(r)),
        (Person, "names"): lambda r: _with(
            r["name"], _choice(PersonName, "kind", r["kind"]), r.get("language")
        ),
        (Person, "authorships"): lambda r: _with(
            names.of(Publication, r["publication_id"]),
            f"{r['position']}. {r['name_as_printed']}",
            role(r),
        ),
        (Person, "participations"): lambda r: _with(names.of(Event, r["event_id"]), r["role"]),
        (Person, "written_about_in"): lambda r: _with(
            names.of(Publication, r["publication_id"]), _pages(r)
        ),
        (Event, "translations"): lambda r: f"[{r['language']}] {r['title']}",
        (Event, "participations"): lambda r: _with(
            f"{r['position']}. {names.of(Person, r['person_id'])}", r["role"]
        ),
        (Event, "publication_links"): lambda r: _with(
            names.of(Publication, r["publication_id"]), _pages(r)
        ),
        (Journal, "other_names"): lambda r: _with(
            r["name"], _choice(JournalName, "kind", r["kind"]), r.get("language")
        ),
        (Journal, "external_ids"): lambda r: f"{r['scheme']}:{r['value']}",
        (Journal, "metrics"): _metric,
    }[model, part]
    return [lines(row) for row in value]


# --- what changed -----------------------------------------------------------------------------


@dataclass
class DiffRow:
    """One field or relation that changed: its value before and after; for a relation, its
    lines, each marked when the other side lacks it."""

    label: str
    before: str | list[tuple[str, bool]]
    after: str | list[tuple[str, bool]]
    is_list: bool = False


def _marked(lines: list[str], other: list[str]) -> list[tuple[str, bool]]:
    spare = Counter(other)
    marked = []
    for line in lines:
        marked.append((line, spare[line] == 0))
        spare[line] -= 1
    return marked


def diff_rows(model, before: dict | None, after: dict | None, names: Names) -> list[DiffRow]:
    """Every field and relation that differs between the two snapshots, among those both hold
    (all those the one holds when the other is None: a record created or deleted)."""
    if before is None and after is None:
        return []
    old_fields = (before or {}).get("fields", {})
    new_fields = (after or {}).get("fields", {})
    rows = []
    for model_field in model._meta.concrete_fields:
        name = model_field.attname
        if name in IGNORED_FIELDS or name == "id":
            continue
        if (before is not None and name not in old_fields) or (
            after is not None and name not in new_fields
        ):
            continue
        old, new = old_fields.get(name), new_fields.get(name)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        rows.append(
            DiffRow(
                part_label(model, name),
                field_text(model, name, old, names),
                field_text(model, name, new, names),
            )
        )
    for part in RELATIONS[model]:
        if (before is not None and part not in before) or (after is not None and part not in after):
            continue
        old, new = (before or {}).get(part), (after or {}).get(part)
        if comparable(part, old) == comparable(part, new) or (not old and not new):
            continue
        old_lines, new_lines = (
            part_items(model, part, old, names),
            part_items(model, part, new, names),
        )
        rows.append(
            DiffRow(
                part_label(model, part),
                _marked(old_lines, new_lines),
                _marked(new_lines, old_lines),
                is_list=True,
            )
        )
    return rows


# --- the history --------------------------------------------------------------------------


@dataclass
class HistoryLine:
    """One change in a record's history."""

    when: datetime.datetime | None
    action: str
    how: str
    user: object = None
    note: str = ""
    entry: AuditEntry | None = None
    batch: ImportBatch | None = None
    rows: list[DiffRow] = field(default_factory=list)
    known: bool = True  # False: what it changed cannot be told (an import, the record gone since)
    before: dict | None = None
    after: dict | None = None


@dataclass
class History:
    model: type
    pk: int
    lines: list[HistoryLine]
    exists: bool
    label: str


def record_history(model, pk: int) -> History:
    """Every change to the record, newest first, with what each changed."""
    content_type = ContentType.objects.get_for_model(model)
    entries = AuditEntry.objects.filter(content_type=content_type, object_id=pk).select_related(
        "user", "import_batch", "content_type"
    )
    imports: dict[int, ImportChange] = {}
    for change in (
        ImportChange.objects.filter(content_type=content_type, object_id=pk)
        .select_related("batch__created_by", "batch__undone_by")
        .order_by("pk")
    ):
        # A record changed twice by one import (a large file, read in chunks): as before the first.
        imports.setdefault(change.batch_id, change)
    events = sorted(
        [(entry.created_at, 1, entry.pk, entry) for entry in entries]
        + [(change.batch.created_at, 0, change.pk, change) for change in imports.values()],
        key=lambda event: event[:3],
    )
    current = snapshots(model, [pk]).get(pk)
    state, lines = current, []
    for _when, _order, _pk, event in reversed(events):
        if isinstance(event, AuditEntry):
            lines.append(_entry_line(event))
            if event.action == AuditEntry.Action.DELETED:
                state = event.before
            elif event.action in (AuditEntry.Action.CREATED, AuditEntry.Action.RESTORED):
                state = None
            elif state is not None and event.before:
                state = overlay(state, event.before)
        else:
            lines.append(_import_line(event, after=state))
            state = event.before if state is None else overlay(state, event.before or {})
    if state is not None:
        lines.append(_creation_line(state))
    names = Names()
    for line in lines:
        names.want(model, line.before)
        names.want(model, line.after)
    names.load()
    for line in lines:
        if line.known:
            line.rows = diff_rows(model, line.before, line.after, names)
    latest = current or next((line.before for line in lines if line.before), None)
    return History(model, pk, lines, exists=current is not None, label=label(model, latest))


def _entry_line(entry: AuditEntry) -> HistoryLine:
    return HistoryLine(
        when=entry.created_at,
        action=entry.get_action_display(),
        how=entry.get_how_display(),
        user=entry.user,
        note=entry.note,
        entry=entry,
        batch=entry.import_batch,
        before=entry.before,
        after=entry.after,
    )


def _import_line(change: ImportChange, *, after: dict | None) -> HistoryLine:
    return HistoryLine(
        when=change.batch.created_at,
        action=AuditEntry.Action.CHANGED.label,
        how=_("import"),
        user=change.batch.created_by,
        batch=change.batch,
        before=change.before,
        after=after,
        known=change.before is not None and after is not None,
    )


def _creation_line(state: dict) -> HistoryLine:
    """How the record came into the archive, when no entry says so: by an import, or before its
    history was kept."""
    fields = state.get("fields", {})
    created = parse_datetime(fields["created_at"]) if fields.get("created_at") else None
    batch = None
    if fields.get("import_batch_id"):
        batch = (
            ImportBatch.objects.select_related("created_by")
            .filter(pk=fields["import_batch_id"])
            .first()
        )
        if batch is not None and created is not None and created < batch.created_at:
            batch = None  # the record was there before that import
    return HistoryLine(
        when=created,
        action=AuditEntry.Action.CREATED.label,
        how=_("import") if batch else _("before this history was kept"),
        user=batch.created_by if batch else None,
        batch=batch,
        known=False,
    )
