"""Where a search word is looked up: in SQLite's trigram index of publications when it can be.

Migration 0006 gives SQLite a full-text table of the publications' search text with the trigram
tokenizer. A phrase query there finds the rows that contain the word as a substring, as
`LIKE '%word%'` does, without reading every row; words of one or two characters (common in
Chinese) have no trigram and are still matched with LIKE. PostgreSQL answers LIKE from its own
trigram index (migration 0004). Both databases find the same rows.
"""

from functools import cache

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

PUBLICATION_TABLE = "archive_publication"
SEARCH_TABLE = "archive_publication_search"
TRIGRAM = 3


def contains(model, term: str) -> Q:
    """Records of `model` whose search text contains `term` (already normalised)."""
    if (
        model._meta.db_table == PUBLICATION_TABLE
        and len(term) >= TRIGRAM
        and connection.vendor == "sqlite"
        and _has_search_table(connection.settings_dict["NAME"])
    ):
        phrase = '"' + term.replace('"', '""') + '"'  # FTS5 quoting: every character literal
        return Q(
            pk__in=RawSQL(
                f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s", [phrase]
            )
        )
    return Q(search_text__contains=term)


@cache
def _has_search_table(database_name) -> bool:
    # Per database: the test run creates its own, and an SQLite build without FTS5 has none.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SEARCH_TABLE]
        )
        return cursor.fetchone() is not None
