"""The one resource that turns canonical publication rows into records (and back, for export).

Every import format, the admin import page and `import_records` go through it, so matching,
validation, the preview's new/updated/unchanged/error verdicts and the audit trail are the same.
"""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from import_export import fields, resources, widgets

from archive import names
from archive.identifiers import normalize_doi
from archive.importing import canonical
from archive.importing.cleaning import clean_abstract, clean_text, clean_title
from archive.importing.matching import JournalMatcher, PersonMatcher, new_record_status
from archive.models import (
    Authorship,
    ImportBatch,
    Keyword,
    Publication,
    PublicationAbstract,
    PublicationTitle,
)
from archive.models.journals import format_decimal

RELATION_COLUMNS = [
    "title_translations",
    "abstract_translations",
    "authors",
    "journal",
    "journal_issn_print",
    "journal_issn_electronic",
    "journal_ids",
    "journal_metrics",
    "keywords",
]


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
        clean_model_instances = True
        use_transactions = True

    def __init__(self, *, publish: bool = True, format_name: str = "", checksum: str = ""):
        super().__init__()
        self.publish = publish
        self.format_name = format_name
        self.checksum = checksum
        self.batch = None

    # --- the import as a whole -----------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        missing = [column for column in ("title",) if column not in (dataset.headers or [])]
        if missing:
            raise ValidationError(
                f"The file has no {', '.join(missing)} column. Expected columns: "
                f"{', '.join(canonical.PUBLICATION_COLUMNS)}."
            )
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
        status = new_record_status(self.publish)
        self.journals = JournalMatcher(status=status, batch=self.batch)
        self.people = PersonMatcher(status=status, batch=self.batch)
        self.seen_keys: dict[str, int] = {}

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.batch is not None:
            totals = result.totals
            self.batch.new_count = totals.get("new", 0)
            self.batch.updated_count = totals.get("update", 0)
            self.batch.unchanged_count = totals.get("skip", 0)
            self.batch.save(update_fields=["new_count", "updated_count", "unchanged_count"])

    # --- one row ---------------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        row["doi"] = normalize_doi(row.get("doi"))
        row["title"] = clean_title(row.get("title"))
        row["abstract"] = clean_abstract(row.get("abstract"))
        for column in ("volume", "issue", "first_page", "last_page", "publication_date"):
            row[column] = clean_text(row.get(column))
        key = row["doi"] or _title_key(row)
        number = kwargs.get("row_number")
        if key in self.seen_keys and self.seen_keys[key] != number:
            raise ValidationError(
                {
                    "doi" if row["doi"] else "title": (
                        f"Row {number} repeats row {self.seen_keys[key]} "
                        f"(same {'DOI' if row['doi'] else 'title, year and first author'})."
                    )
                }
            )
        self.seen_keys[key] = number

    def get_instance(self, instance_loader, row):
        doi = row.get("doi")
        if doi:
            found = Publication.objects.filter(doi=doi).first()
            if found:
                return found
        source_id = clean_text(row.get("source_id"))
        if source_id:
            found = Publication.objects.filter(
                source_platform=clean_text(row.get("source_platform")), source_id=source_id
            ).first()
            if found:
                return found
        year = (row.get("publication_date") or "")[:4]
        authors = canonical.split_list(row.get("authors"))
        candidates = Publication.objects.filter(title__iexact=row.get("title") or "")
        if year.isdigit():
            candidates = candidates.filter(year=int(year))
        for candidate in candidates.prefetch_related("authorships"):
            first = candidate.authorships.order_by("position").first()
            printed = first.name_as_printed if first else ""
            if names.match_key(printed) == names.match_key(authors[0] if authors else ""):
                return candidate
        return None

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.status = new_record_status(self.publish)

    def import_instance(self, instance, row, **kwargs):
        counted, counted_on = instance.citation_count, instance.citation_count_date
        super().import_instance(instance, row, **kwargs)
        if not row.get("citation_count_date"):
            unchanged = counted == instance.citation_count and counted_on
            instance.citation_count_date = (
                counted_on
                if unchanged
                else (timezone.localdate() if instance.citation_count is not None else None)
            )
        if not instance.language:
            instance.language = "und"
        journal = self.journals.resolve(
            name=clean_text(row.get("journal")),
            issn_print=clean_text(row.get("journal_issn_print")),
            issn_electronic=clean_text(row.get("journal_issn_electronic")),
            ids=_parse_ids(row.get("journal_ids")),
        )
        instance.journal = journal
        if not instance.publication_type:
            instance.publication_type = "journal-article" if journal else "other"
        if journal is not None:
            metrics = canonical.load_json(row.get("journal_metrics"), column="journal_metrics")
            self.journals.record_metrics(journal, metrics or [])

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or original is None or original.pk is None:
            return False
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        return original.journal_id == instance.journal_id and self._relations_match(original, row)

    def before_save_instance(self, instance, row, **kwargs):
        instance.import_batch = self.batch
        instance.imported_at = timezone.now()

    def after_save_instance(self, instance, row, **kwargs):
        self._save_authors(instance, canonical.split_list(row.get("authors")))
        for item in (
            canonical.load_json(row.get("title_translations"), column="title_translations") or []
        ):
            PublicationTitle.objects.update_or_create(
                publication=instance,
                language=item["language"],
                defaults={
                    "title": clean_title(item["title"]),
                    "is_machine_translation": bool(item.get("machine_translation")),
                },
            )
        for item in (
            canonical.load_json(row.get("abstract_translations"), column="abstract_translations")
            or []
        ):
            PublicationAbstract.objects.update_or_create(
                publication=instance,
                language=item["language"],
                defaults={
                    "text": clean_abstract(item["text"]),
                    "is_machine_translation": bool(item.get("machine_translation")),
                },
            )
        for name in canonical.split_list(row.get("keywords")):
            keyword, _ = Keyword.objects.get_or_create(name=name)
            instance.keywords.add(keyword)

    # --- comparing and writing relations ---------------------------------------------------

    def _relations_match(self, publication: Publication, row) -> bool:
        printed = list(
            publication.authorships.filter(role=Authorship.Role.AUTHOR)
            .order_by("position")
            .values_list("name_as_printed", flat=True)
        )
        if printed != canonical.split_list(row.get("authors")):
            return False
        titles = {
            t.language: (t.title, t.is_machine_translation)
            for t in publication.translated_titles.all()
        }
        for item in (
            canonical.load_json(row.get("title_translations"), column="title_translations") or []
        ):
            if titles.get(item["language"]) != (
                clean_title(item["title"]),
                bool(item.get("machine_translation")),
            ):
                return False
        abstracts = {
            a.language: (a.text, a.is_machine_translation)
            for a in publication.translated_abstracts.all()
        }
        for item in (
            canonical.load_json(row.get("abstract_translations"), column="abstract_translations")
            or []
        ):
            if abstracts.get(item["language"]) != (
                clean_abstract(item["text"]),
                bool(item.get("machine_translation")),
            ):
                return False
        keywords = set(publication.keywords.values_list("name", flat=True))
        return set(canonical.split_list(row.get("keywords"))) <= keywords

    def _save_authors(self, publication: Publication, printed_names: list[str]) -> None:
        current = list(
            publication.authorships.filter(role=Authorship.Role.AUTHOR).order_by("position")
        )
        if [a.name_as_printed for a in current] == printed_names:
            return
        publication.authorships.filter(role=Authorship.Role.AUTHOR).delete()
        Authorship.objects.bulk_create(
            Authorship(
                publication=publication,
                person=self.people.resolve(name),
                position=position,
                name_as_printed=names.normalize(name),
                role=Authorship.Role.AUTHOR,
            )
            for position, name in enumerate(printed_names, start=1)
        )

    # --- export ----------------------------------------------------------------------------

    def get_queryset(self):
        return Publication.objects.select_related("journal").prefetch_related(
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
            for a in publication.authorships.all()
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
                for m in publication.journal.metrics.all()
            ]
        )

    def dehydrate_keywords(self, publication):
        return canonical.join_list(k.name for k in publication.keywords.all())


def _parse_ids(cell) -> list[tuple[str, str]]:
    pairs = []
    for item in canonical.split_list(cell):
        scheme, _, value = item.partition(":")
        if scheme and value:
            pairs.append((scheme.strip().lower(), value.strip()))
    return pairs


def _title_key(row) -> str:
    authors = canonical.split_list(row.get("authors"))
    return "|".join(
        [
            names.match_key(clean_text(row.get("title"))),
            (row.get("publication_date") or "")[:4],
            names.match_key(authors[0]) if authors else "",
        ]
    )


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
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            user=user,
            file_name=file_name,
        )
    return result
