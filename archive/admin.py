"""Curation: every record editable, linked by autocomplete, searchable in every script."""

import json

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from archive import admin_merging
from archive.admin_audit import AuditedAdminMixin, AuditEntryAdmin
from archive.admin_imports import ImportBatchAdmin
from archive.exporting.formats import EXPORT_FORMATS
from archive.importing.admin_mixins import RecordImportExportMixin
from archive.importing.events import EventResource
from archive.importing.formats import PUBLICATION_FORMATS
from archive.importing.journals import JournalResource
from archive.importing.people import PersonResource
from archive.importing.resources import PublicationResource
from archive.importing.spreadsheets import TABLE_FORMATS
from archive.models import (
    AuditEntry,
    Authorship,
    Event,
    EventParticipation,
    EventTitle,
    ImportBatch,
    Journal,
    JournalIdentifier,
    JournalMetric,
    JournalName,
    Keyword,
    Person,
    PersonName,
    Publication,
    PublicationAbstract,
    PublicationEvent,
    PublicationSubject,
    PublicationTitle,
    Status,
)
from archive.search import SearchIndexAdminMixin
from archive.services import records_set_status

admin.site.site_header = _("Archive curation")
admin.site.site_title = _("Archive curation")
admin.site.index_title = _("Records")


# --- shared ---------------------------------------------------------------------------------


@admin.action(description=_("Publish the selected records"), permissions=["change"])
def publish(modeladmin, request, queryset):
    changed = records_set_status(queryset=queryset, status=Status.PUBLISHED, user=request.user)
    modeladmin.message_user(
        request,
        ngettext("%d record published.", "%d records published.", changed) % changed,
        messages.SUCCESS,
    )


@admin.action(
    description=_("Unpublish the selected records (make them drafts)"), permissions=["change"]
)
def unpublish(modeladmin, request, queryset):
    changed = records_set_status(queryset=queryset, status=Status.DRAFT, user=request.user)
    modeladmin.message_user(
        request,
        ngettext("%d record made a draft.", "%d records made drafts.", changed) % changed,
        messages.SUCCESS,
    )


class RecordAdmin(AuditedAdminMixin, SearchIndexAdminMixin, admin.ModelAdmin):
    """What the four public kinds of record share in the admin; every change goes into the
    record's history (archive/admin_audit.py)."""

    actions = [publish, unpublish]
    list_per_page = 50
    save_on_top = True
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    show_facets = admin.ShowFacets.ALLOW

    class Media:
        # A stylesheet rather than style attributes, which the admin's CSP refuses.
        css = {"all": ["archive/admin.css"]}

    @admin.display(description=_("public page"))
    def public_link(self, obj):
        if not obj.pk or obj.status != Status.PUBLISHED:
            return _("not public (draft)")
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())


def pretty_json(value) -> str:
    if value in (None, ""):
        return "—"
    return format_html(
        '<pre class="archive-json">{}</pre>',
        json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True),
    )


# --- publications ---------------------------------------------------------------------------


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "person", "name_as_printed", "role"]
    ordering = ["role", "position"]
    verbose_name = _("author or editor")
    verbose_name_plural = _("authors and editors, in order")


class PublicationTitleInline(admin.TabularInline):
    model = PublicationTitle
    extra = 0
    fields = ["language", "title", "is_machine_translation"]


class PublicationAbstractInline(admin.StackedInline):
    model = PublicationAbstract
    extra = 0
    fields = ["language", "text", "is_machine_translation"]


class PublicationSubjectInline(admin.TabularInline):
    model = PublicationSubject
    extra = 0
    autocomplete_fields = ["person"]


class PublicationEventInline(admin.TabularInline):
    model = PublicationEvent
    extra = 0
    autocomplete_fields = ["event"]


