"""Restore a full dump written by `export_records DIRECTORY --full` into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.exporting.dump import RestoreError, archive_restore


class Command(BaseCommand):
    help = (
        "Load a full dump (export_records DIRECTORY --full) into a database that holds no "
        "archive records yet (run migrate first): every record with its id, slug, status, "
        "relations, former slugs, import batches and undo data, all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIRECTORY")

    def handle(self, *args, directory: Path, **options):
        try:
            counts = archive_restore(directory)
        except RestoreError as error:
            raise CommandError(str(error)) from error
        for label, rows in counts.items():
            if rows:
                self.stdout.write(f"{label}: {rows:,} row(s)")
        self.stdout.write(
            self.style.SUCCESS(f"Restored {sum(counts.values()):,} row(s) from {directory}.")
        )
