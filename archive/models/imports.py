"""The record of every import: who brought which file in, when, and what it did."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One import of one file, through the admin or the command line."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        UNDONE = "undone", _("Undone")

    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=50)
    publish = models.BooleanField(
        _("new records published"), default=True, help_text=_("Else they were saved as drafts.")
    )
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.COMPLETED
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="undone_import_batches",
    )

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def total_count(self) -> int:
        return self.new_count + self.updated_count + self.unchanged_count


class ImportChange(models.Model):
    """One record an import created or changed, with what it was before, so the import can be undone."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before = models.JSONField(
        _("before"),
        null=True,
        blank=True,
        help_text=_("The record's canonical row before the import."),
    )

    class Meta:
        ordering = ["batch_id", "id"]
        verbose_name = _("imported change")
        verbose_name_plural = _("imported changes")
        indexes = [models.Index(fields=["content_type", "object_id"], name="importchange_object")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.content_type.model} {self.object_id}"
