"""Writes that touch more than one row: keyword-only, atomic."""

from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import identifiers, names
from archive.audit import Recorder, status_change_record
from archive.audit.snapshots import linked
from archive.importing import undo
from archive.importing.locking import import_transaction
from archive.importing.undo import UndoReport
from archive.importing.undo_checks import undo_blockers
from archive.models import (
    AuditEntry,
    Authorship,
    EventParticipation,
    FormerSlug,
    ImportBatch,
    Journal,
    Person,
    PersonName,
    PublicationSubject,
    Status,
)
from archive.search import (
    search_index_mentions,
    search_index_refresh,
    search_index_refresh_mentions,
)

CURATORS_GROUP = "Curators"
CURATED_MODELS = [
    "publication",
    "publicationtitle",
    "publicationabstract",
    "authorship",
    "publicationsubject",
    "publicationevent",
    "keyword",
    "person",
    "personname",
    "event",
    "eventtitle",
    "eventparticipation",
    "journal",
    "journalname",
    "journalidentifier",
    "journalmetric",
]


@transaction.atomic
def records_set_status(*, queryset, status: str, user=None) -> int:
    """Publish or unpublish records, each change in the records' history; returns how many
    changed."""
    if status not in Status.values:
        raise ValueError(f"Unknown status {status!r}.")
    changing = queryset.exclude(status=status)
    # Read before the update, which may empty a queryset filtered by status.
    mentioned = (
        list(changing.values_list("pk", flat=True)) if search_index_mentions(queryset.model) else []
    )
    status_change_record(queryset=queryset, status=status, user=user)
    changed = changing.update(status=status)
    search_index_refresh_mentions(model=queryset.model, pks=mentioned)
    return changed


@transaction.atomic
def curators_group_ensure() -> Group:
    """The group whose members may edit every record, import and export."""
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="archive", content_type__model__in=CURATED_MODELS
    ) | Permission.objects.filter(
        content_type__app_label="archive", codename__in=["view_importbatch", "view_auditentry"]
    )
    group.permissions.set(permissions)
    return group


# Merging people

# What a merge copies to the person kept when that person lacks it.
_MERGED_IDENTIFIERS = {
    "orcid": identifiers.normalize_orcid,
    "wikidata": identifiers.normalize_wikidata,
    "viaf": identifiers.normalize_viaf,
}
_MERGED_DETAILS = ("birth_date", "death_date", "biography")


@transaction.atomic
def person_merge(*, keep: Person, merge: list[Person], user=None) -> Person:
    """Fold the people in `merge` into `keep`, and delete them.

    Every authorship, subject and participation moves to `keep` (a link `keep` already has is not
    doubled), as do name variants; each merged display name stays on `keep` as a variant and each
    merged slug redirects to `keep`. Identifiers, life dates and biography fill what `keep` lacks.
    Different identifiers for one scheme refuse the merge, and nothing changes. Returns `keep` as
    saved.
    """
    merge_pks = {person.pk for person in merge}
    if not merge_pks:
        raise ValidationError(_("Choose at least one person to merge."))
    if keep.pk in merge_pks:
        raise ValidationError(_("A person cannot be merged into itself."))
    # Locked: an import linking a work to one of these people waits for the merge to finish.
    people = Person.objects.select_for_update().in_bulk([keep.pk, *merge_pks])
    if len(people) != len(merge_pks) + 1:
        raise ValidationError(_("Some of these people no longer exist; reload the page."))
    keep = people[keep.pk]
    merged = [people[pk] for pk in dict.fromkeys(person.pk for person in merge)]
    _refuse_conflicting_identifiers(keep, merged)
    history = _merge_history(keep, merged, user)
    for field in [*_MERGED_IDENTIFIERS, *_MERGED_DETAILS]:
        if not getattr(keep, field):
            setattr(keep, field, next((getattr(p, field) for p in merged if getattr(p, field)), ""))

    _move_rows(Authorship, keep=keep, merge_pks=merge_pks, unique=("publication_id", "role"))
    _move_rows(
        PublicationSubject,
        keep=keep,
        merge_pks=merge_pks,
        unique=("publication_id",),
        fill=("pages",),
    )
    _move_rows(EventParticipation, keep=keep, merge_pks=merge_pks, unique=("event_id", "role"))
    _move_rows(
        PersonName,
        keep=keep,
        merge_pks=merge_pks,
        unique=("name",),
        fill=("language",),
        held=[(keep.display_name,)],
    )
    _keep_display_names(keep, merged)
    FormerSlug.objects.filter(kind=FormerSlug.Kind.PERSON, target_id__in=merge_pks).update(
        target_id=keep.pk
    )
    for person in merged:
        FormerSlug.objects.update_or_create(
            kind=FormerSlug.Kind.PERSON, slug=person.slug, defaults={"target_id": keep.pk}
        )
    if user is not None:
        _log_merge(user, keep, merged)

    Person.objects.filter(pk__in=merge_pks).delete()
    # After the deletion, so that an identifier taken over is no longer held by another row.
    try:
        keep.full_clean()
    except ValidationError as error:
        raise ValidationError(
            _("Merged, %(person)s would not be valid: %(problems)s")
            % {"person": keep, "problems": " ".join(error.messages)}
        ) from error
    keep.save()
    search_index_refresh(people=[keep])
    history.finish()
    return keep


