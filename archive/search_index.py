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
any search text. A word with few enough postings has its publications' ids read out first and
named to the list's queries as an array (several such words intersected by the database); a
longer CJK word held in too many of the vocabulary's words is looked up by its rarest pair, and
those few texts checked. Other words fall back to LIKE over the text, served by the trigram
index of migration 0004. Both databases find the same rows.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, F, Func, IntegerField, Q
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
_ALL_CJK_LONG = re.compile(f"[{CJK_CHARACTERS}]{{3,}}")
# How many searches' matches (SQLite) or words' postings (PostgreSQL) a process keeps under the
# content version: at most 32 × 30,000 ids, a few MB.
SEARCHES_KEPT = 32


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
    than against every word's (a common word's 30,000 of them read for nothing). PostgreSQL
    intersects the publications of the words it read out (`_posted_everywhere`)."""
    if model._meta.db_table != PUBLICATION_TABLE:
        return [contains(model, term) for term in terms]
    database = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql" and _has_table(database, POSTINGS_TABLE):
        return _posted_everywhere(terms)
    if connection.vendor != "sqlite":
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
        condition, *others = _posted_everywhere([term])
        for other in others:
            condition &= other
        return condition
    return Q(search_text__contains=term)


def _like_escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _AmongIds(Func):
    """`id = ANY(array)`: one parameter however many ids. Sought by key (the list fetches those
    few rows and sorts or counts them), or, for more, as `id + 0`, which no index serves: the
    list then walks its order or filter index and checks each entry against the array, which
    PostgreSQL hashes (a deep page of a word in 15% of the archive: 1 ms rather than 25 probing
    the postings row by row)."""

    output_field = BooleanField()

    def __init__(self, expression, ids: str, *, count: int):
        super().__init__(expression)
        self.ids = ids  # as PostgreSQL writes an array, '{1,2,3}': sent as one string
        self.count = count

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        sought = _sought_by_key.get()
        if self.count > (FEW_POSTINGS if sought is None else sought):
            sql = f"({sql} + 0)"
        return f"{sql} = ANY(%s::bigint[])", (*params, self.ids)


# Counting reads every match wherever it is: each is sought by key up to this many (2,488
# matches: 6-7 ms rather than the 13 of checking 100,000 index entries against them; PostgreSQL
# reads them through the primary key and the rows, so 5,000 cost about what the check does),
# where a page of keys, which stops after its rows, walks the order index past 2,000.
FEW_POSTINGS_COUNTED = 5_000
_sought_by_key: ContextVar[int | None] = ContextVar("sought_by_key", default=None)


@contextmanager
def counting_matches() -> Iterator[None]:
    """While a query that counts every match (the facets) is compiled: seek more of them by key."""
    token = _sought_by_key.set(FEW_POSTINGS_COUNTED)
    try:
        yield
    finally:
        _sought_by_key.reset(token)


# With this many matching publications or fewer, they are sought by key; with up to
# MOST_POSTINGS_NAMED postings, named to the list as an array it checks its index against.
# A commoner word is left to the postings as a subquery (reading out 100,000 ids costs more
# than it saves).
FEW_POSTINGS = 2000
MOST_POSTINGS_NAMED = 30_000


def _posted_everywhere(terms: list[str]) -> list:
    """PostgreSQL's conditions for publications holding every one of `terms`. The publications
    of the terms with few enough postings are read out, intersected by the database when there
    are several (`soviet` and `famine`, 16,000 publications each, have 2,500 in common), and
    named to the list as one array. What is read is kept in the process under the content
    version, so the list's queries (the counts, the page's keys) read it once."""
    conditions, named, common, texts = [], [], [], []
    found = None
    version, database = archive_version(), connection.settings_dict["NAME"]
    for term in terms:
        kind, words, found = _looked_up_among(version, database, term, terms)
        if kind == "nothing":
            return [Q(pk__in=[])]
        if kind in ("named", "candidates"):
            named.append(words)
            if kind == "candidates":
                texts.append(term)
        elif kind == "words":
            common.append(words)
        else:
            conditions.append(Q(search_text__contains=term))
    if not named:
        for words in common:
            placeholders = ", ".join(["%s"] * len(words))
            postings = RawSQL(
                f"SELECT publication_id FROM {POSTINGS_TABLE} WHERE token_id IN ({placeholders})",
                words,
            )
            conditions.append(In(F("pk"), postings))
        return conditions
    if common or found is None:
        # Several words intersected; a commoner word with them is probed for each of their
        # publications (`radio ruilanyurui`: 16,000 probes, where the list's queries would hash
        # the common word's 110,000 postings).
        found = _holding_every(version, database, named, common)
    count, ids = found
    if not count:
        return [Q(pk__in=[])]
    conditions.insert(0, _AmongIds(F("pk"), ids, count=count))
    conditions += [Q(search_text__contains=term) for term in texts]
    return conditions


def published_matches_posted(terms: list[str]) -> tuple[str, list] | None:
    """PostgreSQL: a query of the journal, year and type of every published publication holding
    all of `terms` (already normalised), read from postings alone, which hold them (migration
    0015): a word's own postings, or for several words, the first word's among the publications
    that hold every one (the intersection the list reads anyway). A publication holding two of
    a word's vocabulary entries (`khrushchev`, `khrushchev.`) is read once. None on SQLite, when
    a term is found otherwise (by LIKE over the text, or by its rarest pair and the text
    checked), or when every term is too common to be read out."""
    database = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not _has_table(database, POSTINGS_TABLE):
        return None
    version = archive_version()
    looked_up = [_looked_up_among(version, database, term, terms) for term in terms]
    if not looked_up or any(kind not in ("named", "words") for kind, _, _ in looked_up):
        return None
    named = [words for kind, words, _ in looked_up if kind == "named"]
    common = [words for kind, words, _ in looked_up if kind == "words"]
    holding_all = None
    if len(terms) == 1:
        words = looked_up[0][1]
    elif named:
        words = named[0]
        _, holding_all = _holding_every(version, database, named, common)
    else:
        return None
    once = "DISTINCT ON (publication_id) " if len(words) > 1 else ""
    sql = (
        f"SELECT {once}journal_id, year, publication_type FROM {POSTINGS_TABLE} "
        "WHERE token_id = ANY(%s) AND published"
    )
    if holding_all is None:
        return sql, [words]
    # Checked against the hashed ids as the word's postings are read (by key, each id would be
    # sought once for each of the word's entries).
    return f"{sql} AND publication_id + 0 = ANY(%s::bigint[])", [words, holding_all]


def _looked_up_among(version: str, database, term: str, terms: list[str]):
    """`term` looked up as a search of `terms` needs it (its ids read out when it is the only
    word), so that the list's conditions and its counts share what was read."""
    return _looked_up(version, database, term, len(terms) == 1)


