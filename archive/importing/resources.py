"""The one resource that turns canonical publication rows into records (and back, for export).

Every import format, the admin import page and `import_records` go through it, so matching,
validation, the preview's new/updated/unchanged/error verdicts and the import batch are the same.

It is built for large files: what a chunk of rows needs (existing publications with their
relations, people, journals, rankings) is loaded in a few queries before the rows are read;
publications are written with django-import-export's bulk mode and their authorships,
translations and keywords in one bulk write per chunk. A row identical to the one last imported
for the same publication (same fingerprint) is recognised as unchanged without being read
further.
"""

import hashlib
import json
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult

from archive import names
from archive.exporting.formats import restore
from archive.identifiers import normalize_doi
from archive.importing import canonical
from archive.importing.cleaning import clean_abstract, clean_text, clean_title
from archive.importing.matching import (
    JournalIndex,
    MetricLedger,
    PersonIndex,
    SlugAllocator,
    chunked,
    new_record_status,
)
from archive.importing.snapshots import publication_snapshots
from archive.models import (
    Authorship,
    ImportBatch,
    ImportChange,
    Keyword,
    Publication,
    PublicationAbstract,
    PublicationTitle,
)
from archive.models.journals import format_decimal
from archive.search import search_index_refresh

AUTHORITATIVE_FORMATS = {"csv", "tsv", "xlsx"}
LARGE_PREVIEW = 500  # rows; above this the preview shows verdicts without a field-by-field diff


class RawRecordWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return canonical.load_json(value, column="raw_record")

    def render(self, value, obj=None, **kwargs):
        return canonical.dump_json(value)


class NoLoader(BaseInstanceLoader):
    """Matching is done by the resource from what it preloaded for the chunk."""

    def get_instance(self, row):
        return None


class QuietDiff:
    """Stands in for django-import-export's field-by-field diff on large previews."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class ImportSession:
    """What the chunks of one import share: its batch, the indexes, what was already seen."""

    def __init__(self, *, publish: bool, batch: ImportBatch | None):
        status = new_record_status(publish)
        self.status = status
        self.batch = batch
        self.journals = JournalIndex(status=status, batch=batch)
        self.people = PersonIndex(status=status, batch=batch)
        self.metrics = MetricLedger(batch=batch)
        self.publication_slugs = SlugAllocator(Publication)
        self.keywords: dict[str, int] = {}
        self.seen_keys: dict[str, int] = {}


_LIGHT = ["doi", "source_platform", "source_id", "title", "year", "import_fingerprint"]


def _restored(row: dict) -> dict:
    return {k: restore(v) if isinstance(v, str) else v for k, v in row.items()}


def _first_authors(publication_ids: list[int]) -> dict[int, str]:
    """The first author's printed name of each publication (for matching rows without a DOI)."""
    found = {}
    for part in chunked(publication_ids):
        found.update(
            Authorship.objects.filter(publication_id__in=part, role=Authorship.Role.AUTHOR)
            .order_by("publication_id", "-position")
            .values_list("publication_id", "name_as_printed")
        )
    return found


