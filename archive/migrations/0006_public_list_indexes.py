"""Indexes for the public publication list, which sorts and counts every published publication.

- A covering index per order the list offers (newest, oldest, title, most cited), so that a
  deep page walks index entries rather than sorting 100,000 rows, and one per count it shows
  (by journal, year and type), each holding every column the list filters on, so that a count
  under any filters reads an index rather than the rows.
  Undated and uncounted publications sort last: PostgreSQL needs NULLS LAST written in its
  index to use it for that order; SQLite refuses NULLS LAST in an index, and puts NULLs last in
  a descending one anyway. Hence SQL per database rather than `Meta.indexes`.
- On SQLite, a full-text table of `search_text` with the trigram tokenizer (FTS5, SQLite 3.34+),
  kept in step by triggers: `search.search_filter` looks up words of three characters or more
  in it instead of reading every row (PostgreSQL has its trigram index from 0004). Where the
  SQLite build lacks FTS5 or trigrams, nothing is created and search reads every row, as before.
"""

from django.db import migrations

TABLE = "archive_publication"
SEARCH_TABLE = "archive_publication_search"

# Every column the list filters on, so that a count under any filters reads only an index.
FILTERED = ["journal_id", "year", "publication_type", "language", "is_open_access"]


def _counting(first: str) -> str:
    return ", ".join(["status", first, *(column for column in FILTERED if column != first)])


# (name, columns), with NULLS LAST written in where the database takes it.
INDEXES = [
    ("archive_pub_list_newest", "status, date_sort DESC{last}, title, id"),
    ("archive_pub_list_oldest", "status, date_sort{last}, title, id"),
    ("archive_pub_list_title", "status, title, id"),
    ("archive_pub_list_cited", "status, citation_count DESC{last}, date_sort DESC{last}, id"),
    ("archive_pub_count_journal", _counting("journal_id")),
    ("archive_pub_count_year", _counting("year")),
    ("archive_pub_count_type", _counting("publication_type")),
]

SEARCH_TRIGGERS = [
    f"""CREATE TRIGGER {SEARCH_TABLE}_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {SEARCH_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_delete AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE OF search_text ON {TABLE} BEGIN
        INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO {SEARCH_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]


def _sqlite_has_trigram_fts(cursor) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(x, tokenize='trigram')")
    except Exception:  # no FTS5, or a tokenizer SQLite < 3.34 does not know
        return False
    cursor.execute("DROP TABLE temp.fts_probe")
    return True


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    last = " NULLS LAST" if vendor == "postgresql" else ""
    for name, columns in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({columns.format(last=last)})"
        )
    if vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _sqlite_has_trigram_fts(cursor):
            return
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(search_text, "
        f"content='{TABLE}', content_rowid='id', tokenize='trigram')"
    )
    for trigger in SEARCH_TRIGGERS:
        schema_editor.execute(trigger)
    schema_editor.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')")


def drop(apps, schema_editor):
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if schema_editor.connection.vendor == "sqlite":
        for event in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_import_fingerprint_index"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
