from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_curators(sender, **kwargs):
    from archive.services import curators_group_ensure

    curators_group_ensure()


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Permissions exist only after migrate, so the group is refreshed then.
        post_migrate.connect(_ensure_curators, sender=self)
