"""Search postings kept once per statement, and three indexes the public pages were missing.

- The postings of migration 0010 were kept by row triggers: a word lookup and two inserts for
  every publication written, 13 ms a row on PostgreSQL, three times the rest of an import's
  work. Statement triggers now read the statement's rows as transition tables (`new_rows`,
  `old_rows`) and keep the vocabulary and the postings in one or two set-based statements
  whatever the number of rows, each text split into words once; the import sends a chunk's rows
  in one COPY (importing/rows_sql.py), so its triggers run once per chunk. Each statement is
  planned for the rows it is given (EXECUTE): a single admin edit looks its words up by index,
  an import of thousands may hash the vocabulary. New words enter the vocabulary in md5 order,
  as before, so that two writers adding the same words wait for each other rather than
  deadlock; the words another writer committed first are posted by a later statement, which
  sees them.
- On PostgreSQL (SQLite's plans gained nothing from them, see NEW_INDEXES):
  - the date-ordered list indexes of 0006 hold the year, so that a search limited to a range of
    years checks it in the index instead of reading a row per entry (`soviet famine` 1970-1990:
    the page's keys in 22-25 ms rather than 125-150, on 100,000 publications);
  - a person's credits are read from an index of (person, publication, role, id) alone (1,514
    credits in 4.5 ms rather than 11-15, with no parallel worker);
  - a journal's page, newest year first and undated last, walks an index in that order (its
    descending index otherwise puts the undated rows first): the first page of 3,818 in 0.05 ms
    rather than 2-4. SQLite sorts NULLs last in a descending scan already.
"""

from django.db import migrations

from archive.search_index import POSTINGS_TABLE, TOKEN_TABLE

TABLE = "archive_publication"
TOKENS_FUNCTION = "archive_search_tokens"
ROW_FUNCTION = "archive_publication_tokens_sync"  # 0010's row trigger function
STATEMENT_FUNCTION = "archive_publication_tokens_sync_statement"

# (publication id, word) pairs a statement adds or removes, by trigger.
INSERTED = f"SELECT id, word FROM new_rows, {TOKENS_FUNCTION}(search_text) AS word"
DELETED = f"SELECT id, word FROM old_rows, {TOKENS_FUNCTION}(search_text) AS word"
CHANGED = """SELECT before.id, before.search_text AS old_text, after.search_text AS new_text
    FROM old_rows AS before JOIN new_rows AS after ON after.id = before.id
    WHERE before.search_text IS DISTINCT FROM after.search_text"""
UPDATE_ADDED = f"""SELECT changed.id, word FROM ({CHANGED}) AS changed, LATERAL (
        SELECT {TOKENS_FUNCTION}(changed.new_text) EXCEPT SELECT {TOKENS_FUNCTION}(changed.old_text)
    ) AS added(word)"""
UPDATE_GONE = f"""SELECT changed.id, word FROM ({CHANGED}) AS changed, LATERAL (
        SELECT {TOKENS_FUNCTION}(changed.old_text) EXCEPT SELECT {TOKENS_FUNCTION}(changed.new_text)
    ) AS gone(word)"""


# The words of the pairs found in the vocabulary, each looked up once by its hash.
def _pairs_and_words(pairs: str) -> str:
    return f"""pairs AS MATERIALIZED ({pairs}),
    words AS MATERIALIZED (SELECT DISTINCT word FROM pairs),
    known AS MATERIALIZED (
        SELECT vocabulary.id, vocabulary.token FROM words JOIN {TOKEN_TABLE} AS vocabulary
        ON md5(vocabulary.token) = md5(words.word) AND vocabulary.token = words.word
    )"""


