"""Reverting one change of a record's history, restoring a deleted record, taking back a merge.

A revert undoes exactly what one change did, as `git revert` does: the fields and relations that
change altered go back to what they were before it, and what later changes did to the record's
other fields and relations stays. If a later change altered one of those same fields or
relations again, the revert is refused and says which and by whom: putting the old value back
would silently throw that later work away. Revert the later change first, or edit by hand.

A deleted record is restored from the snapshot its deletion kept, under its old id (and its old
address, unless another record took it since), with every relation it had. A merge is taken
back from the entry of the person kept: that person goes back to what they were, and the people
merged into them come back with their own names, works, subjects and events.

Refused, with the reason: changes made by undoing an import (import the file again instead), a
record's creation (delete it instead), a revert whose record or linked records have since been
deleted, and one the database's constraints reject (another record has taken a DOI or an ORCID
iD since). Nothing is written then. A revert is itself a change: it gets its own entry, and can
be reverted in turn.
"""

import json
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from archive.audit.history import Names, diff_rows, part_label
from archive.audit.recording import Recorder
from archive.audit.snapshots import (
    RECORD_MODELS,
    changed_parts,
    comparable,
    json_ready,
    label,
    linked,
    partial,
    snapshots,
)
from archive.models import (
    AuditEntry,
    Authorship,
    Event,
    FormerSlug,
    ImportBatch,
    ImportChange,
    Journal,
    Keyword,
    Person,
    Publication,
    PublicationAbstract,
    PublicationTitle,
)
from archive.search import search_index_refresh

Action, How = AuditEntry.Action, AuditEntry.How
# Never written back by a restore: made anew (slug, when taken), or kept by the machinery.
_NOT_RESTORED = {"slug", "created_at", "updated_at", "search_text"}


@dataclass
class Step:
    """One record a revert writes: the parts it puts back, or the whole record it restores."""

    model: type
    pk: int
    target: dict
    current: dict | None  # None: the record is restored
    fields: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)

    @property
    def restores(self) -> bool:
        return self.current is None

    @property
    def name(self) -> str:
        return _("%(kind)s “%(record)s” (#%(pk)s)") % {
            "kind": self.model._meta.verbose_name,
            "record": label(self.model, self.current or self.target),
            "pk": self.pk,
        }


@dataclass
class RevertPlan:
    entry: AuditEntry
    steps: list[Step] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    def preview(self) -> list[tuple[Step, list]]:
        """Each record with what the revert changes in it: (step, diff rows from now to then)."""
        names = Names()
        pairs = []
        for step in self.steps:
            now = None if step.restores else partial(step.current, step.fields, step.relations)
            then = (
                step.target if step.restores else partial(step.target, step.fields, step.relations)
            )
            names.want(step.model, now)
            names.want(step.model, then)
            pairs.append((step, now, then))
        names.load()
        return [(step, diff_rows(step.model, now, then, names)) for step, now, then in pairs]


def revertible(entry: AuditEntry) -> bool:
    """Whether the history offers to revert the entry (what the record became since is checked
    by `revert_plan`)."""
    return _refusal(entry, explain=False) is None


def _refusal(entry: AuditEntry, *, explain: bool = True) -> str | None:
    if entry.record_model not in RECORD_MODELS:
        return _("Only publications, people, events and journals are reverted.")
    if entry.how == How.UNDO:
        return _(
            "This change was made by undoing an import; to bring back what that import did, "
            "import its file again."
        )
    if entry.action in (Action.CREATED, Action.RESTORED):
        return _(
            "Reverting this would delete the record; delete it from its own page if that is "
            "what you want."
        )
    if entry.how == How.MERGE and entry.action != Action.MERGED:
        if not explain:
            return ""
        kept = AuditEntry.objects.filter(operation=entry.operation, action=Action.MERGED).first()
        return _(
            "This change is part of merging people into “%(person)s”; take the merge back from "
            "that person's history."
        ) % {"person": kept.label if kept else "?"}
    if entry.before is None:
        return _("This change kept nothing to put back.")
    return None


