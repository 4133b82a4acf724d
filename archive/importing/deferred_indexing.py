"""Filling SQLite's full-text indexes once per written chunk instead of once per row.

The search tables of migrations 0006 and 0008 are kept up to date by AFTER INSERT triggers on
the publications. Fired for each of a chunk's rows, the trigram index costs about three times
what one `INSERT … SELECT` over the same rows costs (3 s against 1 s of processor time for
10,000 publications). While a chunk of new publications is written, their insert triggers are
set aside and each trigger's own statement is then run once for the chunk's keys, reading the
new rows as `new`. The triggers are created again from their stored SQL before anything else
runs: DDL is transactional in SQLite, so a rolled-back import leaves them as they were too.

A trigger whose body is not the single `INSERT INTO … VALUES (…)` this understands is left to
fire row by row. PostgreSQL has no such triggers (its trigram index is an ordinary index).
"""

import re
from contextlib import contextmanager

from django.db import connection

_SINGLE_INSERT = re.compile(
    r"\bBEGIN\s+(INSERT\s+INTO\s+[^;]+?\))\s*VALUES\s*\((.*)\)\s*;\s*END\s*$",
    re.I | re.S,
)


def _insert_triggers(table: str) -> list[tuple[str, str, str]]:
    """(name, CREATE statement, statement for a range of keys) of each deferrable trigger."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table],
        )
        found = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    triggers = []
    for name, sql in found:
        head = sql.split("BEGIN", 1)[0]
        if not re.search(r"\bAFTER\s+INSERT\s+ON\b", head, re.I) or re.search(
            r"\b(WHEN|FOR EACH STATEMENT)\b", head, re.I
        ):
            continue
        body = _SINGLE_INSERT.search(sql)
        if body is None:
            continue
        into, values = body.groups()
        bulk = f"{into} SELECT {values} FROM {quoted} AS new WHERE new.id BETWEEN %s AND %s"
        triggers.append((name, sql, bulk))
    return triggers


@contextmanager
def indexed_once_written(model, keys: list[int]):
    """Inside: rows of `model` with these keys are inserted without their SQLite insert triggers
    firing; on leaving, each trigger's statement runs once for the keys, and the triggers are
    back. The keys must be a run of consecutive integers (as allocate_ids gives them)."""
    if connection.vendor != "sqlite" or not keys:
        yield
        return
    assert keys == list(range(keys[0], keys[0] + len(keys))), "keys must be consecutive"
    triggers = _insert_triggers(model._meta.db_table)
    with connection.cursor() as cursor:
        for name, _sql, _bulk in triggers:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        try:
            yield
            for _name, _sql, bulk in triggers:
                cursor.execute(bulk, [keys[0], keys[-1]])
        finally:
            for _name, sql, _bulk in triggers:
                cursor.execute(sql)
