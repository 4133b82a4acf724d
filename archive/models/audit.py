"""The history of every change made to a record in the admin or by a service (archive.audit).

Imports keep their own record of what they changed (ImportBatch, ImportChange); a record's
history is the two merged in time order.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One change to one record: who made it, when, how, and what the record was and became.

    `before` and `after` are the record's canonical snapshots (archive.audit.snapshots), whole
    for a record created (after) or deleted (before), and otherwise only the fields and
    relations that changed.
    """

    class How(models.TextChoices):
        ADMIN = "admin", _("edited in the admin")
        ACTION = "action", _("admin action")
        MERGE = "merge", _("merging people")
        UNDO = "undo", _("undoing an import")
        REVERT = "revert", _("revert")

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")
        PUBLISHED = "published", _("published")
        UNPUBLISHED = "unpublished", _("unpublished")
        MERGED = "merged", _("merged")
        REVERTED = "reverted", _("reverted")
        RESTORED = "restored", _("restored")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    how = models.CharField(_("how"), max_length=20, choices=How.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    label = models.CharField(
        _("record"), max_length=300, help_text=_("What the record was called at the time.")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    operation = models.UUIDField(
        _("operation"),
        default=uuid.uuid4,
        db_index=True,
        help_text=_("Shared by the entries of one save, action, merge, undo or revert."),
    )
    import_batch = models.ForeignKey(
        "archive.ImportBatch",
        verbose_name=_("import undone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    reverts = models.ForeignKey(
        "self",
        verbose_name=_("reverts"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reverted_by",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("change to a record")
        verbose_name_plural = _("history of changes")
        # Written by the archive only: never added, changed or deleted by hand.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="audit_record")
        ]

    def __str__(self) -> str:
        return f"{self.label} – {self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def record_model(self):
        return self.content_type.model_class()