# New words enter the vocabulary and every pair is posted, in one statement that reads the
# statement's text once. It returns how many new words another writer committed first (its
# INSERT did nothing for them, and this statement's snapshot cannot see them): their postings
# are then written by `_add_raced`, a later statement that sees them. New publications have no
# postings yet: they are written without ON CONFLICT, which costs half as much again.
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
        INSERT INTO {POSTINGS_TABLE} (token_id, publication_id)
        SELECT ids.id, pairs.id FROM pairs
        JOIN (SELECT id, token FROM known UNION ALL SELECT id, token FROM added) AS ids
          ON ids.token = pairs.word
        ORDER BY 1, 2
        {conflicts}
    )
    SELECT (SELECT count(*) FROM words) - (SELECT count(*) FROM known)
         - (SELECT count(*) FROM added)"""


def _add_raced(pairs: str) -> str:
    return f"""WITH {_pairs_and_words(pairs)}
    INSERT INTO {POSTINGS_TABLE} (token_id, publication_id)
    SELECT known.id, pairs.id FROM pairs JOIN known ON known.token = pairs.word
    ON CONFLICT DO NOTHING"""


def _remove(pairs: str) -> str:
    return f"""WITH {_pairs_and_words(pairs)},
    gone AS MATERIALIZED (
        SELECT known.id AS token_id, pairs.id AS publication_id
        FROM pairs JOIN known ON known.token = pairs.word
    )
    DELETE FROM {POSTINGS_TABLE} AS posting USING gone
    WHERE posting.token_id = gone.token_id AND posting.publication_id = gone.publication_id"""


def _literal(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


SYNC = f"""
CREATE FUNCTION {STATEMENT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    raced bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE {_literal(_add(INSERTED, new_publications=True))} INTO raced;
        IF raced > 0 THEN
            EXECUTE {_literal(_add_raced(INSERTED))};
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE {_literal(_remove(DELETED))};
    ELSIF EXISTS (
        SELECT FROM old_rows AS before JOIN new_rows AS after ON after.id = before.id
        WHERE before.search_text IS DISTINCT FROM after.search_text
    ) THEN
        EXECUTE {_literal(_remove(UPDATE_GONE))};
        EXECUTE {_literal(_add(UPDATE_ADDED, new_publications=False))} INTO raced;
        IF raced > 0 THEN
            EXECUTE {_literal(_add_raced(UPDATE_ADDED))};
        END IF;
    END IF;
    RETURN NULL;
END
$$"""

ROW_TRIGGERS = {
    "insert": f"""CREATE TRIGGER {POSTINGS_TABLE}_insert AFTER INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}()""",
    "update": f"""CREATE TRIGGER {POSTINGS_TABLE}_update AFTER UPDATE OF search_text ON {TABLE}
        FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
        EXECUTE FUNCTION {ROW_FUNCTION}()""",
    "delete": f"""CREATE TRIGGER {POSTINGS_TABLE}_delete AFTER DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}()""",
}

# A trigger with transition tables cannot name columns: the update trigger fires on every
# UPDATE and returns at once when no search text changed.
STATEMENT_TRIGGERS = {
    "insert": f"""CREATE TRIGGER {POSTINGS_TABLE}_insert AFTER INSERT ON {TABLE}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {STATEMENT_FUNCTION}()""",
    "update": f"""CREATE TRIGGER {POSTINGS_TABLE}_update AFTER UPDATE ON {TABLE}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {STATEMENT_FUNCTION}()""",
    "delete": f"""CREATE TRIGGER {POSTINGS_TABLE}_delete AFTER DELETE ON {TABLE}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {STATEMENT_FUNCTION}()""",
}

# name: (PostgreSQL columns, SQLite columns), None where an index does not help, which is then
# left as it was. Measured on SQLite at 100,000 publications, neither the year in the list
# indexes (24.6 ms CPU for `soviet famine` 1970-1990 either way) nor a covering index of credits
# (a person's 1,500 credits in 11-12 ms either way: its authorship rows are narrow already)
# changed what a page costs; they would only slow its imports.
NEW_INDEXES = {
    "archive_pub_list_newest": (
        f"{TABLE} (status, date_sort DESC NULLS LAST, title, id) INCLUDE (year)",
        None,
    ),
    "archive_pub_list_oldest": (
        f"{TABLE} (status, date_sort NULLS LAST, title, id) INCLUDE (year)",
        None,
    ),
    "archive_authorship_person_works": (
        "archive_authorship (person_id, publication_id, role, id)",
        None,
    ),
    "archive_pub_journal_newest": (
        f"{TABLE} (status, journal_id, year DESC NULLS LAST, date_sort DESC NULLS LAST, title, id)",
        None,
    ),
}

# 0006's list indexes, restored when going back (on PostgreSQL: SQLite's were left as they were).
OLD_INDEXES = {
    "archive_pub_list_newest": (
        f"{TABLE} (status, date_sort DESC NULLS LAST, title, id)",
        None,
    ),
    "archive_pub_list_oldest": (
        f"{TABLE} (status, date_sort NULLS LAST, title, id)",
        None,
    ),
}


def _indexes(indexes: dict, vendor: str) -> list[str]:
    statements = []
    for name, (postgresql, sqlite) in indexes.items():
        columns = postgresql if vendor == "postgresql" else sqlite
        if columns is not None:
            statements += [f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {columns}"]
    return statements


def _triggers(triggers: dict) -> list[str]:
    return [
        statement
        for event, create in triggers.items()
        for statement in (f"DROP TRIGGER IF EXISTS {POSTINGS_TABLE}_{event} ON {TABLE}", create)
    ]


def _tokens_per_text(rows: int) -> str:
    # What the planner expects of a text's words: a title, an abstract and names give about 50
    # (PostgreSQL's default for a set-returning function is 1,000).
    return f"ALTER FUNCTION {TOKENS_FUNCTION}(text) ROWS {rows}"


def _has_postings(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [POSTINGS_TABLE])
        return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _indexes(NEW_INDEXES, vendor)
    if vendor == "postgresql" and _has_postings(schema_editor):
        statements += [SYNC, *_triggers(STATEMENT_TRIGGERS), _tokens_per_text(100)]
    for statement in statements:
        schema_editor.execute(statement)
    if vendor == "postgresql":
        schema_editor.execute(f"ANALYZE {TABLE}")
        schema_editor.execute("ANALYZE archive_authorship")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _indexes(OLD_INDEXES, vendor)
    statements += [
        f"DROP INDEX IF EXISTS {name}" for name in NEW_INDEXES if name not in OLD_INDEXES
    ]
    if vendor == "postgresql" and _has_postings(schema_editor):
        statements += [
            *_triggers(ROW_TRIGGERS),
            f"DROP FUNCTION IF EXISTS {STATEMENT_FUNCTION}()",
            _tokens_per_text(1000),
        ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0010_publication_search_tokens"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
