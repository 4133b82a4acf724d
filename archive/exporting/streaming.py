"""A filtered list's records as the archive's own CSV, streamed a group of records at a time.

The rows are those of the kind's resource, the one the admin imports and exports with, so a
downloaded file imports back unchanged; text cells are neutralised as `formats.SafeCSV` does.
The CSV dialect is tablib's (the excel dialect, CRLF line ends) that the admin's export writes.
Rows are written straight from the resource rather than through a tablib Dataset per chunk:
the same cells, at a fraction of the cost per row. Publications, by far the largest download,
are read as tuples and written by `_PublicationRows`, which makes the resource's cells itself.
"""

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from archive.exporting.formats import FORMULA_PREFIXES
from archive.freshness import archive_version
from archive.importing import canonical
from archive.importing.events import EventResource
from archive.importing.journals import JournalResource
from archive.importing.people import PersonResource
from archive.importing.resources import PublicationResource
from archive.models import (
    Authorship,
    Event,
    Journal,
    Person,
    Publication,
    PublicationAbstract,
    PublicationEvent,
    PublicationTitle,
    Status,
)

CHUNK_SIZE = 100  # records of another kind per query: few model instances held at once
GROUP_SIZE = 2000  # publications read together, with their relations, in one query each
PIECE_SIZE = 2**16  # characters handed to the server at a time, at least


def public_resource(model):
    """The resource a public download of `model` is written with: published relations only."""
    if model is Publication:
        return PublicationResource()
    resource_class = {Person: PersonResource, Event: EventResource, Journal: JournalResource}[model]
    return resource_class(published_only=True)


# --- CSV text -------------------------------------------------------------------------------
# csv.writer looks every character of a cell up in the line terminator: 240 MB of publications
# took it 3 to 6 s. The excel dialect's minimal quoting is three `in` tests and a replace, done
# in C over the whole cell; tests hold the two to the same bytes.


