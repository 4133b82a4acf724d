"""On PostgreSQL, each posting holds its publication's facet columns, so that a search is counted
from its words' postings alone.

The publication list counts a search's matches by journal, year and type. With the matches'
ids named as an array, PostgreSQL read all 100,000 entries of the filter index by id and checked
each against them: a word in 15% of the archive (`khrushchev`, `苏联`) took 22-23 ms of a 57 ms
page whenever the counts were not kept (after any write). A posting now holds whether its
publication is published, and its journal, year and type, in the primary key's index as
included columns: those 15,000 postings are read in id order from one stretch of the index and
counted there (about 8 ms). The postings and their key take twice the room (713 MB to 1.44 GB
at 100,000 publications, rewritten in 55 s).

The statement triggers of migration 0011 write the columns with each new posting, and rewrite
a publication's postings when a statement changes its status, journal, year or type (every word
of its text, looked up in the vocabulary as the postings' key needs: 2,000 publications made
drafts at once take 3.1 s rather than 1.3). The rows already posted
are copied once into a new table, in key order, with the columns filled from their publications.
SQLite, whose full-text tables count their matches through an index of their own (migration
0012), is unchanged.
"""

import importlib

from django.db import migrations

from archive.search_index import POSTINGS_TABLE, TOKEN_TABLE

# What removing postings and checking the table take from 0011, unchanged.
m0011 = importlib.import_module("archive.migrations.0011_postings_per_statement_and_list_indexes")
TABLE, TOKENS_FUNCTION, STATEMENT_FUNCTION = (
    m0011.TABLE,
    m0011.TOKENS_FUNCTION,
    m0011.STATEMENT_FUNCTION,
)
DELETED, UPDATE_GONE, _remove = m0011.DELETED, m0011.UPDATE_GONE, m0011._remove
_pairs_and_words, _literal, _has_postings = (
    m0011._pairs_and_words,
    m0011._literal,
    m0011._has_postings,
)

PRIMARY_KEY = f"{POSTINGS_TABLE}_pkey"

# The facet columns of a posting, as a publication row (`row`) gives them.
FACETS = ("published", "journal_id", "year", "publication_type")


def _facets_of(row: str) -> str:
    return (
        f"{row}.status = 'published' AS published, {row}.journal_id, {row}.year, "
        f"{row}.publication_type"
    )


# (publication id, word, facet columns) a statement adds.
INSERTED = f"""SELECT id, word, {_facets_of("new_rows")}
    FROM new_rows, {TOKENS_FUNCTION}(search_text) AS word"""
CHANGED = f"""SELECT before.id, before.search_text AS old_text, after.search_text AS new_text,
        {_facets_of("after")}
    FROM old_rows AS before JOIN new_rows AS after ON after.id = before.id
    WHERE before.search_text IS DISTINCT FROM after.search_text"""
UPDATE_ADDED = f"""SELECT changed.id, word, {", ".join(f"changed.{name}" for name in FACETS)}
    FROM ({CHANGED}) AS changed, LATERAL (
        SELECT {TOKENS_FUNCTION}(changed.new_text) EXCEPT SELECT {TOKENS_FUNCTION}(changed.old_text)
    ) AS added(word)"""


def _differ(before: str, after: str) -> str:
    return (
        f"({before}.status = 'published', {before}.journal_id, {before}.year, "
        f"{before}.publication_type) IS DISTINCT FROM ({after}.status = 'published', "
        f"{after}.journal_id, {after}.year, {after}.publication_type)"
    )


# Every word of the publications whose facet columns a statement changed, with their new values.
RESTATED = f"""SELECT after.id, word, {_facets_of("after")}
    FROM old_rows AS before JOIN new_rows AS after ON after.id = before.id,
         {TOKENS_FUNCTION}(after.search_text) AS word
    WHERE {_differ("before", "after")}"""

COLUMNS = ", ".join(("token_id", "publication_id", *FACETS))
PAIRS_COLUMNS = ", ".join(f"pairs.{name}" for name in FACETS)


# As in 0011: new words enter the vocabulary in md5 order and every pair is posted, now with
# its facet columns; the number of words another writer committed first is returned.
def _add(pairs: str, *, new_publications: bool) -> str:
    conflicts = "" if new_publications else "ON CONFLICT DO NOTHING"
    return f"""WITH {_pairs_and_words(pairs)},
    added AS (
        INSERT INTO {TOKEN_TABLE} (token)
        SELECT word FROM words WHERE NOT EXISTS (SELECT FROM known WHERE known.token = words.word)
        ORDER BY md5(word)
        ON CONFLICT (md5(token)) DO NOTHING
        RETURNING id, token
    ),
    posted AS (
        INSERT INTO {POSTINGS_TABLE} ({COLUMNS})
        SELECT ids.id, pairs.id, {PAIRS_COLUMNS} FROM pairs
        JOIN (SELECT id, token FROM known UNION ALL SELECT id, token FROM added) AS ids
          ON ids.token = pairs.word
        ORDER BY 1, 2
        {conflicts}
    )
    SELECT (SELECT count(*) FROM words) - (SELECT count(*) FROM known)
         - (SELECT count(*) FROM added)"""


