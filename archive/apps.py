from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_curators(sender, **kwargs):
    from archive.services import curators_group_ensure

    curators_group_ensure()


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Permissions exist only after migrate, so the group is refreshed then.
        post_migrate.connect(_ensure_curators, sender=self)