@admin.register(Publication)
class PublicationAdmin(RecordImportExportMixin, RecordAdmin):
    resource_classes = [PublicationResource]
    import_formats = PUBLICATION_FORMATS
    export_formats = EXPORT_FORMATS

    list_display = ["title_short", "authors_list", "journal", "year", "publication_type", "status"]
    list_display_links = ["title_short"]
    list_filter = ["status", "publication_type", "language", "is_open_access", "year", "journal"]
    list_select_related = ["journal"]
    search_fields = [
        "title",
        "translated_titles__title",
        "doi",
        "authorships__name_as_printed",
        "authorships__person__display_name",
        "authorships__person__names__name",
        "journal__name",
    ]
    autocomplete_fields = ["journal", "keywords"]
    inlines = [
        AuthorshipInline,
        PublicationTitleInline,
        PublicationAbstractInline,
        PublicationSubjectInline,
        PublicationEventInline,
    ]
    readonly_fields = [
        "slug_display",
        "public_link",
        "source_platform",
        "source_id",
        "import_batch",
        "imported_at",
        "raw_record_pretty",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "language", "publication_type", "status", "public_link"]}),
        (
            _("Where it appeared"),
            {
                "fields": [
                    "journal",
                    ("volume", "issue"),
                    ("first_page", "last_page"),
                    "publication_date",
                ]
            },
        ),
        (_("Identifiers and links"), {"fields": ["doi", "url", ("is_open_access", "pdf_url")]}),
        (
            _("Content"),
            {"fields": ["abstract", "keywords", ("citation_count", "citation_count_date")]},
        ),
        (
            _("Provenance"),
            {
                "classes": ["collapse"],
                "fields": [
                    "slug_display",
                    ("source_platform", "source_id"),
                    ("import_batch", "imported_at"),
                    "raw_record_pretty",
                    ("created_at", "updated_at"),
                ],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("authorships")

    @admin.display(description=_("title"), ordering="title")
    def title_short(self, obj):
        text = obj.plain_title
        return text if len(text) <= 90 else f"{text[:89]}…"

    @admin.display(description=_("authors"))
    def authors_list(self, obj):
        return "; ".join(a.name_as_printed for a in obj.authorships.all())

    @admin.display(description=_("slug"))
    def slug_display(self, obj):
        return obj.slug

    @admin.display(description=_("record as received"))
    def raw_record_pretty(self, obj):
        return pretty_json(obj.raw_record)


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "publication_count"]
    # Stated here: a query that counts (GROUP BY) ignores Meta.ordering, and autocomplete pages it.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(publication_total=Count("publications"))

    @admin.display(description=_("publications"), ordering="publication_total")
    def publication_count(self, obj):
        return obj.publication_total


# --- people ---------------------------------------------------------------------------------


class PersonNameInline(admin.TabularInline):
    model = PersonName
    extra = 1
    fields = ["name", "language", "kind"]


class AuthorshipOfPersonInline(admin.TabularInline):
    model = Authorship
    extra = 0
    autocomplete_fields = ["publication"]
    fields = ["publication", "name_as_printed", "position", "role"]
    verbose_name_plural = _("works written")


class ParticipationOfPersonInline(admin.TabularInline):
    model = EventParticipation
    extra = 0
    autocomplete_fields = ["event"]
    fields = ["event", "role"]
    verbose_name_plural = _("events taken part in")


@admin.register(Person)
class PersonAdmin(RecordImportExportMixin, RecordAdmin):
    resource_classes = [PersonResource]
    import_formats = TABLE_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = ["display_name", "life_dates", "orcid", "wikidata", "status"]
    list_filter = ["status"]
    search_fields = [
        "display_name",
        "family_name",
        "given_names",
        "names__name",
        "orcid",
        "wikidata",
        "viaf",
    ]
    ordering = ["family_name", "given_names"]
    actions = [*RecordAdmin.actions, admin_merging.merge_selected]
    # Adds "Possible duplicates" to the object tools.
    change_list_template = "admin/archive/person/change_list.html"
    inlines = [PersonNameInline, AuthorshipOfPersonInline, ParticipationOfPersonInline]
    readonly_fields = ["public_link", "slug", "import_batch", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {"fields": ["display_name", ("family_name", "given_names"), "status", "public_link"]},
        ),
        (_("Life"), {"fields": [("birth_date", "death_date"), "biography"]}),
        (_("Identifiers"), {"fields": ["orcid", "wikidata", "viaf"]}),
        (
            _("Provenance"),
            {
                "classes": ["collapse"],
                "fields": ["slug", "import_batch", ("created_at", "updated_at")],
            },
        ),
    ]

    @admin.display(description=_("life dates"))
    def life_dates(self, obj):
        return obj.life_dates

    def get_urls(self):
        return admin_merging.person_merge_urls(self) + super().get_urls()

    def has_merge_permission(self, request):
        return admin_merging.can_merge(self, request)


