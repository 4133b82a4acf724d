"""Running a whole file through the importer in chunks, all-or-nothing.

The admin imports one dataset at a time (the preview needs every row); the command line streams
a file of any size through here: rows are read one at a time, imported in chunks of
CHUNK_SIZE inside one transaction, and the transaction is rolled back when any row fails or
when it is a dry run.
"""

import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import tablib
from django.db import DatabaseError, transaction

from archive.importing import canonical
from archive.importing.formats import RecordFormat
from archive.importing.locking import import_transaction
from archive.importing.report import describe_errors
from archive.importing.resources import ImportSession, StreamingPublicationResource
from archive.models import ImportBatch

CHUNK_SIZE = 2000


@dataclass
class Outcome:
    """What importing a file did, or would have done."""

    records: int = 0
    totals: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _chunks(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def import_stream(
    stream: io.BufferedIOBase,
    *,
    record_format: RecordFormat,
    file_name: str,
    checksum: str,
    publish: bool = True,
    dry_run: bool = False,
    user=None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Outcome:
    """Import every record of the stream, or none. Raises ImportFileError for unreadable files."""
    outcome = Outcome()
    with import_transaction():
        batch = ImportBatch.objects.create(
            created_by=user if user is not None and user.is_authenticated else None,
            file_name=file_name[:255],
            checksum=checksum,
            format=record_format.name,
            publish=publish,
        )
        session = ImportSession(publish=publish, batch=batch)
        resource = StreamingPublicationResource(
            publish=publish, format_name=record_format.name, checksum=checksum, session=session
        )
        for chunk in _chunks(record_format.iter_rows(stream), chunk_size):
            dataset = tablib.Dataset(headers=canonical.PUBLICATION_COLUMNS)
            for row in chunk:
                dataset.append([row.get(column, "") for column in canonical.PUBLICATION_COLUMNS])
            resource.row_offset = outcome.records
            try:
                # No savepoint per chunk: the whole file is one transaction, decided at the end.
                result = resource.import_data(
                    dataset, dry_run=False, use_transactions=False, user=user, file_name=file_name
                )
            except DatabaseError as error:
                outcome.errors.append(f"The database refused the import: {error}")
                break
            outcome.errors.extend(describe_errors(result, dataset, offset=outcome.records))
            outcome.totals.update(
                {k: v for k, v in result.totals.items() if k in ("new", "update", "skip")}
            )
            outcome.records += len(chunk)
            if progress:
                progress(outcome.records)
            if any(error.startswith("The file:") for error in outcome.errors):
                break
        outcome.skipped = [
            f"Record {item.number} skipped: {item.reason}" for item in record_format.log.skipped
        ]
        if outcome.errors or dry_run:
            transaction.set_rollback(True)
    return outcome
