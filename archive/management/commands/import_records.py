"""Import bibliographic records from files, all-or-nothing per file, streaming large files."""

import hashlib
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.importing.formats import ImportFileError, detect, formats_by_name
from archive.importing.pipeline import import_stream


class _CountingReader:
    """A binary file that tells how many bytes have been read, for the progress bar."""

    def __init__(self, handle, on_read):
        self.handle = handle
        self.on_read = on_read

    def read(self, size=-1):
        data = self.handle.read(size)
        self.on_read(len(data))
        return data

    def readinto(self, buffer):
        count = self.handle.readinto(buffer)
        self.on_read(count or 0)
        return count

    def readable(self):
        return True

    def __getattr__(self, name):
        return getattr(self.handle, name)


class Command(BaseCommand):
    help = (
        "Import records from files. The format is told from the file (or given with --format). "
        "Every file is imported whole or not at all; importing the same file again changes nothing."
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
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar, even on a terminal."
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            help="Refuse files larger than this. Default: no limit, since files are streamed "
            "(ARCHIVE_IMPORT_MAX_BYTES limits uploads to the admin).",
        )

    def handle(self, *args, paths, format, dry_run, draft, no_progress, max_bytes, **options):
        self.max_bytes = max_bytes
        failures = 0
        for path in paths:
            try:
                self._import_one(
                    path, format, dry_run=dry_run, publish=not draft, progress=not no_progress
                )
            except CommandError as error:
                failures += 1
                self.stderr.write(self.style.ERROR(str(error)))
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) were not imported.")

    def _import_one(self, path: Path, format_name, *, dry_run: bool, publish: bool, progress: bool):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        size = path.stat().st_size
        if self.max_bytes is not None and size > self.max_bytes:
            raise CommandError(
                f"{path}: the file is {size:,} bytes, over the limit of {self.max_bytes:,} "
                "(--max-bytes)."
            )
        if size == 0:
            raise CommandError(f"{path}: The file is empty.")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            head = handle.read(4096)
            digest.update(head)
            while block := handle.read(1 << 20):
                digest.update(block)
        try:
            format_class = (
                formats_by_name()[format_name] if format_name else detect(path.name, head)
            )
        except ImportFileError as error:
            raise CommandError(f"{path}: {error}") from error

        show = progress and sys.stderr.isatty()
        bar = tqdm(
            total=size, unit="B", unit_scale=True, desc=path.name, disable=not show, file=sys.stderr
        )
        started = time.monotonic()

        def advance(records: int) -> None:
            rate = records / max(time.monotonic() - started, 1e-6)
            bar.set_postfix_str(f"{records:,} records, {rate:,.0f}/s", refresh=False)

        try:
            with path.open("rb") as handle:
                outcome = import_stream(
                    _CountingReader(handle, bar.update),
                    record_format=format_class(),
                    file_name=path.name,
                    checksum=digest.hexdigest(),
                    publish=publish,
                    dry_run=dry_run,
                    progress=advance,
                )
        except ImportFileError as error:
            raise CommandError(f"{path}: {error}") from error
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        for note in outcome.skipped:
            self.stdout.write(f"{path}: {note}")
        if outcome.errors:
            for line in outcome.errors:
                self.stderr.write(f"{path}: {line}")
            raise CommandError(
                f"{path}: nothing was imported because of the {len(outcome.errors)} "
                "problem(s) above."
            )
        totals = outcome.totals
        verb = "would import" if dry_run else "imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {verb} {outcome.records:,} record(s): "
                f"{totals.get('new', 0):,} new, {totals.get('update', 0):,} updated, "
                f"{totals.get('skip', 0):,} unchanged ({format_class.title}, {elapsed:.1f} s, "
                f"{outcome.records / max(elapsed, 1e-6):,.0f} records/s)."
            )
        )