def _merge_history(keep: Person, merged: list[Person], user) -> Recorder:
    """Watches the people and the works and events whose links the merge moves, so that the
    merge is one operation of their histories, which the history of `keep` can take back."""
    history = Recorder(user=user, how=AuditEntry.How.MERGE)
    history.watch(
        Person,
        [keep.pk],
        action=AuditEntry.Action.MERGED,
        keep=True,
        note=_("Merged in %(people)s.")
        % {"people": ", ".join(f"{person} (#{person.pk})" for person in merged)},
    )
    befores = history.watch(
        Person,
        [person.pk for person in merged],
        note=_("Merged into %(person)s (#%(pk)s).") % {"person": keep, "pk": keep.pk},
    )
    for before in befores.values():
        for model, pks in linked(Person, before).items():
            history.watch(
                model, pks, note=_("Through merging people into %(person)s.") % {"person": keep}
            )
    return history


def _refuse_conflicting_identifiers(keep: Person, merged: list[Person]) -> None:
    errors = []
    for field, normalize in _MERGED_IDENTIFIERS.items():
        held = {}
        for person in [keep, *merged]:
            if value := normalize(getattr(person, field)):
                held.setdefault(value, person)
        if len(held) > 1:
            errors.append(
                _(
                    "Their %(scheme)ss differ: %(values)s. Correct or clear one of them before merging."
                )
                % {
                    "scheme": Person._meta.get_field(field).verbose_name,
                    "values": "; ".join(f"{person} has {value}" for value, person in held.items()),
                }
            )
    if errors:
        raise ValidationError(errors)


def _move_rows(
    model: type[models.Model],
    *,
    keep: Person,
    merge_pks: set[int],
    unique: tuple[str, ...],
    fill: tuple[str, ...] = (),
    held=(),
) -> None:
    """Point the merged people's `model` rows at `keep`.

    A row whose `unique` values `keep` already has (or lists in `held`) is deleted instead, after
    its `fill` fields have filled those left blank on the row `keep` has.
    """
    fields = ("pk", *unique, *fill)
    kept = {key: None for key in held}
    for row in model.objects.filter(person=keep).values(*fields):
        kept[tuple(row[field] for field in unique)] = row
    moving, dropping = [], []
    for row in model.objects.filter(person_id__in=merge_pks).order_by("pk").values(*fields):
        key = tuple(row[field] for field in unique)
        if key not in kept:
            kept[key] = row
            moving.append(row["pk"])
            continue
        dropping.append(row["pk"])
        target = kept[key]
        if target and (filled := {f: row[f] for f in fill if row[f] and not target[f]}):
            model.objects.filter(pk=target["pk"]).update(**filled)
            target.update(filled)
    model.objects.filter(pk__in=dropping).delete()
    model.objects.filter(pk__in=moving).update(person=keep)