def _add_raced(pairs: str) -> str:
    return f"""WITH {_pairs_and_words(pairs)}
    INSERT INTO {POSTINGS_TABLE} ({COLUMNS})
    SELECT known.id, pairs.id, {PAIRS_COLUMNS} FROM pairs JOIN known ON known.token = pairs.word
    ON CONFLICT DO NOTHING"""


# Each posting of a restated publication found by its key (word, publication), in key order.
def _restate(pairs: str) -> str:
    assignments = ", ".join(f"{name} = restated.{name}" for name in FACETS)
    return f"""WITH {_pairs_and_words(pairs)},
    restated AS MATERIALIZED (
        SELECT known.id AS token_id, pairs.id AS publication_id, {PAIRS_COLUMNS}
        FROM pairs JOIN known ON known.token = pairs.word
        ORDER BY 1, 2
    )
    UPDATE {POSTINGS_TABLE} AS posting SET {assignments} FROM restated
    WHERE posting.token_id = restated.token_id
      AND posting.publication_id = restated.publication_id"""


SYNC = f"""
CREATE OR REPLACE FUNCTION {STATEMENT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    raced bigint;
    texts_changed boolean;
    facets_changed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE {_literal(_add(INSERTED, new_publications=True))} INTO raced;
        IF raced > 0 THEN
            EXECUTE {_literal(_add_raced(INSERTED))};
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE {_literal(_remove(DELETED))};
    ELSE
        SELECT coalesce(bool_or(before.search_text IS DISTINCT FROM after.search_text), false),
               coalesce(bool_or({_differ("before", "after")}), false)
        INTO texts_changed, facets_changed
        FROM old_rows AS before JOIN new_rows AS after ON after.id = before.id;
        IF texts_changed THEN
            EXECUTE {_literal(_remove(UPDATE_GONE))};
            EXECUTE {_literal(_add(UPDATE_ADDED, new_publications=False))} INTO raced;
            IF raced > 0 THEN
                EXECUTE {_literal(_add_raced(UPDATE_ADDED))};
            END IF;
        END IF;
        IF facets_changed THEN
            EXECUTE {_literal(_restate(RESTATED))};
        END IF;
    END IF;
    RETURN NULL;
END
$$"""

REBUILT = f"{POSTINGS_TABLE}_rebuilt"

FORWARDS = [
    f"""CREATE TABLE {REBUILT} (
        token_id bigint NOT NULL,
        publication_id bigint NOT NULL,
        published boolean NOT NULL,
        journal_id bigint,
        year smallint,
        publication_type text NOT NULL
    )""",
    f"""INSERT INTO {REBUILT} ({COLUMNS})
        SELECT posting.token_id, posting.publication_id, {_facets_of("publication")}
        FROM {POSTINGS_TABLE} AS posting
        JOIN {TABLE} AS publication ON publication.id = posting.publication_id
        ORDER BY 1, 2""",
    f"DROP TABLE {POSTINGS_TABLE}",
    f"ALTER TABLE {REBUILT} RENAME TO {POSTINGS_TABLE}",
    f"""ALTER TABLE {POSTINGS_TABLE} ADD CONSTRAINT {PRIMARY_KEY}
        PRIMARY KEY (token_id, publication_id) INCLUDE ({", ".join(FACETS)})""",
    f"ALTER TABLE {POSTINGS_TABLE} ALTER COLUMN token_id SET STATISTICS 10000",
    SYNC,
    f"ANALYZE {POSTINGS_TABLE}",
]

BACKWARDS = [
    f"ALTER TABLE {POSTINGS_TABLE} DROP CONSTRAINT {PRIMARY_KEY}",
    *(f"ALTER TABLE {POSTINGS_TABLE} DROP COLUMN {name}" for name in FACETS),
    f"ALTER TABLE {POSTINGS_TABLE} ADD CONSTRAINT {PRIMARY_KEY} PRIMARY KEY (token_id, publication_id)",
    f"ANALYZE {POSTINGS_TABLE}",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and _has_postings(schema_editor):
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and _has_postings(schema_editor):
        # 0011's trigger function, which writes the two columns a posting had then.
        for statement in [
            m0011.SYNC.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
            *BACKWARDS,
        ]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0014_publication_facet_counts"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
