"""Export the whole archive: publications, people, events and journals, one file each."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.exporting.dump import DUMP, FORMATS, archive_export


class Command(BaseCommand):
    help = (
        "Write publications, people, events and journals to DIRECTORY in the archive's own "
        "columns, the same as the admin exports. Published records only, unless "
        "--include-drafts. Import the files back in the order journals, people, publications, "
        "events."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIRECTORY")
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument(
            "--include-drafts", action="store_true", help="Drafts too, not only published records."
        )

    def handle(self, *args, directory: Path, format: str, include_drafts: bool, **options):
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is a file, not a folder.")
        for written in archive_export(directory, format_name=format, include_drafts=include_drafts):
            self.stdout.write(f"{written.path}: {written.rows:,} row(s)")
        kinds = ", ".join(name for name, _, _ in DUMP)
        self.stdout.write(self.style.SUCCESS(f"Exported {kinds} to {directory}."))
