"""Export the whole archive: publications, people, events and journals, one file each; or,
with --full, a dump of every row that `restore_records` restores exactly."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.exporting.dump import DUMP, FORMATS, archive_dump, archive_export


class Command(BaseCommand):
    help = (
        "Write publications, people, events and journals to DIRECTORY in the archive's own "
        "columns, the same as the admin exports. Published records only, unless "
        "--include-drafts. Import the files back in the order journals, people, publications, "
        "events. With --full, write instead a dump of every record, draft or published, with "
        "its id, slug, former slugs, import batches and undo data, for restore_records."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIRECTORY")
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument(
            "--include-drafts", action="store_true", help="Drafts too, not only published records."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="A full dump (archive.jsonl, accounts.jsonl, manifest.json) that "
            "restore_records loads into an empty database exactly.",
        )

    def handle(
        self, *args, directory: Path, format: str, include_drafts: bool, full: bool, **options
    ):
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is a file, not a folder.")
        if full:
            manifest = archive_dump(directory)
            for name, written in manifest["files"].items():
                self.stdout.write(f"{directory / name}: {written['bytes']:,} bytes")
            rows = sum(manifest["counts"].values())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dumped {rows:,} row(s) of {len(manifest['counts'])} tables to {directory}; "
                    "restore it with restore_records."
                )
            )
            return
        for written in archive_export(directory, format_name=format, include_drafts=include_drafts):
            self.stdout.write(f"{written.path}: {written.rows:,} row(s)")
        kinds = ", ".join(name for name, _, _ in DUMP)
        self.stdout.write(self.style.SUCCESS(f"Exported {kinds} to {directory}."))
