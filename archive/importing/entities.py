"""What the people, event and journal resources share (people.py, events.py, journals.py).

Each turns rows of the archive's own CSV into records and back. A row is cleaned (spreadsheet
neutralising undone, NFC, no control characters), matched on the record's stable keys, compared
with what the archive holds, relations included, and written only when something differs; an
unchanged row is reported "unchanged" and not touched. A file is imported whole or not at all.

A column left out of a file leaves that field alone; an empty cell clears it.
"""

import hashlib
import json
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources

from archive.importing.cleaning import clean_text
from archive.importing.matching import new_record_status
from archive.importing.spreadsheets import cell_text
from archive.importing.undo import record_snapshots
from archive.models import ImportBatch, ImportChange
from archive.search import search_index_refresh


def json_items(cell: str, *, example: str) -> list[dict]:
    """The objects of a JSON list cell; ValueError with an example when it is anything else."""
    if not cell:
        return []
    try:
        value = json.loads(cell)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(_("Write a JSON list of objects, e.g. %(example)s") % {"example": example})
    return value


def item_errors(error: ValidationError, number: int, label: str = "") -> list[str]:
    """A related object's validation errors as lines naming the list item they belong to."""
    if label:
        where = _("Item %(number)s (%(label)s)") % {"number": number, "label": label}
    else:
        where = _("Item %(number)s") % {"number": number}
    lines = []
    for field, messages in error.message_dict.items():
        for message in messages:
            if field == NON_FIELD_ERRORS:
                line = _("%(item)s %(message)s")
            else:
                # Translators: a problem with one field of an item in a list cell, e.g. "Item 1
                # (cas) zone: A CAS zone is 1, 2, 3 or 4."
                line = _("%(item)s %(field)s: %(message)s")
            lines.append(line % {"item": where, "field": field, "message": message})
    return lines


