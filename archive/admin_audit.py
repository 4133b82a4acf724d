"""The history of every change in the admin: recorded by the record admins, shown on each
record's History page and in the list of every change, reverted from either.

`AuditedAdminMixin` records each save (with its inlines), deletion and bulk deletion in the
transaction of the change, with the records on the other side of any link the page added,
changed or removed (an author's works, an event's participants). It replaces Django's object
history page with the record's whole history (archive.audit.history). `AuditEntryAdmin` lists
every change, deleted records included, read-only, and serves the revert page.
"""

from collections import defaultdict
from contextlib import contextmanager

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.audit import (
    Recorder,
    audit_entry_revert,
    record_history,
    revert_preview,
    revertible,
)
from archive.audit.history import Names, diff_rows
from archive.audit.snapshots import RECORD_MODELS, linked
from archive.models import AuditEntry, Event

How, Action = AuditEntry.How, AuditEntry.Action


def history_url(model, pk) -> str:
    return reverse(f"admin:archive_{model._meta.model_name}_history", args=[pk])


def may_revert(admin_site, request, entry: AuditEntry) -> bool:
    """Reverting a change takes the permission to change that kind of record; restoring a
    deleted record, to add one; taking back a merge, both on people."""
    model = entry.record_model
    if model not in RECORD_MODELS or not admin_site.is_registered(model):
        return False
    model_admin = admin_site.get_model_admin(model)
    if entry.action == Action.DELETED:
        return model_admin.has_add_permission(request)
    if entry.action == Action.MERGED:
        return model_admin.has_change_permission(request) and model_admin.has_add_permission(
            request
        )
    return model_admin.has_change_permission(request)


def revert_label(entry: AuditEntry) -> str:
    if entry.action == Action.DELETED:
        return _("Restore this record…")
    if entry.action == Action.MERGED:
        return _("Take back this merge…")
    return _("Revert to before this change…")


# --- recording admin changes ------------------------------------------------------------------


def _linked_in_forms(obj, form, formsets) -> dict[type, set[int]]:
    """Records on the other side of the links the page's inlines added, changed or removed
    (and, for an event, the related events added or removed): their histories change too."""
    found: dict[type, set[int]] = defaultdict(set)
    for formset in formsets:
        parent = getattr(getattr(formset, "fk", None), "name", None)
        links = [
            model_field
            for model_field in formset.model._meta.concrete_fields
            if model_field.is_relation
            and model_field.related_model in RECORD_MODELS
            and model_field.name != parent
        ]
        for inline_form in formset.forms:
            cleaned = getattr(inline_form, "cleaned_data", {}) or {}
            if not (cleaned.get("DELETE") or inline_form.has_changed()):
                continue
            for model_field in links:
                for value in (
                    inline_form.initial.get(model_field.name),
                    cleaned.get(model_field.name),
                ):
                    pk = getattr(value, "pk", value)
                    if pk:
                        found[model_field.related_model].add(pk)
    if isinstance(obj, Event) and "related" in form.changed_data:
        old = {getattr(event, "pk", event) for event in form.initial.get("related") or []}
        new = {event.pk for event in form.cleaned_data.get("related") or []}
        found[Event] |= old ^ new
    found[type(obj)].discard(obj.pk)
    return found