def quoted(text: str) -> str:
    """A text cell as the excel dialect writes it: in quotes, quotes doubled, when it holds a
    quote, a comma or a line break."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def safe(text: str) -> str:
    """A text cell neutralised (see `formats.neutralise`) and quoted."""
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text
    return quoted(text)


def csv_cell(value) -> str:
    """Any cell as csv.writer writes it (None as nothing), text neutralised."""
    if type(value) is str:
        return safe(value)
    return "" if value is None else quoted(str(value))


def csv_line(row: Iterable) -> str:
    line = ",".join([csv_cell(value) for value in row])
    # csv.writer quotes the one empty cell of a one-column row, or the row would read as none.
    return (line or '""') + "\r\n"


def pieces(lines: Iterable[str]) -> Iterator[bytes]:
    """The lines as UTF-8, joined into pieces of at least PIECE_SIZE characters."""
    piece, size = [], 0
    for line in lines:
        piece.append(line)
        size += len(line)
        if size >= PIECE_SIZE:
            yield "".join(piece).encode()
            piece, size = [], 0
    if piece:
        yield "".join(piece).encode()


# --- rows -----------------------------------------------------------------------------------


def export_rows(resource, queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """The resource's header, then a row per record of `queryset`, in its order.

    Only the primary keys are read up front; each chunk of records is then fetched with what
    the resource reads, so memory stays flat however many records there are.
    """
    yield resource.get_export_headers()
    chunks = _EventChunks(resource) if resource._meta.model is Event else _ResourceChunks(resource)
    cells = chunks.cells()
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        by_pk = {record.pk: record for record in chunks.fetch(chunk)}
        for pk in chunk:
            if pk in by_pk:  # unless deleted meanwhile
                record = by_pk[pk]
                yield [cell(record) for cell in cells]


class _ResourceChunks:
    """Records with the relations the resource's `filter_export` prefetches; each cell made as
    `resource.export_field` makes it, with the resource's dehydrate method or the field's
    widget, looked up once per download rather than once per cell."""

    def __init__(self, resource):
        self.resource = resource

    def fetch(self, chunk: list[int]):
        model = self.resource._meta.model
        return self.resource.filter_export(model._base_manager.filter(pk__in=chunk))

    def cells(self) -> list:
        return [self.cell(field) for field in self.resource.get_export_fields()]

    def cell(self, field):
        method = field.get_dehydrate_method(self.resource.get_field_name(field))
        method = method if callable(method) else getattr(self.resource, method, None)
        return method or field.export


class _EventChunks(_ResourceChunks):
    """Events as `EventResource` exports them, their publications read as rows: an event can
    be discussed by dozens of publications, which as models cost most of the download."""

    def fetch(self, chunk: list[int]):
        events = list(
            self.resource.with_relations(
                Event._base_manager.filter(pk__in=chunk), publication_links=False
            )
        )
        links = {event.pk: _Related() for event in events}
        rows = (
            PublicationEvent.objects.filter(event_id__in=list(links))
            .order_by("publication__doi", "publication__slug")
            .values_list(
                "event_id", "pages", "publication__doi", "publication__slug", "publication__status"
            )
        )
        for event_id, pages, doi, slug, status in rows:
            publication = SimpleNamespace(
                doi=doi, slug=slug, is_published=status == Status.PUBLISHED
            )
            links[event_id].append(SimpleNamespace(pages=pages, publication=publication))
        for event in events:
            # Where prefetch_related leaves a relation: `event.publication_links.all()` reads it.
            event._prefetched_objects_cache["publication_links"] = links[event.pk]
        return events


class _Related(list):
    """Related rows read as `record.relation.all()`."""

    def all(self):
        return self


def _among(ids: list[int]):
    """`ids` for an IN filter as one query parameter: Django prepares every value of an IN list
    one by one, which for chunks of 500 costs more than running the query."""
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


class _PublicationRows:
    """`PublicationResource`'s CSV lines, made from tuples rather than models.

    Models and prefetch_related cost most of a download of 100,000 publications: about eight
    model instances a publication, and a queryset per publication and relation. Here each
    group of publications is read as tuples, with one query per relation, and each cell is
    written as the resource's dehydrate method or the field's widget would write it, neutralised
    only where text can start a formula (JSON, numbers, dates and flags cannot). The five
    journal columns are made once per journal, by the resource itself, as one piece of line.
    `tests/test_downloads.py` holds the lines to the admin's export of the same records.
    """

    FIELDS = (
        "pk",
        "journal_id",
        "doi",
        "title",
        "language",
        "abstract",
        "publication_type",
        "publication_date",
        "volume",
        "issue",
        "first_page",
        "last_page",
        "url",
        "is_open_access",
        "pdf_url",
        "citation_count",
        "citation_count_date",
        "source_platform",
        "source_id",
        "raw_record",
    )
    JOURNAL_COLUMNS = (
        "journal",
        "journal_issn_print",
        "journal_issn_electronic",
        "journal_ids",
        "journal_metrics",
    )
    FLAGS = {True: "1", False: "0", None: ""}  # BooleanWidget.render

    def __init__(self):
        self.resource = PublicationResource()
        self.journals = _journal_cells()
        self.dates: dict = {None: ""}

    def lines(self, ids: list[int], *, group_size: int = GROUP_SIZE) -> Iterator[str]:
        yield csv_line(self.resource.get_export_headers())
        for start in range(0, len(ids), group_size):
            yield from self.group(ids[start : start + group_size])

    def group(self, group: list[int]) -> Iterator[str]:
        among = _among(group)
        records = {
            record[0]: record
            for record in Publication._base_manager.filter(pk__in=among)
            .order_by()
            .values_list(*self.FIELDS)
        }
        authors = self.related(
            Authorship.objects.filter(publication_id__in=among, role=Authorship.Role.AUTHOR)
            .order_by("publication_id", "position")
            .values_list("publication_id", "name_as_printed")
        )
        titles = self.related(
            PublicationTitle.objects.filter(publication_id__in=among).values_list(
                "publication_id", "language", "title", "is_machine_translation"
            )
        )
        abstracts = self.related(
            PublicationAbstract.objects.filter(publication_id__in=among).values_list(
                "publication_id", "language", "text", "is_machine_translation"
            )
        )
        keywords = self.related(
            Publication.keywords.through.objects.filter(publication_id__in=among)
            .order_by("keyword__name")
            .values_list("publication_id", "keyword__name")
        )
        self.add_journals({record[1] for record in records.values()})
        journals, dates, flags, none = self.journals, self.dates, self.FLAGS, ()
        join, dump = canonical.join_list, canonical.dump_json
        for pk in group:
            record = records.get(pk)
            if record is None:  # deleted meanwhile
                continue
            (
                _,
                journal_id,
                doi,
                title,
                language,
                abstract,
                publication_type,
                publication_date,
                volume,
                issue,
                first_page,
                last_page,
                url,
                is_open_access,
                pdf_url,
                citation_count,
                citation_count_date,
                source_platform,
                source_id,
                raw_record,
            ) = record
            if citation_count_date not in dates:
                dates[citation_count_date] = self.date(citation_count_date)
            title_translations = [
                {"language": language, "title": text, "machine_translation": machine}
                for language, text, machine in titles.get(pk, none)
            ]
            abstract_translations = [
                {"language": language, "text": text, "machine_translation": machine}
                for language, text, machine in abstracts.get(pk, none)
            ]
            yield (
                ",".join(
                    (
                        safe(doi),
                        safe(title),
                        safe(language),
                        quoted(dump(title_translations)),
                        safe(abstract),
                        quoted(dump(abstract_translations)),
                        safe(join(name for (name,) in authors.get(pk, none))),
                        safe(publication_type),
                        safe(publication_date),
                        journals[journal_id],
                        safe(volume),
                        safe(issue),
                        safe(first_page),
                        safe(last_page),
                        safe(url),
                        flags[is_open_access],
                        safe(pdf_url),
                        "" if citation_count is None else str(citation_count),
                        dates[citation_count_date],
                        safe(join(name for (name,) in keywords.get(pk, none))),
                        safe(source_platform),
                        safe(source_id),
                        quoted(dump(raw_record)),
                    )
                )
                + "\r\n"
            )

    @staticmethod
    def related(rows) -> dict[int, list[tuple]]:
        """Rows of (publication id, *values) as each publication's list of values."""
        by_publication: dict[int, list[tuple]] = {}
        for publication_id, *values in rows:
            by_publication.setdefault(publication_id, []).append(values)
        return by_publication

    def date(self, value) -> str:
        return self.resource.fields["citation_count_date"].widget.render(value)

    def add_journals(self, journal_ids: set) -> None:
        missing = journal_ids - self.journals.keys()
        if not missing:
            return
        # A draft journal is left out, as on the publication's page: its columns stay empty.
        self.journals.update(dict.fromkeys(missing, self.journals[None]))
        published = (
            Journal.objects.published()
            .filter(pk__in=missing)
            .prefetch_related("external_ids", "metrics")
        )
        for journal in published:
            holder = _JournalHolder(journal)
            self.journals[journal.pk] = ",".join(
                safe(getattr(self.resource, f"dehydrate_{column}")(holder))
                for column in self.JOURNAL_COLUMNS
            )