def _keep_display_names(keep: Person, merged: list[Person]) -> None:
    """Each merged display name becomes a name of `keep`: a former display name, or a variant
    when it is only another spelling of `keep`'s own ("Ji-dong Gu" for "Ji-Dong Gu")."""
    known = set(keep.names.values_list("name", flat=True)) | {keep.display_name}
    own_key = names.match_key(keep.display_name)
    for person in merged:
        name = names.normalize(person.display_name)
        if name in known:
            continue
        known.add(name)
        kind = (
            PersonName.Kind.VARIANT if names.match_key(name) == own_key else PersonName.Kind.FORMER
        )
        variant = PersonName(person=keep, name=name, kind=kind)
        variant.full_clean()
        variant.save()


def _log_merge(user, keep: Person, merged: list[Person]) -> None:
    """The admin's history of each record says who merged what."""
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[keep],
        action_flag=CHANGE,
        change_message=_("Merged in %(people)s.")
        % {"people": ", ".join(f"{person} (#{person.pk})" for person in merged)},
    )
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=merged,
        action_flag=DELETION,
        change_message=_("Merged into %(person)s (#%(pk)s).") % {"person": keep, "pk": keep.pk},
    )


# Undoing imports


def import_batch_undo_blockers(batch: ImportBatch) -> list[str]:
    """Why the import cannot be undone, one readable line each; [] when it can."""
    return undo_blockers(batch)


def import_batch_undo_preview(batch: ImportBatch) -> UndoReport:
    """What undoing the import would remove and restore."""
    return undo.batch_records(batch).preview()


@import_transaction()
def import_batch_undo(*, batch: ImportBatch, user=None) -> UndoReport:
    """Take an import back: delete the records it created, put back those it updated exactly as
    they were (fields and relations), delete the rankings it added, and mark the batch undone.

    Refused with a ValidationError listing `import_batch_undo_blockers` when anything it touched
    was edited since, or changed by a later import; nothing changes then.
    """
    # No import writes while the undo checks and takes back what this one did (the import
    # lock); and the batch is locked, so that two curators cannot undo one import twice.
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    records = undo.batch_records(batch)
    blockers = undo_blockers(batch, records)
    if blockers:
        raise ValidationError(blockers)
    logged = user is not None and user.is_authenticated
    # Each record the undo deletes or puts back gets an entry in its history; so do the journals
    # that only lose the rankings the import added.
    history = Recorder(user=user, how=AuditEntry.How.UNDO, import_batch=batch)
    history.watch(Journal, sorted({journal for _pk, journal in records.rankings}))

    def log(queryset, deleted: bool) -> None:
        history.watch(queryset.model, queryset.values_list("pk", flat=True))
        if logged:
            LogEntry.objects.log_actions(
                user_id=user.pk,
                queryset=list(queryset),
                action_flag=DELETION if deleted else CHANGE,
                change_message=(
                    _("Deleted by undoing import #%(pk)s.")
                    if deleted
                    else _("Put back as it was before import #%(pk)s.")
                )
                % {"pk": batch.pk},
            )

    try:
        with transaction.atomic():
            report = undo.undo_records(records, log=log)
            history.finish()
    except IntegrityError as error:
        raise ValidationError(
            _("The database refused to undo this import (%(error)s); nothing was changed.")
            % {"error": error}
        ) from error
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.undone_by = user if user is not None and user.is_authenticated else None
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    if logged:
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=[batch],
            action_flag=CHANGE,
            change_message=_("Undone: %(report)s.") % {"report": report.describe(done=True)},
        )
    return report