def row_fingerprint(row) -> str:
    payload = json.dumps(
        [row.get(column, "") for column in canonical.PUBLICATION_COLUMNS], default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _matching_key(row) -> str:
    doi = normalize_doi(row.get("doi"))
    if doi:
        return f"doi:{doi}"
    authors = canonical.split_list(row.get("authors"))
    return "title:" + "|".join(
        [
            names.match_key(clean_text(row.get("title"))),
            str(row.get("publication_date") or "")[:4],
            names.match_key(authors[0]) if authors else "",
        ]
    )


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
        instance_loader_class = NoLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000
        chunk_size = 1000

    def __init__(
        self,
        *,
        publish: bool = True,
        format_name: str = "",
        checksum: str = "",
        session: ImportSession | None = None,
    ):
        super().__init__()
        self.publish = publish
        self.format_name = format_name
        self.checksum = checksum
        self.session = session
        self.row_offset = 0
        self.large = False
        # The archive's own tables state every value, so an empty cell clears it; other sources
        # only add to what the archive knows.
        self.authoritative = format_name in AUTHORITATIVE_FORMATS

    # --- the import as a whole -----------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        headers = set(dataset.headers or [])
        if "title" not in headers or not headers <= set(canonical.PUBLICATION_COLUMNS):
            unknown = sorted(headers - set(canonical.PUBLICATION_COLUMNS))
            raise ValidationError(
                "The file's columns are not the archive's publication columns"
                + (f" (unknown: {', '.join(unknown)})" if unknown else " (no title column)")
                + f". Expected: {', '.join(canonical.PUBLICATION_COLUMNS)}."
            )
        if self.session is None:
            batch = None
            if not kwargs.get("dry_run"):
                user = kwargs.get("user")
                batch = ImportBatch.objects.create(
                    created_by=user if user is not None and user.is_authenticated else None,
                    file_name=str(kwargs.get("file_name") or "")[:255],
                    checksum=self.checksum or _dataset_checksum(dataset),
                    format=self.format_name,
                    publish=self.publish,
                )
            self.session = ImportSession(publish=self.publish, batch=batch)
        self.large = len(dataset) > LARGE_PREVIEW
        self.pending: list[tuple[Publication, dict, dict | None]] = []
        self._preload(dataset)

    def _preload(self, dataset) -> None:
        """Load, in a few queries, what the chunk's rows may match.

        First only the matching keys and fingerprints of candidate publications; rows whose
        fingerprint is unchanged are settled there. Full records and their relations are then
        loaded only for the publications that rows may change.
        """
        rows = [_restored(row) for row in dataset.dict]
        dois, source_ids, titles = set(), set(), set()
        for row in rows:
            doi = normalize_doi(row.get("doi"))
            if doi:
                dois.add(doi)
            if row.get("source_id"):
                source_ids.add(clean_text(row["source_id"]))
            if not doi:
                titles.add(clean_title(row.get("title")))
        light: dict[int, Publication] = {}
        for lookup, values in (
            ("doi__in", dois),
            ("source_id__in", source_ids),
            ("title__in", titles),
        ):
            for part in chunked(values):
                # The exclusion lets the database use the partial unique index on the column.
                column = lookup.split("__", 1)[0]
                found = (
                    Publication.objects.filter(**{lookup: part}).exclude(**{column: ""}).order_by()
                )
                for publication in found.only(*_LIGHT):
                    light.setdefault(publication.pk, publication)
        self._index(
            light.values(),
            first_authors=_first_authors([p.pk for p in light.values() if not p.doi]),
        )
        self.source_owners = {
            (p.source_platform, p.source_id): p for p in light.values() if p.source_id
        }
        self.fast_skips: dict[int, Publication] = {}
        to_load = set()
        for index, row in enumerate(rows):
            match = self._match(row)
            if match is None:
                continue
            if match.import_fingerprint and match.import_fingerprint == row_fingerprint(row):
                self.fast_skips[index] = match
            else:
                to_load.add(match.pk)
        full = {}
        for part in chunked(to_load):
            full.update(Publication.objects.in_bulk(part))
        self.snapshots = publication_snapshots(list(full.values()))
        self._index(
            full.values(),
            first_authors={
                pk: (s["authors"][0]["name"] if s["authors"] else "")
                for pk, s in self.snapshots.items()
            },
        )
        keys = set()
        for index, row in enumerate(rows):
            if index not in self.fast_skips:
                keys.update(names.match_key(n) for n in canonical.split_list(row.get("authors")))
        self.session.people.load(keys)

    def _index(self, publications, *, first_authors: dict[int, str]) -> None:
        publications = list(publications)
        self.by_doi = {p.doi: p for p in publications if p.doi}
        self.by_source = {(p.source_platform, p.source_id): p for p in publications if p.source_id}
        self.by_title = defaultdict(list)
        for publication in publications:
            self.by_title[(publication.title, publication.year)].append(publication)
        self.first_authors = first_authors

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        session = self.session
        session.metrics.flush()
        batch = session.batch
        if batch is None or result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        batch.new_count += totals.get("new", 0)
        batch.updated_count += totals.get("update", 0)
        batch.unchanged_count += totals.get("skip", 0)
        batch.finished_at = timezone.now()
        batch.save(update_fields=["new_count", "updated_count", "unchanged_count", "finished_at"])

    def get_diff_class(self):
        return QuietDiff if self.large else super().get_diff_class()

    # --- one row ---------------------------------------------------------------------------

    def import_row(self, row, instance_loader, **kwargs):
        for column, value in row.items():
            if isinstance(value, str):
                row[column] = restore(value)
        number = kwargs["row_number"] + self.row_offset
        key = _matching_key(row)
        seen = self.session.seen_keys
        if key not in seen:
            seen[key] = number
            unchanged = self.fast_skips.get(kwargs["row_number"] - 1)
            if unchanged is not None:
                result = self.get_row_result_class()()
                result.import_type = RowResult.IMPORT_TYPE_SKIP
                result.add_instance_info(unchanged)
                return result
            row["_fingerprint"] = row_fingerprint(row)
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        cleaners = {"doi": normalize_doi, "title": clean_title, "abstract": clean_abstract}
        for column in (
            "volume",
            "issue",
            "first_page",
            "last_page",
            "publication_date",
            "source_id",
            "source_platform",
        ):
            cleaners[column] = clean_text
        for column, clean in cleaners.items():
            if row.get(column) is not None or column in ("doi", "title"):
                row[column] = clean(row.get(column))
        number = kwargs["row_number"] + self.row_offset
        first = self.session.seen_keys.get(_matching_key(row))
        if first is not None and first != number:
            column = "doi" if row["doi"] else "title"
            raise ValidationError(
                {
                    column: f"This row repeats row {first} (same "
                    f"{'DOI' if row['doi'] else 'title, year and first author'}); "
                    "remove one of them."
                }
            )

    def _match(self, row) -> Publication | None:
        doi = normalize_doi(row.get("doi"))
        if doi and doi in self.by_doi:
            return self.by_doi[doi]
        source = (clean_text(row.get("source_platform")), clean_text(row.get("source_id")))
        if source[1] and source in self.by_source:
            return self.by_source[source]
        if doi:
            return None
        year = str(row.get("publication_date") or "")[:4]
        authors = canonical.split_list(row.get("authors"))
        first_author = names.match_key(authors[0]) if authors else ""
        for candidate in self.by_title.get(
            (clean_title(row.get("title")), int(year) if year.isdigit() else None), []
        ):
            if names.match_key(self.first_authors.get(candidate.pk, "")) == first_author:
                return candidate
        return None

    def get_instance(self, instance_loader, row):
        return self._match(row)

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.status = self.session.status

    def import_instance(self, instance, row, **kwargs):
        counted, counted_on = instance.citation_count, instance.citation_count_date
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.pk and not self.authoritative:
            self._keep_what_the_source_lacks(instance)
        elif instance.pk:
            self._keep_columns_not_given(instance, row)
        for column, value in row.items():
            # What is still missing (a new record, or an empty spreadsheet cell) is empty text.
            if value is None and column in _MODEL_FIELDS and column != "journal":
                field = Publication._meta.get_field(column)
                if getattr(instance, field.attname) is None and not field.null:
                    setattr(instance, field.attname, field.get_default())
        if not row.get("citation_count_date"):
            if counted == instance.citation_count and counted_on:
                instance.citation_count_date = counted_on
            elif instance.citation_count is not None:
                instance.citation_count_date = timezone.localdate()
            else:
                instance.citation_count_date = None
        if not instance.language:
            instance.language = "und"
        source = (instance.source_platform, instance.source_id)
        owner = self.source_owners.get(source) if instance.source_id else None
        if owner is not None and owner.pk != instance.pk:
            errors.setdefault("source_id", []).append(
                f"Another publication ({owner}) already has this id at {instance.source_platform}."
            )
        for column in ("title_translations", "abstract_translations", "journal_metrics"):
            try:
                row[f"_{column}"] = canonical.load_json(row.get(column), column=column) or []
            except ValueError as error:
                row[f"_{column}"] = []
                errors.setdefault(column, []).append(str(error))
        try:
            instance.journal_id = self.session.journals.resolve(
                name=clean_text(row.get("journal")),
                issn_print=clean_text(row.get("journal_issn_print")),
                issn_electronic=clean_text(row.get("journal_issn_electronic")),
                ids=_parse_ids(row.get("journal_ids")),
            )
        except ValidationError as error:
            errors.setdefault("journal", []).extend(error.messages)
        journal_not_given = all(
            row.get(column) is None
            for column in (
                "journal",
                "journal_issn_print",
                "journal_issn_electronic",
                "journal_ids",
            )
        )
        if (
            instance.journal_id is None
            and instance.pk
            and (not self.authoritative or journal_not_given)
        ):
            instance.journal_id = self.snapshots[instance.pk]["fields"]["journal_id"]
        if instance.journal_id is not None:
            try:
                self.session.metrics.record(instance.journal_id, row["_journal_metrics"])
            except (ValueError, KeyError, TypeError) as error:
                errors.setdefault("journal_metrics", []).append(
                    f"A ranking could not be read ({error}); each needs at least a system "
                    "(jcr or cas)."
                )
        if not instance.publication_type:
            instance.publication_type = "journal-article" if instance.journal_id else "other"
        if errors:
            raise ValidationError(errors)

    def _keep_columns_not_given(self, instance, row) -> None:
        """A table without a column (None in the row) leaves that field as it was."""
        before = self.snapshots[instance.pk]["fields"]
        for column, value in row.items():
            if value is None and column in _MODEL_FIELDS and column != "journal":
                name = Publication._meta.get_field(column).attname
                setattr(instance, name, before[name])

    def _keep_what_the_source_lacks(self, instance) -> None:
        """A bibliographic source that says less than the archive knows does not erase it:
        empty values keep what was there, and a date keeps its precision within the same year."""
        before = self.snapshots[instance.pk]["fields"]
        for name in _COMPARED_FIELDS:
            if getattr(instance, name) in ("", None) and before.get(name) not in ("", None):
                setattr(instance, name, before[name])
        old, new = before.get("publication_date") or "", instance.publication_date or ""
        if old[:4] == new[:4] and len(new) < len(old):
            instance.publication_date = old

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Uniqueness was settled by matching against what was preloaded; asking the database
        # again for every row would cost several queries a row.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, "slug", "journal"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # Compared with the snapshot taken before the chunk, so no copy of each instance is needed.
        if import_validation_errors or instance.pk not in self.snapshots:
            return False
        before = self.snapshots[instance.pk]["fields"]
        if any(getattr(instance, name) != before[name] for name in _COMPARED_FIELDS):
            return False
        return self._relations_match(self.snapshots[instance.pk], row)

    def before_save_instance(self, instance, row, **kwargs):
        now = timezone.now()
        instance.import_batch = self.session.batch
        instance.imported_at = now
        instance.updated_at = now
        instance.import_fingerprint = row.get("_fingerprint", "")
        instance.derive_fields()

    def after_save_instance(self, instance, row, **kwargs):
        before = self.snapshots.get(instance.pk) if instance.pk else None
        self.pending.append((instance, row, before))

    def get_bulk_update_fields(self):
        return [
            *(
                f
                for f in canonical.PUBLICATION_COLUMNS
                if hasattr(Publication, f) and f in _MODEL_FIELDS
            ),
            "journal",
            "language",
            "publication_type",
            "citation_count_date",
            "year",
            "date_sort",
            "import_batch",
            "imported_at",
            "import_fingerprint",
            "updated_at",
        ]

    # --- writing a chunk -------------------------------------------------------------------

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances:
            for instance, slug in zip(
                self.create_instances,
                self.session.publication_slugs.allocate(
                    [p.plain_title for p in self.create_instances]
                ),
                strict=True,
            ):
                instance.slug = slug
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        self._write_relations(result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)
        self._write_relations(result)

    def _write_relations(self, result) -> None:
        ready = [entry for entry in self.pending if entry[0].pk]
        self.pending = [entry for entry in self.pending if not entry[0].pk]
        if not ready or (result is not None and result.has_errors()):
            return
        person_ids = self.session.people.ensure(
            name for _, row, _ in ready for name in canonical.split_list(row.get("authors"))
        )
        stale_authors, authorships = [], []
        new_titles, changed_titles, new_abstracts, changed_abstracts = [], [], [], []
        keyword_links = []
        for publication, row, before in ready:
            snapshot = before or {"authors": [], "titles": {}, "abstracts": {}, "keywords": set()}
            printed = [names.normalize(n) for n in canonical.split_list(row.get("authors"))]
            keep_authors = before is not None and (
                row.get("authors") is None or (not printed and not self.authoritative)
            )
            if not keep_authors and [a["name"] for a in snapshot["authors"]] != printed:
                if before is not None:
                    stale_authors.append(publication.pk)
                authorships.extend(
                    Authorship(
                        publication_id=publication.pk,
                        person_id=person_ids[names.match_key(name)],
                        position=position,
                        name_as_printed=name,
                        role=Authorship.Role.AUTHOR,
                    )
                    for position, name in enumerate(printed, start=1)
                )
            for item in row.get("_title_translations", []):
                wanted = (clean_title(item["title"]), bool(item.get("machine_translation")))
                known = snapshot["titles"].get(item["language"])
                if known is None:
                    new_titles.append(
                        PublicationTitle(
                            publication_id=publication.pk,
                            language=item["language"],
                            title=wanted[0],
                            is_machine_translation=wanted[1],
                        )
                    )
                elif known[1:] != wanted:
                    changed_titles.append(
                        PublicationTitle(
                            pk=known[0], title=wanted[0], is_machine_translation=wanted[1]
                        )
                    )
            for item in row.get("_abstract_translations", []):
                wanted = (clean_abstract(item["text"]), bool(item.get("machine_translation")))
                known = snapshot["abstracts"].get(item["language"])
                if known is None:
                    new_abstracts.append(
                        PublicationAbstract(
                            publication_id=publication.pk,
                            language=item["language"],
                            text=wanted[0],
                            is_machine_translation=wanted[1],
                        )
                    )
                elif known[1:] != wanted:
                    changed_abstracts.append(
                        PublicationAbstract(
                            pk=known[0], text=wanted[0], is_machine_translation=wanted[1]
                        )
                    )
            for name in canonical.split_list(row.get("keywords")):
                if name not in snapshot["keywords"]:
                    keyword_links.append((publication.pk, name))
        for part in chunked(stale_authors):
            Authorship.objects.filter(publication_id__in=part, role=Authorship.Role.AUTHOR).delete()
        Authorship.objects.bulk_create(authorships, batch_size=1000)
        PublicationTitle.objects.bulk_create(new_titles, batch_size=1000)
        PublicationTitle.objects.bulk_update(changed_titles, ["title", "is_machine_translation"])
        PublicationAbstract.objects.bulk_create(new_abstracts, batch_size=1000)
        PublicationAbstract.objects.bulk_update(
            changed_abstracts, ["text", "is_machine_translation"]
        )
        self._link_keywords(keyword_links)
        people = self.session.people
        search_index_refresh(
            publications=[publication.pk for publication, _, _ in ready],
            people=people.created_ids[people.indexed :],
        )
        people.indexed = len(people.created_ids)
        batch = self.session.batch
        if batch is not None:
            # New records point to their batch already; only what an update overwrote is kept.
            ImportChange.objects.bulk_create(
                [
                    ImportChange(
                        batch=batch,
                        content_type=ContentType.objects.get_for_model(Publication),
                        object_id=publication.pk,
                        action=ImportChange.Action.UPDATED,
                        before=_serialisable(before),
                    )
                    for publication, _, before in ready
                    if before is not None
                ],
                batch_size=1000,
            )

    def _link_keywords(self, links: list[tuple[int, str]]) -> None:
        if not links:
            return
        known = self.session.keywords
        missing = {name for _, name in links} - known.keys()
        for part in chunked(missing):
            known.update(Keyword.objects.filter(name__in=part).values_list("name", "pk"))
        new = [Keyword(name=name) for name in missing - known.keys()]
        if new:
            Keyword.objects.bulk_create(new, ignore_conflicts=True)
            for part in chunked([k.name for k in new]):
                known.update(Keyword.objects.filter(name__in=part).values_list("name", "pk"))
        through = Publication.keywords.through
        through.objects.bulk_create(
            [through(publication_id=pk, keyword_id=known[name]) for pk, name in set(links)],
            ignore_conflicts=True,
            batch_size=1000,
        )

    def _relations_match(self, snapshot: dict, row) -> bool:
        printed = [names.normalize(n) for n in canonical.split_list(row.get("authors"))]
        authors_given = row.get("authors") is not None and (printed or self.authoritative)
        if authors_given and [a["name"] for a in snapshot["authors"]] != printed:
            return False
        for item in row.get("_title_translations", []):
            wanted = (clean_title(item["title"]), bool(item.get("machine_translation")))
            if (snapshot["titles"].get(item["language"]) or (None,))[1:] != wanted:
                return False
        for item in row.get("_abstract_translations", []):
            wanted = (clean_abstract(item["text"]), bool(item.get("machine_translation")))
            if (snapshot["abstracts"].get(item["language"]) or (None,))[1:] != wanted:
                return False
        return set(canonical.split_list(row.get("keywords"))) <= snapshot["keywords"]

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


_MODEL_FIELDS = {f.name for f in Publication._meta.concrete_fields}
# What an import may change; bookkeeping (import_batch, imported_at, updated_at) is not compared.
_COMPARED_FIELDS = list(
    dict.fromkeys(
        [
            *(
                Publication._meta.get_field(f).attname
                for f in canonical.PUBLICATION_COLUMNS
                if f in _MODEL_FIELDS
            ),
            "journal_id",
            "language",
            "publication_type",
            "citation_count_date",
        ]
    )
)


def _serialisable(snapshot: dict) -> dict:
    return json.loads(
        json.dumps(snapshot, default=lambda v: sorted(v) if isinstance(v, set) else str(v))
    )


def _parse_ids(cell) -> list[tuple[str, str]]:
    pairs = []
    for item in canonical.split_list(cell):
        scheme, _, value = item.partition(":")
        if scheme and value:
            pairs.append((scheme.strip().lower(), value.strip()))
    return pairs


def _dataset_checksum(dataset) -> str:
    digest = hashlib.sha256()
    for row in dataset:
        digest.update(json.dumps(list(row), ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


class StreamingPublicationResource(PublicationResource):
    """For files read in chunks from the command line: no per-row diff is kept."""

    class Meta(PublicationResource.Meta):
        skip_diff = True


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
