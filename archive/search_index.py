"""Where a search word is looked up: in SQLite's full-text indexes of publications when it can be.

Migration 0006 gives SQLite a full-text table of the publications' search text with the trigram
tokenizer: a phrase query there finds the rows that contain a word of three characters or more as
a substring, as `LIKE '%word%'` does, without reading every row. Shorter words have no trigram.
In Chinese, Japanese and Korean they are the common case (`苏联`, `毛`), so migration 0008 adds a
second table holding each publication's CJK characters and pairs of adjacent CJK characters as
words (`cjk_grams`): a text contains `苏联` exactly when `苏联` is among its pairs. Other short
words (`ab`) are still matched with LIKE. PostgreSQL answers LIKE from its own trigram index
(migration 0004). Both databases find the same rows.
"""

import re
from functools import cache

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F, Func, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

PUBLICATION_TABLE = "archive_publication"
SEARCH_TABLE = "archive_publication_search"
CJK_TABLE = "archive_publication_cjk"
CJK_GRAMS_FUNCTION = "archive_cjk_grams"
TRIGRAM = 3

# Han (with extensions and compatibility ideographs), kana and Hangul syllables: scripts written
# without spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_ALL_CJK = re.compile(f"[{_CJK}]{{1,2}}")


def cjk_grams(text) -> str:
    """Every CJK character of `text` and every pair of adjacent ones, as space-separated words:
    "苏联工人" -> "苏 联 工 人 苏联 联工 工人"."""
    grams: dict[str, None] = {}
    for run in _CJK_RUN.findall(text or ""):
        grams.update(dict.fromkeys(run))
        grams.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
    return " ".join(grams)


def contains(model, term: str) -> Q:
    """Records of `model` whose search text contains `term` (already normalised)."""
    if model._meta.db_table == PUBLICATION_TABLE and connection.vendor == "sqlite":
        if len(term) >= TRIGRAM and _has_table(connection.settings_dict["NAME"], SEARCH_TABLE):
            return _matching(SEARCH_TABLE, term)
        if _ALL_CJK.fullmatch(term) and _has_table(connection.settings_dict["NAME"], CJK_TABLE):
            return _matching(CJK_TABLE, term)
    return Q(search_text__contains=term)


def _matching(table: str, term: str) -> In:
    phrase = '"' + term.replace('"', '""') + '"'  # FTS5 quoting: every character literal
    found = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrase])
    return In(_Unindexed(F("pk")), found)


class _Unindexed(Func):
    """`+id`: the same value, which SQLite will not look up row by row. The list then walks its
    covering indexes (in the order shown, or counting) and checks each key against the words'
    matches, instead of reading every matching row, most of it search text, to sort or count it."""

    template = "+%(expressions)s"
    output_field = IntegerField()


@cache
def _has_table(database_name, table: str) -> bool:
    # Per database: the test run creates its own, and an SQLite build without FTS5 has none.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        return cursor.fetchone() is not None


def _add_cjk_grams_function(sender, connection, **kwargs):
    # The triggers of migration 0008 call it whenever a publication's search text is written.
    if connection.vendor == "sqlite":
        connection.connection.create_function(CJK_GRAMS_FUNCTION, 1, cjk_grams, deterministic=True)


connection_created.connect(_add_cjk_grams_function, dispatch_uid="archive_cjk_grams")
