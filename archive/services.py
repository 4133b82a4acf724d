"""Writes that touch more than one row: keyword-only, atomic."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from archive.models import Status

CURATORS_GROUP = "Curators"
CURATED_MODELS = [
    "publication",
    "publicationtitle",
    "publicationabstract",
    "authorship",
    "publicationsubject",
    "publicationevent",
    "keyword",
    "person",
    "personname",
    "event",
    "eventtitle",
    "eventparticipation",
    "journal",
    "journalname",
    "journalidentifier",
    "journalmetric",
]


@transaction.atomic
def records_set_status(*, queryset, status: str) -> int:
    """Publish or unpublish records; returns how many changed."""
    if status not in Status.values:
        raise ValueError(f"Unknown status {status!r}.")
    return queryset.exclude(status=status).update(status=status)


@transaction.atomic
def curators_group_ensure() -> Group:
    """The group whose members may edit every record, import and export."""
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="archive", content_type__model__in=CURATED_MODELS
    ) | Permission.objects.filter(content_type__app_label="archive", codename="view_importbatch")
    group.permissions.set(permissions)
    return group
