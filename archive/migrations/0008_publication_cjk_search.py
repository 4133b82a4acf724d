"""On SQLite, a full-text table of each publication's CJK characters and pairs of characters, so
that search words of one or two Chinese, Japanese or Korean characters are looked up rather than
found by reading every row (see `archive/search_index.py`). Triggers keep it in step with
`search_text`, through the SQL function `archive_cjk_grams` that every Django connection to SQLite
registers. PostgreSQL needs nothing: its trigram index (0004) serves these words.
"""

from django.db import migrations

from archive.search_index import CJK_GRAMS_FUNCTION, CJK_TABLE

TABLE = "archive_publication"

TRIGGERS = [
    f"""CREATE TRIGGER {CJK_TABLE}_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {CJK_TABLE}(rowid, grams)
        VALUES (new.id, {CJK_GRAMS_FUNCTION}(new.search_text));
    END""",
    f"""CREATE TRIGGER {CJK_TABLE}_delete AFTER DELETE ON {TABLE} BEGIN
        DELETE FROM {CJK_TABLE} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER {CJK_TABLE}_update AFTER UPDATE OF search_text ON {TABLE} BEGIN
        UPDATE {CJK_TABLE} SET grams = {CJK_GRAMS_FUNCTION}(new.search_text)
        WHERE rowid = new.id;
    END""",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(x)")
        except Exception:  # a build without FTS5: search reads every row, as before
            return
        cursor.execute("DROP TABLE temp.fts_probe")
    schema_editor.execute(f"CREATE VIRTUAL TABLE {CJK_TABLE} USING fts5(grams)")
    for trigger in TRIGGERS:
        schema_editor.execute(trigger)
    schema_editor.execute(
        f"INSERT INTO {CJK_TABLE}(rowid, grams) "
        f"SELECT id, {CJK_GRAMS_FUNCTION}(search_text) FROM {TABLE}"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for event in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {CJK_TABLE}_{event}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {CJK_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0007_auditentry"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
