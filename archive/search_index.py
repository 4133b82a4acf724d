"""Where a search word is looked up: in SQLite's full-text indexes of publications when it can be.

Migration 0006 gives SQLite a full-text table of the publications' search text with the trigram
tokenizer: a phrase query there finds the rows that contain a word of three characters or more as
a substring, as `LIKE '%word%'` does, without reading every row. Shorter words have no trigram.
In Chinese, Japanese and Korean they are the common case (`苏联`, `毛`), so migration 0008 adds a
second table holding each publication's CJK characters and pairs of adjacent CJK characters as
words (`cjk_grams`): a text contains `苏联` exactly when `苏联` is among its pairs. Other short
words (`ab`) are still matched with LIKE.

PostgreSQL keeps a vocabulary of every word of the publications' search text (between spaces
and line breaks) and of their CJK characters and pairs, with postings of which publications hold
each (migration 0010; kept by triggers that handle each statement's rows together, 0011). A
query word has no space, so a text contains it exactly when one of the text's words does: the
vocabulary's words containing it are read first (by its trigram index, or by equality for a
one- or two-character CJK word), then their publications from the postings, without reading
any search text. Other words fall back to LIKE over the text, served by the trigram index of
migration 0004. Both databases find the same rows.
"""

import re
from functools import cache, lru_cache

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F, Func, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from archive.freshness import archive_version

PUBLICATION_TABLE = "archive_publication"
SEARCH_TABLE = "archive_publication_search"
CJK_TABLE = "archive_publication_cjk"
CJK_GRAMS_FUNCTION = "archive_cjk_grams"
TOKEN_TABLE = "archive_search_token"
POSTINGS_TABLE = "archive_publication_token"
TRIGRAM = 3

# Han (with extensions and compatibility ideographs), kana and Hangul syllables: scripts written
# without spaces between words.
CJK_CHARACTERS = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{CJK_CHARACTERS}]+")
_ALL_CJK = re.compile(f"[{CJK_CHARACTERS}]{{1,2}}")


def cjk_grams(text) -> str:
    """Every CJK character of `text` and every pair of adjacent ones, as space-separated words:
    "苏联工人" -> "苏 联 工 人 苏联 联工 工人"."""
    grams: dict[str, None] = {}
    for run in _CJK_RUN.findall(text or ""):
        grams.update(dict.fromkeys(run))
        grams.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
    return " ".join(grams)


def containing_all(model, terms: list[str]) -> list:
    """The conditions that records of `model` whose search text contains every one of `terms`
    (already normalised) meet: one per term, except on SQLite, where the terms looked up in the
    same full-text table are asked of it together (`"soviet" AND "famine"`). FTS5 intersects
    their matches itself, and the list then checks its keys against one set of matches rather
    than against every word's (a common word's 30,000 of them read for nothing)."""
    if connection.vendor != "sqlite" or model._meta.db_table != PUBLICATION_TABLE:
        return [contains(model, term) for term in terms]
    by_table: dict[str, list[str]] = {}
    others = []
    for term in terms:
        table = _full_text_table(term)
        if table is None:
            others.append(contains(model, term))
        else:
            by_table.setdefault(table, []).append(term)
    return [_matching(table, words) for table, words in by_table.items()] + others


def contains(model, term: str) -> Q | In:
    """Records of `model` whose search text contains `term` (already normalised)."""
    if model._meta.db_table != PUBLICATION_TABLE:
        return Q(search_text__contains=term)
    database = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        table = _full_text_table(term)
        if table is not None:
            return _matching(table, [term])
    elif connection.vendor == "postgresql" and _has_table(database, POSTINGS_TABLE):
        if len(term) >= TRIGRAM:
            words = _words("token LIKE %s", ["%" + _like_escaped(term) + "%"])
        elif _ALL_CJK.fullmatch(term):
            words = _words("md5(token) = md5(%s) AND token = %s", [term, term])
        else:
            words = None
        if words is not None:
            return _posted(words)
    return Q(search_text__contains=term)


# More words than this in the vocabulary contain the term (a common syllable): the trigram
# index of the whole text (migration 0004), which PostgreSQL can estimate, serves better.
MOST_WORDS_LOOKED_UP = 200