class AuditedAdminMixin:
    """Every save, deletion and bulk deletion of the admin's records goes into their history;
    the History page shows it."""

    def save_model(self, request, obj, form, change):
        recorder = Recorder(user=request.user, how=How.ADMIN)
        if change:
            recorder.watch(type(obj), [obj.pk])
        super().save_model(request, obj, form, change)
        if not change:
            recorder.watch(type(obj), [obj.pk], new=True)
        request.archive_audit = recorder

    def save_related(self, request, form, formsets, change):
        recorder = getattr(request, "archive_audit", None) or Recorder(
            user=request.user, how=How.ADMIN
        )
        obj = form.instance
        note = _("On the page of %(kind)s “%(record)s”.") % {
            "kind": obj._meta.verbose_name,
            "record": obj,
        }
        for model, pks in _linked_in_forms(obj, form, formsets).items():
            recorder.watch(model, sorted(pks), note=note)
        super().save_related(request, form, formsets, change)
        recorder.finish()
        request.archive_audit = None

    def delete_model(self, request, obj):
        with self._deleting(request, type(obj), [obj.pk]):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with (
            transaction.atomic(),
            self._deleting(request, queryset.model, list(queryset.values_list("pk", flat=True))),
        ):
            super().delete_queryset(request, queryset)

    @contextmanager
    def _deleting(self, request, model, pks):
        """The records deleted, and those that lose a link to them (for an event, the events
        that were part of it too)."""
        recorder = Recorder(user=request.user, how=How.ADMIN)
        befores = recorder.watch(model, pks)
        others: dict[type, set[int]] = defaultdict(set)
        for before in befores.values():
            for other, linked_pks in linked(model, before).items():
                others[other] |= linked_pks
        if model is Event:
            others[Event] |= set(
                Event.objects.filter(parent_id__in=pks).values_list("pk", flat=True)
            )
        for other, linked_pks in others.items():
            recorder.watch(
                other,
                sorted(linked_pks),
                note=_("Linked to a %(kind)s deleted in the admin.")
                % {"kind": model._meta.verbose_name},
            )
        yield
        recorder.finish()

    def history_view(self, request, object_id, extra_context=None):
        """Every change to the record, newest first, with what changed and a way back; for a
        deleted record too, as long as its history holds it."""
        model = self.model
        obj = self.get_object(request, unquote(object_id))
        try:
            pk = model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            pk = None
        content_type = ContentType.objects.get_for_model(model)
        if obj is None and (
            pk is None
            or not AuditEntry.objects.filter(content_type=content_type, object_id=pk).exists()
        ):
            return self._get_obj_does_not_exist_redirect(request, model._meta, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        history = record_history(model, pk)
        for line in history.lines:
            entry = line.entry
            line.revert_url = ""
            if (
                entry is not None
                and revertible(entry)
                and may_revert(self.admin_site, request, entry)
            ):
                line.revert_url = reverse("admin:archive_auditentry_revert", args=[entry.pk])
                line.revert_text = revert_label(entry)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % (obj or history.label),
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "history": history,
            "may_view_log": self.admin_site.is_registered(AuditEntry)
            and self.admin_site.get_model_admin(AuditEntry).has_view_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/archive/audit/history.html", context)


# --- the list of every change ---------------------------------------------------------------


class KindFilter(admin.SimpleListFilter):
    title = gettext_lazy("kind of record")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [
            (model._meta.model_name, model._meta.verbose_name_plural) for model in RECORD_MODELS
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                content_type__app_label="archive", content_type__model=self.value()
            )
        return queryset


class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "record", "kind", "action", "how", "user", "note"]
    list_filter = [KindFilter, "action", "how", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "created_at"
    search_fields = ["label", "=object_id"]
    change_form_template = "admin/archive/audit/change_form.html"
    fieldsets = [
        (None, {"fields": ["created_at", "user", "how", "action", "record", "note"]}),
        (None, {"fields": ["reverts", "import_batch"]}),
        (gettext_lazy("What changed"), {"fields": ["changes"]}),
    ]
    readonly_fields = [
        "created_at",
        "user",
        "how",
        "action",
        "record",
        "note",
        "reverts",
        "import_batch",
        "changes",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The history stays whole; a change is taken back by reverting it, which is recorded.
        return False

    @admin.display(description=gettext_lazy("kind of record"), ordering="content_type__model")
    def kind(self, entry):
        model = entry.record_model
        return model._meta.verbose_name if model else entry.content_type.model

    @admin.display(description=gettext_lazy("record"), ordering="label")
    def record(self, entry):
        model = entry.record_model
        try:
            url = history_url(model, entry.object_id)
        except (NoReverseMatch, AttributeError):
            return f"{entry.label} (#{entry.object_id})"
        return format_html('<a href="{}">{} (#{})</a>', url, entry.label, entry.object_id)

    @admin.display(description=gettext_lazy("what changed"))
    def changes(self, entry):
        model = entry.record_model
        if model not in RECORD_MODELS:
            return "—"
        names = Names()
        names.want(model, entry.before)
        names.want(model, entry.after)
        rows = diff_rows(model, entry.before, entry.after, names.load())
        return render_to_string("admin/archive/audit/diff.html", {"rows": rows}) if rows else "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entry = self.get_object(request, unquote(object_id))
        context = {**(extra_context or {}), "revert_url": "", "history_url": ""}
        if entry is not None and entry.record_model in RECORD_MODELS:
            context["history_url"] = history_url(entry.record_model, entry.object_id)
            if revertible(entry) and may_revert(self.admin_site, request, entry):
                context["revert_url"] = reverse("admin:archive_auditentry_revert", args=[entry.pk])
                context["revert_text"] = revert_label(entry)
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revert/",
                self.admin_site.admin_view(self.revert_view),
                name="archive_auditentry_revert",
            ),
            *super().get_urls(),
        ]

    def revert_view(self, request, object_id):
        """What reverting the change would put back, or why it cannot be; on POST, do it."""
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not may_revert(self.admin_site, request, entry):
            raise PermissionDenied
        plan = revert_preview(entry)
        blockers = plan.blockers
        if request.method == "POST" and not blockers:
            try:
                done = audit_entry_revert(entry=entry, user=request.user)
            except ValidationError as error:
                blockers = error.messages
            else:
                self.message_user(
                    request,
                    _("“%(record)s”: %(action)s.")
                    % {"record": done.label, "action": done.get_action_display()},
                    messages.SUCCESS,
                )
                return redirect(history_url(entry.record_model, entry.object_id))
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": revert_label(entry).rstrip("…"),
            "entry": entry,
            "history_url": history_url(entry.record_model, entry.object_id)
            if entry.record_model in RECORD_MODELS
            else "",
            "blockers": blockers,
            "preview": [] if blockers else plan.preview(),
            "submit_text": _("Yes, restore it")
            if entry.action == Action.DELETED
            else _("Yes, revert it"),
        }
        return TemplateResponse(request, "admin/archive/audit/revert.html", context)
