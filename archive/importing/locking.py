"""One import writes at a time, so two imports of overlapping files cannot both create a record.

An import matches each row against what the database holds and creates what it does not find.
Two imports running side by side would each find nothing and each create the same person,
journal or publication. On SQLite, writers already take turns: every transaction begins with
BEGIN IMMEDIATE (settings: transaction_mode), which waits for the write lock. PostgreSQL lets
transactions write side by side, so an import first takes a transaction-level advisory lock
(PostgreSQL manual, "Advisory Locks"): the next import waits for it before reading anything,
and the lock goes with the transaction, whether it commits, rolls back or its process dies.
Undoing an import takes the same lock: it checks what later imports changed, so an import must
not write in between.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from archive.freshness import archive_changing

# Any 64-bit number no other advisory lock of the project uses; this one spells "ARCHIVE\x01".
IMPORT_LOCK_KEY = 0x4152434849564501


@contextmanager
def import_transaction() -> Iterator[None]:
    """A transaction (`transaction.atomic`) that no other import or undo writes in at the same
    time (also a decorator). One that wrote gives the archive its new content version before it
    commits, so the next, let in by the commit, sees the change at once (`archive_changing`)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        yield
        archive_changing()