@lru_cache(maxsize=SEARCHES_KEPT)
def _looked_up(version: str, database, term: str, with_ids: bool):
    """`_look_up` kept in the process under the content version: a page counted afresh asks it
    for its counts and again for its page of keys (3-4 ms each for a word in 15% of the
    archive)."""
    return _look_up(term, with_ids=with_ids)


def _look_up(term: str, *, with_ids: bool) -> tuple[str, list[int] | None, tuple | None]:
    """How PostgreSQL finds the publications containing `term`, in one query: ("named", the
    vocabulary ids of a word with few enough postings to read them out, and when `with_ids`
    how many publications hold it and their ids), ("candidates", the same for the rarest pair
    of a long CJK word, whose text is then checked), ("words", those of a commoner word, whose
    postings the list's queries read themselves), ("text", ...) for LIKE, or ("nothing", ...)."""
    if len(term) >= TRIGRAM:
        condition, params = "token LIKE %s", ["%" + _like_escaped(term) + "%"]
    elif _ALL_CJK.fullmatch(term):
        condition, params = "md5(token) = md5(%s) AND token = %s", [term, term]
    else:
        return ("text", None, None)
    words, postings, found = _postings(condition, params, with_ids=with_ids)
    if words is None:
        if _ALL_CJK_LONG.fullmatch(term):
            return _by_pairs(term, with_ids=with_ids)
        return ("text", None, None)
    if not words or found == (0, "{}"):
        return ("nothing", None, None)
    # A query word has no space, so it lies within one word of the text: the publications that
    # hold a word containing it are those whose text contains it.
    if postings <= MOST_POSTINGS_NAMED:
        return ("named", words, found)
    return ("words", words, None)


# More words than this in the vocabulary contain the term (a common syllable): the trigram
# index of the whole text (migration 0004), which PostgreSQL can estimate, serves better.
MOST_WORDS_LOOKED_UP = 200


