from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

from archive import freshness


def _ensure_curators(sender, **kwargs):
    from archive.services import curators_group_ensure

    curators_group_ensure()


def _create_cache_tables(sender, using, **kwargs):
    # The content version is kept in a database cache table (archive/freshness.py), which every
    # write changes: made before the migrations write anything, so that every database `migrate`
    # prepares (a deployment, a test database, a copy) has it.
    call_command("createcachetable", database=using, verbosity=0)


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Permissions exist only after migrate, so the group is refreshed then.
        post_migrate.connect(_ensure_curators, sender=self)
        pre_migrate.connect(_create_cache_tables, sender=self)
        freshness.watch_every_connection()
