"""Remove uploaded import files whose preview was never confirmed."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from archive.importing.uploads import ABANDONED_AFTER, import_uploads_clear


class Command(BaseCommand):
    help = (
        "Remove files uploaded on the admin import pages whose preview was never confirmed. "
        "The admin also does this, for files older than a day, whenever a file is uploaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=ABANDONED_AFTER.total_seconds() / 3600,
            metavar="HOURS",
            help="Only files uploaded more than this many hours ago (default: %(default)g).",
        )

    def handle(self, *args, older_than: float, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 hours or more.")
        removed = import_uploads_clear(older_than=datetime.timedelta(hours=older_than))
        self.stdout.write(
            f"Removed {removed} uploaded file(s) older than {older_than:g} hour(s) whose "
            "import was never confirmed."
        )
