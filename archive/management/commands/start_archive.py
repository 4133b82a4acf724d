"""One command from a fresh clone to a running archive."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from archive.sample import sample_archive_load

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Migrate the database, load the sample archive unless it is there, make sure a local "
        "admin account exists with a newly generated password (printed), then serve the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="Default: 127.0.0.1:8000."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything, but do not serve."
        )

    def handle(self, *args, addrport, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        if sample_archive_load():
            self.stdout.write("Sample archive loaded.")
        else:
            self.stdout.write("Sample archive already loaded; nothing added.")
        password = self._ensure_admin()
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nArchive:  http://{host}/\nAdmin:    http://{host}/admin/\n"
                f"Login:    {ADMIN_USERNAME} / {password}\n"
                "(a new password is generated each time this command runs)\n"
            )
        )
        if not no_serve:
            call_command("runserver", addrport, use_reloader=False)

    @transaction.atomic
    def _ensure_admin(self) -> str:
        user, _ = get_user_model().objects.get_or_create(
            username=ADMIN_USERNAME, defaults={"email": "admin@localhost"}
        )
        password = secrets.token_urlsafe(12)
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        return password
