"""The log of imports in the admin, and undoing an import from it. `admin.py` registers it.

A batch is read-only. Its page lists what the import created and changed (links to the
change lists filtered on the batch) and, for curators who may import and delete publications,
offers "Undo this import…": a confirmation page saying what will be removed and restored, or why
the import cannot be undone. Undoing also takes the permission to delete every kind of record it
would remove and to change every kind it would put back.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from archive.models import (
    Event,
    ImportBatch,
    ImportChange,
    Journal,
    JournalMetric,
    Keyword,
    Person,
    Publication,
)
from archive.services import (
    import_batch_undo,
    import_batch_undo_blockers,
    import_batch_undo_preview,
)

UPDATED_SHOWN = 20  # updated records linked on a batch's page


class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "file_name",
        "format",
        "created_by",
        "new_count",
        "updated_count",
        "unchanged_count",
        "checksum_short",
        "status",
    ]
    list_filter = ["status", "format", "publish"]
    list_select_related = ["created_by"]
    search_fields = ["file_name", "checksum"]
    date_hierarchy = "created_at"
    change_form_template = "admin/archive/importbatch/change_form.html"
    fieldsets = [
        (None, {"fields": ["file_name", "format", "checksum", "created_by", "publish"]}),
        (_("When"), {"fields": [("created_at", "finished_at")]}),
        (
            _("What it did"),
            {
                "fields": [
                    ("new_count", "updated_count", "unchanged_count"),
                    "records",
                    "updated_records",
                ]
            },
        ),
        (_("Undo"), {"fields": ["status", ("undone_at", "undone_by")]}),
    ]
    readonly_fields = [
        *(field.name for field in ImportBatch._meta.fields),
        "records",
        "updated_records",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The log stays whole; an import is taken back by undoing it, which the log records.
        return False

    def has_undo_permission(self, request, preview=None) -> bool:
        """Undoing deletes publications: it takes the permissions to view the log and to import
        (IMPORT_EXPORT_IMPORT_PERMISSION_CODE) and delete publications. Given the `preview` of an
        undo, also those to delete what it removes and to change what it puts back."""
        publications = self.admin_site.get_model_admin(Publication)
        if not (
            self.has_view_permission(request)
            and publications.has_import_permission(request)
            and publications.has_delete_permission(request)
        ):
            return False
        needed = [] if preview is None else _undo_needs(preview)
        return all(
            getattr(self.admin_site.get_model_admin(model), f"has_{action}_permission")(request)
            for count, model, action in needed
            if count
        )

    @admin.display(description=_("SHA-256"), ordering="checksum")
    def checksum_short(self, obj):
        return format_html('<span title="{}">{}…</span>', obj.checksum, obj.checksum[:12])

    @admin.display(description=_("records that point to it"))
    def records(self, obj):
        links = []
        for model, counted in (
            (Publication, lambda n: ngettext("%d publication", "%d publications", n)),
            (Person, lambda n: ngettext("%d person", "%d people", n)),
            (Event, lambda n: ngettext("%d event", "%d events", n)),
            (Journal, lambda n: ngettext("%d journal", "%d journals", n)),
        ):
            count = model.objects.filter(import_batch=obj).count()
            if count:
                url = reverse(f"admin:archive_{model._meta.model_name}_changelist")
                links.append((f"{url}?import_batch__id__exact={obj.pk}", counted(count) % count))
        rankings = JournalMetric.objects.filter(import_batch=obj).count()
        parts = [format_html_join(", ", '<a href="{}">{}</a>', links)] if links else []
        if rankings:
            parts.append(ngettext("%d journal ranking", "%d journal rankings", rankings) % rankings)
        if not parts:
            return "—"
        return format_html_join(", ", "{}", ((part,) for part in parts))

    @admin.display(description=_("records it updated (what they were is kept for undo)"))
    def updated_records(self, obj):
        changes = list(
            ImportChange.objects.filter(batch=obj, action=ImportChange.Action.UPDATED)
            .select_related("content_type")
            .order_by("pk")[: UPDATED_SHOWN + 1]
        )
        if not changes:
            return "—"
        total = (
            obj.changes.filter(action=ImportChange.Action.UPDATED).count()
            if len(changes) > UPDATED_SHOWN
            else len(changes)
        )
        links = format_html_join(
            ", ",
            '<a href="{}">{} #{}</a>',
            (
                (
                    reverse(
                        f"admin:archive_{change.content_type.model}_change",
                        args=[change.object_id],
                    ),
                    change.content_type.model_class()._meta.verbose_name,
                    change.object_id,
                )
                for change in changes[:UPDATED_SHOWN]
            ),
        )
        if total > UPDATED_SHOWN:
            more = total - UPDATED_SHOWN
            return format_html("{} {}", links, ngettext("and %d more", "and %d more", more) % more)
        return links

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_undo_import": batch is not None
            and batch.status == ImportBatch.Status.COMPLETED
            and self.has_undo_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/undo/",
                self.admin_site.admin_view(self.undo_view),
                name="archive_importbatch_undo",
            ),
            *super().get_urls(),
        ]

    def undo_view(self, request, object_id):
        """What undoing the import would do, or why it cannot be done; on POST, do it."""
        if not self.has_undo_permission(request):
            raise PermissionDenied
        batch = self.get_object(request, unquote(object_id))
        if batch is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        preview = import_batch_undo_preview(batch)
        if not self.has_undo_permission(request, preview):
            raise PermissionDenied
        blockers = import_batch_undo_blockers(batch)
        if request.method == "POST" and not blockers:
            try:
                report = import_batch_undo(batch=batch, user=request.user)
            except ValidationError as error:
                blockers = error.messages
            else:
                self.message_user(
                    request,
                    _("The import of “%(file)s” was undone: %(report)s.")
                    % {"file": batch.file_name, "report": report.describe(done=True)},
                    messages.SUCCESS,
                )
                return redirect("admin:archive_importbatch_change", batch.pk)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Undo this import"),
            "batch": batch,
            "blockers": blockers,
            "preview": None if blockers else preview,
        }
        return TemplateResponse(request, "admin/archive/importbatch/undo.html", context)


def _undo_needs(preview) -> list[tuple[int, type, str]]:
    """(how many, of which model, the permission it takes) for what an undo would do."""
    return [
        (preview.publications_removed, Publication, "delete"),
        (preview.people_removed, Person, "delete"),
        (preview.events_removed, Event, "delete"),
        (preview.journals_removed, Journal, "delete"),
        (preview.keywords_removed, Keyword, "delete"),
        (preview.rankings_removed, Journal, "change"),
        (preview.publications_restored, Publication, "change"),
        (preview.people_restored, Person, "change"),
        (preview.events_restored, Event, "change"),
        (preview.journals_restored, Journal, "change"),
    ]