def revert_plan(entry: AuditEntry) -> RevertPlan:
    """What reverting the entry would write, or why it cannot be done."""
    plan = RevertPlan(entry)
    refusal = _refusal(entry)
    if refusal:
        plan.blockers.append(refusal)
        return plan
    model = entry.record_model
    if entry.action == Action.DELETED:
        _plan_restore(plan, model, entry.object_id, entry.before)
    else:
        _plan_change(plan, model, entry)
        if entry.action == Action.MERGED:
            for merged in AuditEntry.objects.filter(
                operation=entry.operation, action=Action.DELETED, content_type=entry.content_type
            ).order_by("pk"):
                _plan_restore(plan, Person, merged.object_id, merged.before)
    if not plan.blockers:
        _check_references(plan)
    return plan


def _plan_change(plan: RevertPlan, model, entry: AuditEntry) -> None:
    current = snapshots(model, [entry.object_id]).get(entry.object_id)
    if current is None:
        plan.blockers.append(
            _("“%(record)s” has since been deleted; restore it first, then revert this change.")
            % {"record": entry.label}
        )
        return
    fields, relations = changed_parts(model, entry.before, entry.after or {})
    if not (fields or relations or entry.action == Action.MERGED):
        plan.blockers.append(_("This change left nothing to put back."))
        return
    moved = [
        name for name in fields if current["fields"].get(name) != entry.after["fields"].get(name)
    ] + [
        part
        for part in relations
        if comparable(part, current.get(part)) != comparable(part, entry.after.get(part))
    ]
    if moved:
        plan.blockers.append(
            _(
                "%(parts)s changed again after this change (%(later)s); reverting it would throw "
                "that later change away. Revert the later change first, or edit the record by hand."
            )
            % {
                "parts": capfirst(", ".join(str(part_label(model, part)) for part in moved)),
                "later": _later_change(entry, set(moved)),
            }
        )
        return
    plan.steps.append(Step(model, entry.object_id, entry.before, current, fields, relations))


def _plan_restore(plan: RevertPlan, model, pk: int, snapshot: dict | None) -> None:
    if snapshot is None:
        plan.blockers.append(_("The deletion kept nothing to restore."))
        return
    step = Step(
        model,
        pk,
        snapshot,
        None,
        [name for name in snapshot.get("fields", {}) if name not in _NOT_RESTORED],
        [part for part in snapshot if part != "fields"],
    )
    if model.objects.filter(pk=pk).exists():
        plan.blockers.append(
            _("%(record)s is in the archive again already.") % {"record": capfirst(step.name)}
        )
        return
    plan.steps.append(step)