def validate_item(instance, *, exclude: list[str], number: int, label: str) -> list[str]:
    """Check one related object before its parent is saved; its messages, or []."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return item_errors(error, number, label)
    return []


def listing(values, limit: int = 5) -> str:
    values = sorted(values)
    shown = ", ".join(values[:limit])
    if len(values) > limit:
        return _("%(shown)s and %(more)s more") % {"shown": shown, "more": len(values) - limit}
    return shown


_SEARCH_KEYWORDS = {"person": "people", "event": "events", "journal": "journals"}


class EntityResource(resources.ModelResource):
    """Base of the person, event and journal resources."""

    #: Columns a file must have.
    required_columns: tuple[str, ...] = ()
    #: How each plain column is cleaned; also applied to the archive's value when comparing.
    cleaners: dict[str, Callable[[object], str]] = {}
    #: Columns holding relations, each with the three methods described at `read_relation`.
    relation_columns: tuple[str, ...] = ()
    #: Whether an updated record also points to the import batch ("last changed by").
    batch_marks_updates = True

    slug = fields.Field(attribute="slug", column_name="slug", readonly=True)

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        chunk_size = 500

    def __init__(
        self,
        *,
        publish: bool = True,
        format_name: str = "",
        checksum: str = "",
        published_only: bool = False,
    ):
        super().__init__()
        self.publish = publish
        self.format_name = format_name
        self.checksum = checksum
        # Exports of published records only leave out relations to drafts, so that the files
        # import cleanly on their own.
        self.published_only = published_only
        self.batch = None

    @property
    def columns(self) -> list[str]:
        return list(self._meta.fields)

    @property
    def noun(self) -> str:
        return str(self._meta.model._meta.verbose_name)

    # --- the import as a whole -----------------------------------------------------------

    def import_data(self, dataset, **kwargs):
        # All or nothing however it is called: the admin's confirm step asks for neither.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        self.saved_ids: list[int] = []
        dataset.headers = [clean_text(header) for header in dataset.headers or []]
        headers = set(dataset.headers)
        missing = [column for column in self.required_columns if column not in headers]
        unknown = sorted(f"“{column}”" for column in headers - set(self.columns))
        if missing or unknown:
            names = {
                "missing": ", ".join(missing),
                "unknown": ", ".join(unknown),
                "kind": self.noun,
                "columns": ", ".join(self.columns),
            }
            if missing and unknown:
                message = _(
                    "The file has no %(missing)s column and columns the archive does not know: "
                    "%(unknown)s. The %(kind)s columns are: %(columns)s."
                )
            elif missing:
                message = _(
                    "The file has no %(missing)s column. The %(kind)s columns are: %(columns)s."
                )
            else:
                message = _(
                    "The file has columns the archive does not know: %(unknown)s. The %(kind)s "
                    "columns are: %(columns)s."
                )
            raise ValueError(message % names)
        self.batch = None
        if not kwargs.get("dry_run"):
            user = kwargs.get("user")
            self.batch = ImportBatch.objects.create(
                created_by=user if user is not None and user.is_authenticated else None,
                file_name=str(kwargs.get("file_name") or "")[:255],
                checksum=self.checksum or _dataset_checksum(dataset),
                format=self.format_name,
                publish=self.publish,
            )
        self.new_status = new_record_status(self.publish)
        self.rows_by_record: dict[int, int] = {}
        self.changes: list[ImportChange] = []
        self.records_by_slug: dict[str, int] = {}

    def after_import(self, dataset, result, **kwargs):
        if not (result.has_errors() or result.has_validation_errors()):
            self.finish_import()
            # The record's own save() ran before its name variants and translations were written.
            search_index_refresh(
                **{_SEARCH_KEYWORDS[self._meta.model._meta.model_name]: self.saved_ids}
            )
        super().after_import(dataset, result, **kwargs)
        if self.batch is not None:
            ImportChange.objects.bulk_create(self.changes, batch_size=500)
            totals = result.totals
            self.batch.new_count = totals.get("new", 0)
            self.batch.updated_count = totals.get("update", 0)
            self.batch.unchanged_count = totals.get("skip", 0)
            self.batch.finished_at = timezone.now()
            self.batch.save(
                update_fields=["new_count", "updated_count", "unchanged_count", "finished_at"]
            )

    def finish_import(self) -> None:
        """Write what needs every row saved first (events: parents and related events)."""

    # --- one row ---------------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            text = cell_text(value)
            cleaner = clean_text if column == "slug" else self.cleaners.get(column, str.strip)
            row[column] = cleaner(text)

    def match(self, row):
        """The record this row describes, or None for a new one; ValidationError if unsure."""
        raise NotImplementedError

    def get_instance(self, instance_loader, row):
        found = self.match(row)
        slug = row.get("slug")
        if found is not None and slug and found.slug != slug:
            other = self._meta.model.objects.filter(slug=slug).first()
            if other is not None:
                raise ValidationError(
                    {
                        "slug": _(
                            "“%(slug)s” is %(other)s, but the rest of the row matches "
                            "%(found)s (“%(found_slug)s”). Correct the slug or the identifiers."
                        )
                        % {"slug": slug, "other": other, "found": found, "found_slug": found.slug}
                    }
                )
        if found is not None and found.pk in self.rows_by_record:
            raise ValidationError(
                _(
                    "This row is the same %(kind)s as row %(row)s (%(record)s); give each "
                    "%(kind)s one row."
                )
                % {"kind": self.noun, "row": self.rows_by_record[found.pk], "record": found}
            )
        return found

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.status = self.new_status
            if hasattr(instance, "import_batch_id"):
                instance.import_batch = self.batch

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.pk is None and row.get("slug"):
            # Slugs are made once: a file gives new records theirs; existing ones keep their own.
            instance.slug = row["slug"]
        self.complete(instance, row)
        instance.import_relations = {}
        for column in self.relation_columns:
            if column not in row:
                continue
            try:
                instance.import_relations[column] = self.read_relation(
                    column, row, instance, **kwargs
                )
            except ValidationError as error:
                errors.setdefault(column, []).extend(error.messages)
            except ValueError as error:
                errors.setdefault(column, []).append(str(error))
        if errors:
            raise ValidationError(errors)

    def complete(self, instance, row) -> None:
        """Fill in fields the model derives on save, so the comparison sees them."""

    # Each relation column has three methods, named for it as dehydrate_<column> is for export:
    # read_<column>(cell, row, instance) -> the relation the cell describes, checked (raising
    # ValidationError or ValueError that names what is wrong); <column>_unchanged(record, value);
    # save_<column>(instance, value, row_number).

    def read_relation(self, column: str, row, instance, **kwargs):
        return getattr(self, f"read_{column}")(row[column], row=row, instance=instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in self.get_import_fields():
            if field.readonly or not field.attribute:
                continue
            clean = self.cleaners.get(field.column_name, clean_text)
            before = getattr(original, field.attribute)
            if clean(getattr(instance, field.attribute)) != clean(before):
                return False
        return all(
            self.relation_unchanged(column, original, value)
            for column, value in instance.import_relations.items()
        )

    def relation_unchanged(self, column: str, record, value) -> bool:
        return getattr(self, f"{column}_unchanged")(record, value)

    def before_save_instance(self, instance, row, **kwargs):
        if self.batch is not None and instance.pk is not None:
            # What an updated record was, relations included, so the import can be undone; the
            # database still holds it, since relations are written after the record.
            self.changes.append(
                ImportChange(
                    batch=self.batch,
                    content_type=ContentType.objects.get_for_model(type(instance)),
                    object_id=instance.pk,
                    action=ImportChange.Action.UPDATED,
                    before=record_snapshots(type(instance), [instance.pk])[instance.pk],
                )
            )
        if self.batch_marks_updates:
            instance.import_batch = self.batch

    def after_save_instance(self, instance, row, **kwargs):
        for column, value in instance.import_relations.items():
            self.save_relation(column, instance, value, **kwargs)
        self.saved_ids.append(instance.pk)

    def save_relation(self, column: str, instance, value, *, row_number: int, **kwargs) -> None:
        getattr(self, f"save_{column}")(instance, value, row_number=row_number)

    def after_import_row(self, row, row_result, **kwargs):
        if row_result.object_id is None:
            return
        self.rows_by_record[row_result.object_id] = kwargs["row_number"]
        if row.get("slug"):
            self.records_by_slug[row["slug"]] = row_result.object_id

    # --- export ----------------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return self.with_relations(queryset)

    def with_relations(self, queryset):
        """The queryset with everything the export reads fetched, so no row costs a query."""
        return queryset


def _dataset_checksum(dataset) -> str:
    digest = hashlib.sha256()
    for row in dataset:
        digest.update(json.dumps(list(row), ensure_ascii=False, default=str).encode())
    return digest.hexdigest()
