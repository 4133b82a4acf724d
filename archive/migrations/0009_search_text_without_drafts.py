from django.db import migrations


def hide_drafts(apps, schema_editor):
    from archive.search import search_index_hide_drafts

    search_index_hide_drafts(apps=apps)


class Migration(migrations.Migration):
    """Publications' search text no longer holds the names of draft people and journals."""

    dependencies = [
        ("archive", "0008_publication_cjk_search"),
    ]

    operations = [
        migrations.RunPython(hide_drafts, migrations.RunPython.noop),
    ]
