"""Import bibliographic records from files, all-or-nothing per file."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.importing.formats import ImportFileError, detect, formats_by_name
from archive.importing.report import describe_errors
from archive.importing.resources import run_import


class Command(BaseCommand):
    help = (
        "Import records from files (BookSci JSON). Every file is imported whole or not at all; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--format", choices=sorted(formats_by_name()), help="Default: told from the file."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but write nothing."
        )
        parser.add_argument(
            "--draft", action="store_true", help="New records become drafts, not published."
        )

    def handle(self, *args, paths, format, dry_run, draft, **options):
        failures = 0
        for path in paths:
            try:
                self._import_one(path, format, dry_run=dry_run, publish=not draft)
            except CommandError as error:
                failures += 1
                self.stderr.write(self.style.ERROR(str(error)))
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) were not imported.")

    def _import_one(self, path: Path, format_name: str | None, *, dry_run: bool, publish: bool):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        size = path.stat().st_size
        if size > settings.ARCHIVE_IMPORT_MAX_BYTES:
            raise CommandError(
                f"{path}: the file is {size:,} bytes, over the limit of "
                f"{settings.ARCHIVE_IMPORT_MAX_BYTES:,} (ARCHIVE_IMPORT_MAX_BYTES)."
            )
        data = path.read_bytes()
        try:
            format_class = (
                formats_by_name()[format_name] if format_name else detect(path.name, data[:64])
            )
            dataset = format_class().create_dataset(data)
        except ImportFileError as error:
            raise CommandError(f"{path}: {error}") from error
        result = run_import(
            dataset,
            publish=publish,
            dry_run=dry_run,
            file_name=path.name,
            format_name=format_class.name,
            checksum=hashlib.sha256(data).hexdigest(),
        )
        if result.has_errors() or result.has_validation_errors():
            for line in describe_errors(result, dataset):
                self.stderr.write(f"{path}: {line}")
            raise CommandError(f"{path}: nothing was imported because of the errors above.")
        totals = result.totals
        verb = "would import" if dry_run else "imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {verb} {len(dataset)} record(s): {totals.get('new', 0)} new, "
                f"{totals.get('update', 0)} updated, {totals.get('skip', 0)} unchanged."
            )
        )
