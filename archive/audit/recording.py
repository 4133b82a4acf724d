"""Writing the history: one AuditEntry per record an admin save, action, merge, undo or revert
changed, in the transaction of the change itself.

Imports write none (their ImportChange rows are their history), so that they stay fast; nothing
here runs on a model's save().
"""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from archive.audit.snapshots import NAME_FIELDS, changed_parts, label, partial, snapshots
from archive.importing.matching import chunked
from archive.models import AuditEntry, Publication, Status

Action = AuditEntry.Action


class Recorder:
    """The entries of one operation: `watch` records what records are before they change, and
    `finish` what they became, dropping those that did not change.

    Entries are written as soon as they are watched, whole, and completed by `finish`, so that an
    operation over many records (undoing a large import) never holds their snapshots in memory.
    Used as a context manager, it finishes on leaving the block without an error.
    """

    def __init__(self, *, user=None, how: str, note: str = "", import_batch=None, reverts=None):
        self.user = user if user is not None and user.is_authenticated else None
        self.how = how
        self.note = note
        self.import_batch = import_batch
        self.reverts = reverts
        self.operation = uuid.uuid4()
        self.moment = timezone.now()
        self._watched: set[tuple[type, int]] = set()
        self._kept: set[tuple[type, int]] = set()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.finish()

    def watch(
        self, model, pks, *, action: str = Action.CHANGED, note: str = "", keep=False, new=False
    ) -> dict[int, dict]:
        """Keep what these records are now, and return it ({pk: snapshot}); `new` records were
        created by the operation and were nothing before it. Each record is watched once per
        operation; with `keep`, its entry is written even if it does not change."""
        pks = [pk for pk in dict.fromkeys(pks) if (model, pk) not in self._watched]
        content_type = ContentType.objects.get_for_model(model)
        found = {}
        for part in chunked(pks):
            befores = {} if new else snapshots(model, part)
            found.update(befores)
            AuditEntry.objects.bulk_create(
                self._entry(content_type, pk, action, befores.get(pk), note, model) for pk in part
            )
        self._watched.update((model, pk) for pk in pks)
        if keep:
            self._kept.update((model, pk) for pk in pks)
        return found

    def _entry(self, content_type, pk, action, before, note, model) -> AuditEntry:
        return AuditEntry(
            created_at=self.moment,
            user=self.user,
            how=self.how,
            action=action,
            content_type=content_type,
            object_id=pk,
            label=label(model, before),
            note=(note or self.note)[:500],
            before=before,
            operation=self.operation,
            import_batch=self.import_batch,
            reverts=self.reverts,
        )

    def finish(self) -> None:
        """Compare every record watched with what it is now: an entry keeps the parts that
        changed (the whole record when it was created or deleted), or goes."""
        entries = AuditEntry.objects.filter(operation=self.operation)
        by_kind: dict[int, list[int]] = {}
        for pk, content_type_id in entries.values_list("pk", "content_type_id"):
            by_kind.setdefault(content_type_id, []).append(pk)
        for content_type_id, ids in by_kind.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            for part in chunked(ids):
                self._complete(model, list(AuditEntry.objects.filter(pk__in=part)))

    def _complete(self, model, entries: list[AuditEntry]) -> None:
        afters = snapshots(model, [entry.object_id for entry in entries])
        done = []
        for entry in entries:
            before, after = entry.before, afters.get(entry.object_id)
            kept = (model, entry.object_id) in self._kept
            if before is None and after is None:
                continue
            if after is None:
                entry.action = Action.DELETED
            elif before is None:
                if entry.action != Action.RESTORED:
                    entry.action = Action.CREATED
                entry.after = after
            else:
                fields, relations = changed_parts(model, before, after)
                if not (fields or relations or kept):
                    continue
                entry.before = partial(before, fields, relations)
                entry.after = partial(after, fields, relations)
            entry.label = label(model, after or before) or entry.label
            done.append(entry)
        # Written again rather than updated: bulk_update's CASE per row and field costs far more
        # than a delete and an insert once entries number in the hundreds (undoing an import).
        AuditEntry.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
        for entry in done:
            entry.pk = None
        AuditEntry.objects.bulk_create(done)


def status_change_record(*, queryset, status: str, user=None) -> None:
    """Entries for publishing or unpublishing the records of `queryset` that are not `status`
    yet; written before the change, in its transaction. Only the status changes, so no
    snapshot is read: a bulk action over thousands of records stays quick."""
    model = queryset.model
    content_type = ContentType.objects.get_for_model(model)
    names = [NAME_FIELDS[model], *(["year"] if model is Publication else [])]
    recorder = Recorder(user=user, how=AuditEntry.How.ACTION)
    action = Action.PUBLISHED if status == Status.PUBLISHED else Action.UNPUBLISHED
    rows = queryset.exclude(status=status).order_by().values_list("pk", "status", *names)
    for part in chunked(rows):
        entries = []
        for pk, old, *values in part:
            entry = recorder._entry(
                content_type, pk, action, {"fields": {"status": old}}, "", model
            )
            entry.after = {"fields": {"status": status}}
            entry.label = label(model, {"fields": dict(zip(names, values, strict=True))})
            entries.append(entry)
        AuditEntry.objects.bulk_create(entries)
