"""The one resource that turns canonical publication rows into records (and back, for export).

Every import format, the admin import page and `import_records` go through it, so matching,
validation, the preview's new/updated/unchanged/error verdicts and the import batch are the same.
The import itself is done by archive.importing.publication_import, which reads the cells with
this resource's fields and widgets; the resource gives it the admin's and django-import-export's
interface (`import_data` returning a Result).
"""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from archive.freshness import archive_version
from archive.importing import canonical
from archive.importing.collecting import fewer_collections
from archive.importing.publication_import import PublicationImport, describe_outcomes
from archive.models import Authorship, ImportBatch, Publication
from archive.models.journals import format_decimal

PREVIEW_ROWS = 1000  # new and updated rows listed one by one in the admin's preview


class RawRecordWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return canonical.load_json(value, column="raw_record")

    def render(self, value, obj=None, **kwargs):
        return canonical.dump_json(value)


class PublicationResource(resources.ModelResource):
    """Canonical rows <-> publications with their journal, authors, translations and keywords."""

    doi = fields.Field(attribute="doi", column_name="doi", widget=widgets.CharWidget())
    raw_record = fields.Field(
        attribute="raw_record", column_name="raw_record", widget=RawRecordWidget()
    )
    title_translations = fields.Field(column_name="title_translations", readonly=True)
    abstract_translations = fields.Field(column_name="abstract_translations", readonly=True)
    authors = fields.Field(column_name="authors", readonly=True)
    journal = fields.Field(column_name="journal", readonly=True)
    journal_issn_print = fields.Field(column_name="journal_issn_print", readonly=True)
    journal_issn_electronic = fields.Field(column_name="journal_issn_electronic", readonly=True)
    journal_ids = fields.Field(column_name="journal_ids", readonly=True)
    journal_metrics = fields.Field(column_name="journal_metrics", readonly=True)
    keywords = fields.Field(column_name="keywords", readonly=True)

    class Meta:
        model = Publication
        fields = canonical.PUBLICATION_COLUMNS
        import_order = canonical.PUBLICATION_COLUMNS
        export_order = canonical.PUBLICATION_COLUMNS
        import_id_fields = ["doi"]
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, *, publish: bool = True, format_name: str = "", checksum: str = ""):
        super().__init__()
        self.publish = publish
        self.format_name = format_name
        self.checksum = checksum

    def import_columns(self) -> dict:
        """The fields that read the cells of the publication's own fields."""
        return {
            name: field
            for name, field in self.fields.items()
            if field.attribute and not field.readonly
        }

    def check_columns(self, headers) -> None:
        headers = set(headers or [])
        if "title" not in headers or not headers <= set(canonical.PUBLICATION_COLUMNS):
            unknown = sorted(headers - set(canonical.PUBLICATION_COLUMNS))
            expected = ", ".join(canonical.PUBLICATION_COLUMNS)
            if unknown:
                message = _(
                    "The file's columns are not the archive's publication columns (unknown: "
                    "%(unknown)s). Expected: %(expected)s."
                ) % {"unknown": ", ".join(unknown), "expected": expected}
            else:
                message = _(
                    "The file's columns are not the archive's publication columns (no title "
                    "column). Expected: %(expected)s."
                ) % {"expected": expected}
            raise ValidationError(message)

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        with fewer_collections():
            return self._import_dataset(dataset, dry_run, raise_errors, **kwargs)

    def _import_dataset(self, dataset, dry_run, raise_errors, **kwargs):
        result = self.get_result_class()()
        result.diff_headers = []
        result.total_rows = len(dataset)
        rows = list(dataset.dict)
        # Read before anything is written or read: a preview's verdicts hold for its
        # confirmation while no write to the archive has been committed in between.
        version = archive_version()
        content_key = getattr(dataset, "content_key", None)
        preview_key = (content_key, self.publish, self.format_name) if content_key else None
        try:
            self.check_columns(dataset.headers)
            batch = None
            if not dry_run:
                user = kwargs.get("user")
                batch = ImportBatch.objects.create(
                    created_by=user if user is not None and user.is_authenticated else None,
                    file_name=str(kwargs.get("file_name") or "")[:255],
                    checksum=self.checksum or _dataset_checksum(dataset),
                    format=self.format_name,
                    publish=self.publish,
                )
            importer = PublicationImport(
                publish=self.publish,
                format_name=self.format_name,
                batch=batch,
                columns=self.import_columns(),
                dry_run=dry_run,
            )
            fingerprints = getattr(dataset, "source_fingerprints", None)
            if fingerprints is not None and len(fingerprints) != len(rows):
                fingerprints = None  # the dataset was changed after it was read
            outcomes = None
            if preview_key is not None and not dry_run:
                outcomes = importer.import_previewed(preview_key, version=version)
            if outcomes is None:
                outcomes = importer.import_rows(rows, fingerprints=fingerprints)
            if preview_key is not None and dry_run:
                importer.keep_for_confirmation(preview_key, version=version)
            importer.finish()
        except Exception as error:  # reported in the result, as django-import-export does
            self.handle_import_error(result, error, raise_errors)
            return result
        for index, (outcome, row) in enumerate(zip(outcomes, rows, strict=True), start=1):
            row_result = self.get_row_result_class()()
            row_result.import_type = outcome.import_type
            row_result.object_id = outcome.pk
            row_result.object_repr = str(outcome)
            row_result.number = outcome.number
            row_result.changes = outcome.changes
            if outcome.errors:
                row_result.validation_error = ValidationError(outcome.errors)
                result.append_invalid_row(index, row, row_result.validation_error)
            result.increment_row_result_total(row_result)
            result.append_row_result(row_result)
        # What the admin's preview lists: a summary, the rows that change something and the
        # problems, rather than a table of every column of every row.
        changed = [r for r in result.rows if r.import_type in ("new", "update")]
        result.changed_rows = changed[:PREVIEW_ROWS]
        result.more_changed_rows = max(len(changed) - PREVIEW_ROWS, 0)
        result.problems = describe_outcomes(outcomes, rows)
        return result

    # --- export ----------------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("journal").prefetch_related(
            "authorships",
            "translated_titles",
            "translated_abstracts",
            "keywords",
            "journal__external_ids",
            "journal__metrics",
        )

    def dehydrate_authors(self, publication):
        return canonical.join_list(
            a.name_as_printed
            for a in sorted(publication.authorships.all(), key=lambda a: a.position)
            if a.role == Authorship.Role.AUTHOR
        )

    def dehydrate_title_translations(self, publication):
        return canonical.dump_json(
            [
                {
                    "language": t.language,
                    "title": t.title,
                    "machine_translation": t.is_machine_translation,
                }
                for t in publication.translated_titles.all()
            ]
        )

    def dehydrate_abstract_translations(self, publication):
        return canonical.dump_json(
            [
                {
                    "language": a.language,
                    "text": a.text,
                    "machine_translation": a.is_machine_translation,
                }
                for a in publication.translated_abstracts.all()
            ]
        )

    def dehydrate_journal(self, publication):
        return publication.journal.name if publication.journal else ""

    def dehydrate_journal_issn_print(self, publication):
        return publication.journal.issn_print if publication.journal else ""

    def dehydrate_journal_issn_electronic(self, publication):
        return publication.journal.issn_electronic if publication.journal else ""

    def dehydrate_journal_ids(self, publication):
        if not publication.journal:
            return ""
        return canonical.join_list(
            f"{i.scheme}:{i.value}" for i in publication.journal.external_ids.all()
        )

    def dehydrate_journal_metrics(self, publication):
        if not publication.journal:
            return ""
        return canonical.dump_json(
            [
                {
                    key: value
                    for key, value in {
                        "system": m.system,
                        "year": m.year,
                        "recorded_on": m.recorded_on.isoformat(),
                        "impact_factor": format_decimal(m.impact_factor)
                        if m.impact_factor is not None
                        else None,
                        "quartile": m.quartile,
                        "zone": m.zone,
                        "category": m.category,
                        "source": m.source,
                    }.items()
                    if value not in (None, "")
                }
                for m in sorted(
                    publication.journal.metrics.all(), key=lambda m: (m.recorded_on, m.pk)
                )
            ]
        )

    def dehydrate_keywords(self, publication):
        return canonical.join_list(k.name for k in publication.keywords.all())


def _dataset_checksum(dataset) -> str:
    digest = hashlib.sha256()
    for row in dataset:
        digest.update(json.dumps(list(row), ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def run_import(
    dataset, *, publish=True, dry_run=False, user=None, file_name="", format_name="", checksum=""
):
    """Import a canonical dataset all-or-nothing: any error in any row writes nothing."""
    resource = PublicationResource(publish=publish, format_name=format_name, checksum=checksum)
    with transaction.atomic():
        return resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            user=user,
            file_name=file_name,
        )
