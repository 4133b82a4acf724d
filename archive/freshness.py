"""The archive's content version: a token that changes whenever public content may have changed,
the same in every process and on every app server, so that what is derived from the records
(facet counts, list totals, the home page's counts and chart) can be kept in a cache under a key
that holds it and is never stale.

Every statement that writes to an `archive_` table changes it, whatever made the statement: an
admin save, delete or many-to-many change, an import's raw SQL, undo, merge, revert, publishing,
`restore_records`, the sample loader, a shell session. A database execute wrapper
(`connection.execute_wrappers`) sees them all, where signals would miss every bulk and raw
write. A write outside a transaction changes the token at once; one inside a transaction changes
it when the transaction commits, and until then the connection that wrote reads a version of its
own, new at each of its writes, so that it neither reads kept data its writes may have outdated
nor keeps data under a key another connection would read.

The token lives in the `freshness` cache (a table of the database on PostgreSQL, so every app
server reads the same one; a file on SQLite, whose table would be written in the middle of an
autocommitted statement); a token lost from it is replaced by a new random one, which only
makes everything be counted afresh once.
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache, caches
from django.db import connections
from django.db.backends.signals import connection_created

T = TypeVar("T")

VERSION_CACHE = "freshness"
VERSION_KEY = "archive:content-version"

# A statement writing to an archive table, as the database would name it. A false alarm (a
# table named in a subquery) only has something counted afresh once.
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE")


def _writes_to_archive(sql: str) -> bool:
    return sql.lstrip()[:8].upper().startswith(_WRITE_VERBS) and "archive_" in sql


def archive_version(using: str = "default") -> str:
    """The current content version, to put in the key of anything derived from the records."""
    token = _stored_token()
    connection = connections[using]
    if _commit_pending(connection):
        return f"{token}.{connection.archive_uncommitted_write}"
    return token


def while_unchanged(name: str, compute: Callable[[], T]) -> T:
    """What `compute` returns, kept in the default cache under this content version."""
    return cache.get_or_set(f"archive:{archive_version()}:{name}", compute)


def archive_changed() -> None:
    """Give the archive a new content version now (what the execute wrapper does after a
    committed write)."""
    caches[VERSION_CACHE].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def archive_changing(using: str = "default") -> None:
    """In a transaction that wrote to the archive and is about to commit: give the archive a new
    version now as well as after the commit. The version set after the commit comes a moment
    late for a process that was waiting for this transaction (an import waiting for the import
    lock) and compares versions as soon as it runs: it would take the archive for unchanged.
    On PostgreSQL the version set now commits with the transaction; on SQLite it shows a moment
    early, and what a reader keeps under it meanwhile is left unread by the version set after."""
    connection = connections[using]
    pending = connection.in_atomic_block and _commit_pending(connection)
    if pending and not connection.get_rollback():
        archive_changed()


def _stored_token() -> str:
    cache = caches[VERSION_CACHE]
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY)
    return token


def _commit_pending(connection) -> bool:
    # run_on_commit holds (savepoint ids, function, robust); Django drops the entries of a
    # savepoint or transaction rolled back, so a write undone leaves nothing pending.
    return any(func is archive_changed for _sids, func, _robust in connection.run_on_commit)


def _watch_writes(connection):
    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if _writes_to_archive(sql):
            if connection.in_atomic_block:
                connection.archive_uncommitted_write = uuid.uuid4().hex
                if not _commit_pending(connection):
                    connection.on_commit(archive_changed)
            else:
                archive_changed()
        return result

    return wrapper


def _install(sender, connection, **kwargs):
    if not any(getattr(w, "watches_archive_writes", False) for w in connection.execute_wrappers):
        wrapper = _watch_writes(connection)
        wrapper.watches_archive_writes = True
        connection.execute_wrappers.append(wrapper)


def watch_every_connection() -> None:
    """Watch the writes of every database connection, opened now or later (AppConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="archive.freshness")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)