def _postings(
    condition: str,
    params: list,
    *,
    with_ids: bool,
    most: int = MOST_POSTINGS_NAMED,
    listed: int | None = None,
):
    """The words of the vocabulary that meet `condition` (None when there are too many to
    list), how many postings they have (read up to one more than `most`), and, when `with_ids`
    and there are no more than `most`, how many and the ids of their publications as the text
    of an array (read and sent on as one string; a publication holding two of the words is
    named twice, which `= ANY` does not mind). The words are named to the list's
    queries themselves, so that PostgreSQL plans with their postings' statistics."""
    listed = MOST_WORDS_LOOKED_UP if listed is None else listed
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH words AS MATERIALIZED (
                SELECT id FROM {TOKEN_TABLE} WHERE {condition} LIMIT {listed + 1}
            ), postings AS MATERIALIZED (
                SELECT cardinality(posted) AS size, posted FROM (
                    SELECT ARRAY(
                        SELECT publication_id FROM {POSTINGS_TABLE}
                        WHERE token_id = ANY(ARRAY(SELECT id FROM words)) LIMIT %s
                    ) AS posted OFFSET 0
                ) AS read  -- OFFSET 0: the array made once, not once for each use of it
            )
            SELECT ARRAY(SELECT id FROM words), size,
                CASE WHEN %s AND size <= %s THEN posted::text END
            FROM postings""",
            [*params, most + 1, with_ids, most],
        )
        words, postings, ids = cursor.fetchone()
    if len(words) > listed:
        return None, None, None
    return words, postings, None if ids is None else (_size(ids), ids)


def _size(ids: str) -> int:
    """How many ids the text of an array holds."""
    return 0 if ids == "{}" else ids.count(",") + 1


def _holding_every(version: str, database, named: list, common: list) -> tuple[int, str]:
    """`_held_by_all` of these lists of word ids, made hashable for its cache."""
    return _held_by_all(version, database, tuple(map(tuple, named)), tuple(map(tuple, common)))


@lru_cache(maxsize=SEARCHES_KEPT)
def _held_by_all(version: str, database, named: tuple, common: tuple) -> tuple[int, str]:
    """`_holding_all`, kept in the process under the content version, for the page's keys after
    its counts (6-7 ms for `soviet famine`, 50-70 for `radio ruilanyurui`)."""
    return _holding_all([list(words) for words in named], [list(words) for words in common])


def _holding_all(named: list[list[int]], common: list[list[int]]) -> tuple[int, str]:
    """How many publications hold a word of each list, and their ids as the text of an array:
    those of the `named` lists read out and intersected, then probed in the postings of the
    `common` ones."""
    holding = " INTERSECT ".join(
        f"SELECT publication_id FROM {POSTINGS_TABLE} WHERE token_id = ANY(%s)" for _ in named
    )
    if len(named) == 1:  # a publication may hold several of the words
        holding = holding.replace("SELECT", "SELECT DISTINCT", 1)
    probes = "".join(
        f" AND EXISTS (SELECT FROM {POSTINGS_TABLE} WHERE token_id = ANY(%s) "
        "AND publication_id = holding.publication_id OFFSET 0)"  # OFFSET: probed, not hashed
        for _ in common
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(array_agg(publication_id), '{}')::text "
            f"FROM ({holding}) AS holding WHERE TRUE{probes}",
            [*named, *common],
        )
        (ids,) = cursor.fetchone()
    return _size(ids), ids


def _by_pairs(term: str, *, with_ids: bool) -> tuple[str, list[int] | None, tuple | None]:
    """A CJK word of three characters or more held in too many of the vocabulary's words (each
    run of CJK without spaces is one): a text containing it holds each of its pairs of adjacent
    characters, so the publications holding its rarest pair are the candidates, and the text of
    those few is checked for the whole word (`苏联专家`: the 751 holding `联专`)."""
    pairs = sorted({term[i : i + 2] for i in range(len(term) - 1)})
    rarest = None
    for pair in pairs:
        words, postings, found = _postings(
            "md5(token) = md5(%s) AND token = %s",
            [pair, pair],
            with_ids=with_ids,
            most=FEW_POSTINGS,
            listed=1,  # a pair is one word of the vocabulary at most
        )
        if not words:
            return ("nothing", None, None)  # a pair no text holds
        if postings <= FEW_POSTINGS and (rarest is None or postings < rarest[0]):
            rarest = (postings, words, found)
    if rarest is None:  # every pair common: the trigram index of the whole text (0004)
        return ("text", None, None)
    return ("candidates", rarest[1], rarest[2])


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


def _matching(table: str, terms: list[str]) -> In | Q:
    # FTS5 quoting: every character of a phrase literal; phrases joined by AND all match.
    phrases = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
    count, ids = _matches(archive_version(), connection.settings_dict["NAME"], table, phrases)
    if ids is None:
        found = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrases])
        return In(Unindexed(F("pk")), found)
    if not count:
        return Q(pk__in=[])
    named = RawSQL("SELECT value FROM json_each(%s)", [ids])
    return In(F("pk") if count <= FEW_MATCHES_SOUGHT else Unindexed(F("pk")), named)


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


class Unindexed(Func):
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
