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

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from archive.importing.collecting import fewer_collections
from archive.importing.formats import RecordFormat
from archive.importing.locking import import_transaction
from archive.importing.publication_import import PublicationImport, describe_outcomes
from archive.importing.resources import PublicationResource
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
    with fewer_collections(), import_transaction():
        batch = None
        if not dry_run:
            batch = ImportBatch.objects.create(
                created_by=user if user is not None and user.is_authenticated else None,
                file_name=file_name[:255],
                checksum=checksum,
                format=record_format.name,
                publish=publish,
            )
        importer = PublicationImport(
            publish=publish,
            format_name=record_format.name,
            batch=batch,
            columns=PublicationResource().import_columns(),
            dry_run=dry_run,
        )
        for chunk in _chunks(record_format.iter_sources(stream), chunk_size):
            try:
                fingerprints = [source.fingerprint for source in chunk]
                numbers = [outcome.records + n for n in range(1, len(chunk) + 1)]
                # Records exactly as last imported are settled before they are converted.
                settled = importer.settle_unchanged(fingerprints, numbers)
                kept = [i for i in range(len(chunk)) if i not in settled]
                rows = [chunk[i].row() for i in kept]
                # No savepoint per chunk: the whole file is one transaction, decided at the end.
                results = importer.import_rows(
                    rows,
                    numbers=[numbers[i] for i in kept],
                    fingerprints=[fingerprints[i] for i in kept],
                )
            except DatabaseError as error:
                outcome.errors.append(
                    _("The database refused the import: %(error)s") % {"error": error}
                )
                break
            outcome.errors.extend(describe_outcomes(results, rows))
            outcome.records += len(chunk)
            if progress:
                progress(outcome.records)
        if not outcome.errors:  # after a refused write the transaction takes no more queries
            importer.finish()
        outcome.totals.update(
            {k: v for k, v in importer.totals.items() if k in ("new", "update", "skip")}
        )
        outcome.skipped = [
            _("Record %(number)s skipped: %(reason)s")
            % {"number": item.number, "reason": item.reason}
            for item in record_format.log.skipped
        ]
        if outcome.errors or dry_run:
            transaction.set_rollback(True)
    return outcome