# --- events ---------------------------------------------------------------------------------


class EventTitleInline(admin.TabularInline):
    model = EventTitle
    extra = 0


class EventParticipationInline(admin.TabularInline):
    model = EventParticipation
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "person", "role"]
    ordering = ["position"]


class EventPublicationInline(admin.TabularInline):
    model = PublicationEvent
    extra = 0
    autocomplete_fields = ["publication"]
    verbose_name_plural = _("publications that discuss it")


@admin.register(Event)
class EventAdmin(RecordImportExportMixin, RecordAdmin):
    resource_classes = [EventResource]
    import_formats = TABLE_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = ["title", "date_in_words", "place", "parent", "status"]
    list_filter = ["status", "place"]
    list_select_related = ["parent"]
    search_fields = ["title", "translations__title", "place", "description"]
    ordering = ["date_earliest", "title"]
    autocomplete_fields = ["parent", "related"]
    inlines = [EventTitleInline, EventParticipationInline, EventPublicationInline]
    readonly_fields = [
        "public_link",
        "slug",
        "date_earliest",
        "date_latest",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "status", "public_link"]}),
        (_("When and where"), {"fields": ["date", ("date_earliest", "date_latest"), "place"]}),
        (_("Description"), {"fields": ["description"]}),
        (_("Related events"), {"fields": ["parent", "related"]}),
        (
            _("Provenance"),
            {"classes": ["collapse"], "fields": ["slug", ("created_at", "updated_at")]},
        ),
    ]

    @admin.display(description=_("date"), ordering="date_earliest")
    def date_in_words(self, obj):
        return obj.date_in_words


# --- journals -------------------------------------------------------------------------------


class JournalNameInline(admin.TabularInline):
    model = JournalName
    extra = 0


class JournalIdentifierInline(admin.TabularInline):
    model = JournalIdentifier
    extra = 0


class JournalMetricInline(admin.TabularInline):
    model = JournalMetric
    extra = 0
    fields = [
        "system",
        "year",
        "recorded_on",
        "impact_factor",
        "quartile",
        "zone",
        "category",
        "source",
    ]
    ordering = ["-recorded_on", "system"]


@admin.register(Journal)
class JournalAdmin(RecordImportExportMixin, RecordAdmin):
    resource_classes = [JournalResource]
    import_formats = TABLE_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = [
        "name",
        "issn_print",
        "issn_electronic",
        "publisher",
        "publication_count",
        "status",
    ]
    list_filter = ["status", "metrics__system", "metrics__quartile", "metrics__zone"]
    search_fields = ["name", "other_names__name", "issn_print", "issn_electronic", "publisher"]
    # Stated here: a query that counts (GROUP BY) ignores Meta.ordering, and autocomplete pages it.
    ordering = ["name", "id"]
    inlines = [JournalNameInline, JournalIdentifierInline, JournalMetricInline]
    readonly_fields = ["public_link", "slug", "import_batch", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "status", "public_link"]}),
        (_("Identifiers"), {"fields": [("issn_print", "issn_electronic")]}),
        (_("Publisher"), {"fields": ["publisher", "homepage"]}),
        (
            _("Provenance"),
            {
                "classes": ["collapse"],
                "fields": ["slug", "import_batch", ("created_at", "updated_at")],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(publication_total=Count("publications"))

    @admin.display(description=_("publications"), ordering="publication_total")
    def publication_count(self, obj):
        return obj.publication_total


# --- imports --------------------------------------------------------------------------------


# The log of imports and undoing them: archive/admin_imports.py.
admin.site.register(ImportBatch, ImportBatchAdmin)
# Every change to a record, and reverting it: archive/admin_audit.py.
admin.site.register(AuditEntry, AuditEntryAdmin)


# --- admin logins (django-axes) -----------------------------------------------------------------


class LoginAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        # django-axes reads the attempt's time from the request, which only a login sets.
        request.axes_attempt_time = None
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LoginAttemptAdmin)