def _later_change(entry: AuditEntry, parts: set[str]) -> str:
    later = (
        AuditEntry.objects.filter(
            content_type=entry.content_type,
            object_id=entry.object_id,
            created_at__gte=entry.created_at,
        )
        .exclude(operation=entry.operation)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    for other in later:
        touched = set((other.after or {}).get("fields", {})) | set(other.after or {})
        if touched & parts:
            return _("%(action)s by %(user)s on %(when)s") % {
                "action": other.get_action_display(),
                "user": other.user or _("someone unknown"),
                "when": f"{timezone.localtime(other.created_at):%Y-%m-%d %H:%M}",
            }
    change = (
        ImportChange.objects.filter(
            content_type=entry.content_type,
            object_id=entry.object_id,
            batch__created_at__gte=entry.created_at,
        )
        .select_related("batch")
        .first()
    )
    if change is not None:
        return _("by the import of “%(file)s” on %(when)s") % {
            "file": change.batch.file_name,
            "when": f"{timezone.localtime(change.batch.created_at):%Y-%m-%d %H:%M}",
        }
    return _("by a change this history does not show")


def _check_references(plan: RevertPlan) -> None:
    """The records what is put back links to must still be there (or come back with it)."""
    coming = {(step.model, step.pk) for step in plan.steps}
    for step in plan.steps:
        wanted: dict[type, dict[int, str]] = {}
        for name in step.fields:
            found = step.model._meta.get_field(name)
            value = step.target["fields"].get(name)
            if found.is_relation and found.related_model in RECORD_MODELS and value:
                wanted.setdefault(found.related_model, {})[value] = part_label(step.model, name)
        for part in step.relations:
            for other, pks in linked(step.model, step.target, [part]).items():
                for pk in pks:
                    wanted.setdefault(other, {}).setdefault(pk, part_label(step.model, part))
        for other, pks in wanted.items():
            present = set(other.objects.filter(pk__in=list(pks)).values_list("pk", flat=True))
            for pk, what in pks.items():
                if pk not in present and (other, pk) not in coming:
                    plan.blockers.append(
                        _(
                            "%(record)s cannot be put back: the %(kind)s #%(pk)s of “%(what)s” "
                            "has since been deleted or merged into another record."
                        )
                        % {
                            "record": capfirst(step.name),
                            "what": what,
                            "kind": other._meta.verbose_name,
                            "pk": pk,
                        }
                    )


# --- writing ---------------------------------------------------------------------------------


class _DryRun(Exception):
    """Rolls back a revert tried only to see whether the database takes it."""


def revert_preview(entry: AuditEntry) -> RevertPlan:
    """The plan, with the refusals the database would give found by trying it and rolling back."""
    plan = revert_plan(entry)
    if plan.blockers:
        return plan
    try:
        with transaction.atomic():
            _apply(plan)
            raise _DryRun
    except _DryRun:
        pass
    except ValidationError as error:
        plan.blockers = error.messages
    except IntegrityError as error:
        plan.blockers = [_refused(error)]
    return plan


def _refused(error) -> str:
    return _("The database refused to put it back (%(error)s); nothing was changed.") % {
        "error": error
    }


@transaction.atomic
def audit_entry_revert(*, entry: AuditEntry, user=None) -> AuditEntry:
    """Revert the change (restore the record, take back the merge) and record it as a change of
    its own, which is returned. A ValidationError says why not; nothing changes then."""
    plan = revert_plan(entry)
    if plan.blockers:
        raise ValidationError(plan.blockers)
    recorder = Recorder(
        user=user,
        how=How.REVERT,
        reverts=entry,
        note=_("Reverts the change of %(when)s.")
        % {"when": f"{timezone.localtime(entry.created_at):%Y-%m-%d %H:%M}"},
    )
    in_plan = {(step.model, step.pk) for step in plan.steps}
    for step in plan.steps:
        action = Action.RESTORED if step.restores else Action.REVERTED
        recorder.watch(step.model, [step.pk], action=action, keep=True)
    for step in plan.steps:
        others = linked(step.model, step.current, step.relations)
        for other, pks in linked(step.model, step.target, step.relations).items():
            others[other] |= pks
        for other, pks in others.items():
            recorder.watch(
                other,
                sorted(pk for pk in pks if (other, pk) not in in_plan),
                note=_("Through the revert of a change to %(record)s.") % {"record": step.name},
            )
    try:
        with transaction.atomic():
            _apply(plan)
    except IntegrityError as error:
        raise ValidationError(_refused(error)) from error
    recorder.finish()
    return AuditEntry.objects.get(
        operation=recorder.operation,
        content_type=ContentType.objects.get_for_model(entry.record_model),
        object_id=entry.object_id,
    )


def _apply(plan: RevertPlan) -> None:
    touched: dict[type, list[int]] = {}
    for step in plan.steps:
        if step.restores:
            _restore_record(step)
        else:
            _write_fields(step)
        for part in step.relations:
            _write_relation(step, part)
        touched.setdefault(step.model, []).append(step.pk)
    search_index_refresh(
        publications=touched.get(Publication),
        people=touched.get(Person),
        events=touched.get(Event),
        journals=touched.get(Journal),
    )


def _python(model, name: str, value):
    return model._meta.get_field(name).to_python(value)


def _validate(instance, step: Step, what: str = "") -> None:
    try:
        instance.validate_constraints()
        instance.validate_unique()
    except ValidationError as error:
        where = capfirst(step.name) + (f", {what}" if what else "")
        raise ValidationError(
            [
                _("%(record)s: %(problem)s") % {"record": where, "problem": problem}
                for problem in error.messages
            ]
        ) from error


def _restore_record(step: Step) -> None:
    model, values = step.model, {}
    for name in step.fields:
        value = _python(model, name, step.target["fields"][name])
        if name == "import_batch_id" and not ImportBatch.objects.filter(pk=value).exists():
            value = None
        values[name] = value
    instance = model(pk=step.pk, **values)
    slug = step.target["fields"].get("slug") or ""
    if slug and not model.objects.filter(slug=slug).exists():
        instance.slug = slug
    _validate(instance, step)
    instance.save(force_insert=True)
    created = step.target["fields"].get("created_at")
    if created:
        model.objects.filter(pk=step.pk).update(created_at=parse_datetime(created))
    # The address comes back to the record: no longer a former address of another.
    FormerSlug.objects.filter(kind=model._meta.model_name, slug=instance.slug).delete()


def _write_fields(step: Step) -> None:
    if not step.fields:
        return
    instance = step.model.objects.select_for_update().get(pk=step.pk)
    for name in step.fields:
        setattr(instance, name, _python(step.model, name, step.target["fields"][name]))
    _validate(instance, step)
    instance.save()


def _write_relation(step: Step, part: str) -> None:
    value = step.target.get(part)
    model, pk = step.model, step.pk
    if model is Publication and part in ("authors", "others"):
        rows = [
            {
                "person_id": a["person"],
                "name_as_printed": a["name"],
                "position": a["position"],
                "role": a["role"],
            }
            for a in value or []
        ]
        current = Authorship.objects.filter(publication_id=pk)
        if part == "authors":
            current = current.filter(role=Authorship.Role.AUTHOR)
        else:
            current = current.exclude(role=Authorship.Role.AUTHOR)
        _write_rows(step, part, Authorship, "publication_id", rows, current)
    elif model is Publication and part in ("titles", "abstracts"):
        translation, text = (
            (PublicationTitle, "title") if part == "titles" else (PublicationAbstract, "text")
        )
        rows = [
            {"language": language, text: kept[1], "is_machine_translation": kept[2]}
            for language, kept in (value or {}).items()
        ]
        current = translation.objects.filter(publication_id=pk)
        _write_rows(step, part, translation, "publication_id", rows, current)
    elif model is Publication and part == "keywords":
        keywords = [Keyword.objects.get_or_create(name=name)[0] for name in value or []]
        Publication.objects.get(pk=pk).keywords.set(keywords)
    elif part == "related":
        Event.objects.get(pk=pk).related.set(value or [])
    else:
        relation = model._meta.get_field(part)
        key = relation.field.attname
        current = relation.related_model.objects.filter(**{key: pk})
        _write_rows(step, part, relation.related_model, key, value or [], current)


def _row_key(row: dict) -> str:
    return json.dumps({k: v for k, v in row.items() if k != "id"}, sort_keys=True)


def _write_rows(step: Step, part: str, row_model, key: str, wanted: list[dict], current) -> None:
    """Make the rows of `current` those of `wanted`, compared without their ids: rows no longer
    wanted are deleted first, then those missing are added."""
    missing = Counter(_row_key(row) for row in wanted)
    stale = []
    for row in current.values():
        row_pk = row.pop("id")
        row.pop(key)
        found = _row_key(json_ready(row))
        if missing[found] > 0:
            missing[found] -= 1
        else:
            stale.append(row_pk)
    row_model.objects.filter(pk__in=stale).delete()
    for row in wanted:
        found = _row_key(row)
        if missing[found] <= 0:
            continue
        missing[found] -= 1
        values = {name: _python(row_model, name, value) for name, value in row.items()}
        values.pop("id", None)
        instance = row_model(**values, **{key: step.pk})
        _validate(instance, step, str(part_label(step.model, part)))
        instance.save()
