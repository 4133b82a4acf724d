"""On PostgreSQL, a trigram index so that `search_text LIKE '%word%'` need not read every row.

SQLite has no such index; it scans the one column, which is fast enough for the archive's size
for now. Both answer the same; the index only makes PostgreSQL faster.
"""

from django.db import migrations

INDEXED = ["publication", "person", "event", "journal"]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS archive_{name}_search_trgm "
    f"ON archive_{name} USING gin (search_text gin_trgm_ops)"
    for name in INDEXED
]
DROP = [f"DROP INDEX IF EXISTS archive_{name}_search_trgm" for name in INDEXED]


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_search_text"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
