"""A filtered list's records as the archive's own CSV, streamed a chunk of records at a time.

The rows are those of the kind's resource, the one the admin imports and exports with, so a
downloaded file imports back unchanged; text cells are neutralised as `formats.SafeCSV` does.
The CSV dialect is tablib's (the excel dialect, CRLF line ends) that the admin's export writes.
Rows are written straight from the resource rather than through a tablib Dataset per chunk:
the same cells, at a fraction of the cost per row.
"""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from archive.exporting.formats import neutralise
from archive.importing.events import EventResource
from archive.importing.journals import JournalResource
from archive.importing.people import PersonResource
from archive.importing.resources import PublicationResource
from archive.models import Event, Journal, Person, Publication

CHUNK_SIZE = 500  # records per query; under SQLite's limit on bound parameters


def public_resource(model):
    """The resource a public download of `model` is written with: published relations only."""
    if model is Publication:
        return PublicationResource()
    resource_class = {Person: PersonResource, Event: EventResource, Journal: JournalResource}[model]
    return resource_class(published_only=True)


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def export_rows(resource, queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """The resource's header, then a row per record of `queryset`, in its order.

    Only the primary keys are read up front; each chunk of records is then fetched with what
    the resource reads (`filter_export`), so memory stays flat however many records there are.
    """
    yield resource.get_export_headers()
    model = queryset.model
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        records = resource.filter_export(model._base_manager.filter(pk__in=chunk))
        by_pk = {record.pk: record for record in records}
        for pk in chunk:
            if pk in by_pk:  # unless deleted meanwhile
                yield resource.export_resource(by_pk[pk])


def csv_download(queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """The records of `queryset` as CSV lines, header first."""
    resource = public_resource(queryset.model)
    return csv_lines(export_rows(resource, queryset, chunk_size=chunk_size))