def _words(condition: str, params: list) -> list[int] | None:
    """The ids of the words of the vocabulary that hold the term (migration 0010), or None when
    there are too many to list. Read beforehand, so that PostgreSQL plans with the words
    themselves: their postings' statistics tell a word in 15% of the archive (walk the list's
    index in order) from a rare one (fetch its few matches and sort them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {TOKEN_TABLE} WHERE {condition} LIMIT {MOST_WORDS_LOOKED_UP + 1}",
            params,
        )
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= MOST_WORDS_LOOKED_UP else None


def _like_escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _posted(words: list[int]) -> Q | In:
    # A query word has no space, so it lies within one word of the text: the publications that
    # hold a word containing it are those whose text contains it.
    if not words:
        return Q(pk__in=[])
    placeholders = ", ".join(["%s"] * len(words))
    found = RawSQL(
        f"SELECT publication_id FROM {POSTINGS_TABLE} WHERE token_id IN ({placeholders})", words
    )
    return In(F("pk"), found)


def _full_text_table(term: str) -> str | None:
    """The SQLite full-text table that finds the publications containing `term`, if any."""
    database = connection.settings_dict["NAME"]
    if len(term) >= TRIGRAM and _has_table(database, SEARCH_TABLE):
        return SEARCH_TABLE
    if _ALL_CJK.fullmatch(term) and _has_table(database, CJK_TABLE):
        return CJK_TABLE
    return None


# On SQLite a search's matches are read out once, as ids, and kept in the process under the
# archive's content version; the list's queries (the facet counts and total, the page's keys)
# are handed them as one JSON array rather than each asking the full-text table again. The
# phrase query is most of a search page's work (19 ms for a 13-letter word of common trigrams,
# 8 ms for a word in 15% of the archive), and a page counted afresh asked it twice. (Not in the
# shared file cache: compressing 15,000 ids for it cost more than reading them.)
# With this many matches or fewer, the list seeks them by id and sorts them (885 matches: 2 ms);
# with more, it walks its order index and checks each key against them, which finds a page's
# rows sooner.
FEW_MATCHES_SOUGHT = 3_000
# A word with more matches than this is not read out: the list's queries ask the full-text
# table themselves, as a subquery.
MOST_MATCHES_READ = 20_000
SEARCHES_KEPT = 32  # at most 32 × 20,000 ids (about 4 MB) per process


def _matching(table: str, terms: list[str]) -> In | Q:
    # FTS5 quoting: every character of a phrase literal; phrases joined by AND all match.
    phrases = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
    count, ids = _matches(archive_version(), connection.settings_dict["NAME"], table, phrases)
    if ids is None:
        found = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrases])
        return In(_Unindexed(F("pk")), found)
    if not count:
        return Q(pk__in=[])
    named = RawSQL("SELECT value FROM json_each(%s)", [ids])
    return In(F("pk") if count <= FEW_MATCHES_SOUGHT else _Unindexed(F("pk")), named)


@lru_cache(maxsize=SEARCHES_KEPT)
def _matches(version: str, database, table: str, phrases: str) -> tuple[int, str | None]:
    """How many publications of `database` match under this content `version`, and their ids
    as a JSON array (None when there are more than MOST_MATCHES_READ)."""
    with connection.cursor() as cursor:
        # The array made by SQLite: 18,000 ids in 1.5 ms, where rows made into Python objects
        # and the array written by Python took 5.7.
        cursor.execute(
            "SELECT count(*), json_group_array(rowid) FROM "
            f"(SELECT rowid FROM {table} WHERE {table} MATCH %s LIMIT %s)",
            [phrases, MOST_MATCHES_READ + 1],
        )
        count, ids = cursor.fetchone()
    return count, ids if count <= MOST_MATCHES_READ else None


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
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [table]
            )
        else:
            cursor.execute("SELECT 1 WHERE to_regclass(%s) IS NOT NULL", [table])
        return cursor.fetchone() is not None


def _add_cjk_grams_function(sender, connection, **kwargs):
    # The triggers of migration 0008 call it whenever a publication's search text is written.
    if connection.vendor == "sqlite":
        connection.connection.create_function(CJK_GRAMS_FUNCTION, 1, cjk_grams, deterministic=True)


connection_created.connect(_add_cjk_grams_function, dispatch_uid="archive_cjk_grams")
