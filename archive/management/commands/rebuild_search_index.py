"""Recompute the search text of every publication, person, event and journal."""

from django.core.management.base import BaseCommand

from archive.search import search_index_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the text the public search matches for every record, drafts included. "
        "Only records whose text changed are written, so running it twice changes nothing."
    )

    def handle(self, *args, **options):
        changed = search_index_rebuild()
        summary = ", ".join(f"{count} {kind}(s)" for kind, count in changed.items())
        self.stdout.write(f"Search text updated for {summary}.")
