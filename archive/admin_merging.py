"""Merging people in the admin: the "Merge selected people…" action, its confirmation page, and
the page of possible duplicates that leads to it. `PersonAdmin` wires them in.

Near matches are never merged by an import; a curator compares them here and decides.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from archive import selectors
from archive.services import person_merge


def merge_url(pks) -> str:
    """The confirmation page for merging these people."""
    ids = ",".join(str(pk) for pk in pks)
    return f"{reverse('admin:archive_person_merge')}?{urlencode({'ids': ids})}"


def can_merge(modeladmin, request) -> bool:
    """Merging changes one person and deletes the others: it takes both permissions."""
    return modeladmin.has_change_permission(request) and modeladmin.has_delete_permission(request)


# "merge" is PersonAdmin.has_merge_permission, i.e. can_merge: an action's `permissions` are
# alternatives, any one of which would do.
@admin.action(description=_("Merge selected people…"), permissions=["merge"])
def merge_selected(modeladmin, request, queryset):
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    if len(pks) < 2:
        modeladmin.message_user(
            request, _("Select at least two people to merge."), messages.WARNING
        )
        return None
    return redirect(merge_url(pks))


class PersonMergeForm(forms.Form):
    keep = forms.TypedChoiceField(
        label=_("Keep"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the person to keep.")},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(person.pk, str(person)) for person in people]


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def _context(modeladmin, request, **context) -> dict:
    request.current_app = modeladmin.admin_site.name
    return {**modeladmin.admin_site.each_context(request), "opts": modeladmin.opts, **context}


def merge_view(modeladmin, request):
    """Compare the people in `?ids=`, choose one to keep, and merge the others into it."""
    if not can_merge(modeladmin, request):
        raise PermissionDenied
    people = list(selectors.person_merge_candidates(_ids(request.GET.get("ids", ""))))
    if len(people) < 2:
        modeladmin.message_user(request, _("Choose at least two people to merge."), messages.ERROR)
        return redirect("admin:archive_person_changelist")
    form = PersonMergeForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        keep = next(person for person in people if person.pk == form.cleaned_data["keep"])
        merged = [person for person in people if person is not keep]
        try:
            kept = person_merge(keep=keep, merge=merged, user=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            moved = sum(p.works_count + p.subjects_count + p.events_count for p in merged)
            modeladmin.message_user(
                request,
                ngettext(
                    "%(merged)s merged into %(kept)s; %(count)d relation moved.",
                    "%(merged)s merged into %(kept)s; %(count)d relations moved.",
                    moved,
                )
                % {"merged": ", ".join(map(str, merged)), "kept": kept, "count": moved},
                messages.SUCCESS,
            )
            return redirect("admin:archive_person_change", kept.pk)
    context = _context(modeladmin, request, title=_("Merge people"), form=form, people=people)
    return TemplateResponse(request, "admin/archive/person/merge.html", context)


def duplicates_view(modeladmin, request):
    """Pairs of people who may be one person, each with a link to compare and merge them."""
    if not modeladmin.has_view_or_change_permission(request):
        raise PermissionDenied
    pairs = selectors.person_near_duplicates()
    context = _context(
        modeladmin,
        request,
        title=_("Possible duplicates"),
        rows=[(pair, merge_url([pair.first.pk, pair.second.pk])) for pair in pairs],
        can_merge=can_merge(modeladmin, request),
        limit_reached=len(pairs) >= selectors.NEAR_DUPLICATES_SHOWN,
    )
    return TemplateResponse(request, "admin/archive/person/duplicates.html", context)


def person_merge_urls(modeladmin) -> list:
    """The two pages, under the person admin's own URLs."""

    def wrap(view):
        return modeladmin.admin_site.admin_view(lambda request: view(modeladmin, request))

    return [
        path("merge/", wrap(merge_view), name="archive_person_merge"),
        path("duplicates/", wrap(duplicates_view), name="archive_person_duplicates"),
    ]