NO_JOURNAL = ",,,,"  # the five journal columns, empty
_JOURNAL_CELLS: dict[str, dict[int | None, str]] = {}


def _journal_cells() -> dict[int | None, str]:
    """The journal columns made so far at the archive's current version, shared by this
    process's downloads: a filtered download of a few dozen publications would otherwise spend
    most of its time reading their journals' rankings again."""
    version = archive_version()
    if "." in version:  # this connection's own uncommitted writes
        return {None: NO_JOURNAL}
    cells = _JOURNAL_CELLS.get(version)
    if cells is None:
        _JOURNAL_CELLS.clear()
        cells = _JOURNAL_CELLS.setdefault(version, {None: NO_JOURNAL})
    return cells


class _JournalHolder:
    """What the resource's journal dehydrate methods read of a publication: its journal."""

    def __init__(self, journal: Journal):
        self.journal = journal


def csv_download(queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The records of `queryset` as CSV in UTF-8, header first, a piece at a time."""
    with _small_page_cache():
        if queryset.model is Publication:
            ids = list(queryset.values_list("pk", flat=True))
            yield from pieces(_PublicationRows().lines(ids))
        else:
            resource = public_resource(queryset.model)
            yield from pieces(map(csv_line, export_rows(resource, queryset, chunk_size=chunk_size)))


SMALL_PAGE_CACHE = -2000  # KiB: SQLite's default


@contextmanager
def _small_page_cache():
    """SQLite's default page cache while a download reads, instead of the 64 MiB the settings
    give writes: a download reads each page once, and would otherwise fill the whole cache with
    pages of the largest tables, most of its peak memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        (previous,) = cursor.execute("PRAGMA cache_size").fetchone()
        cursor.execute(f"PRAGMA cache_size = {SMALL_PAGE_CACHE}")
    try:
        yield
    finally:
        if connection.connection is not None:  # unless closed meanwhile
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")
