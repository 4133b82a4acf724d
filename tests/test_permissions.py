"""Who may do what in the admin: every URL of every registered admin and every admin action,
by GET and by POST, for six users.

The URLs and actions are read from the admin registry (`admin.site._registry`, each admin's
`get_urls()` and actions), so a page or an action added later is tested at once, and this file
fails until it says who may use it (`URL_KINDS`, `ACTION_RIGHTS`, `MODEL_POLICY`).

- anonymous: every page sends them to the login page;
- staff: a staff account without any permission: the index and its own password, nothing else;
- reader: staff who may view every archive record and nothing more;
- editor: staff holding every archive permission but import and export: edits every record, but
  may not import, export or undo an import;
- curator: a member of the Curators group that migrate creates: edits, imports, exports, undoes;
- superuser: everything, but what no one may do (the import log is read-only).

Every refused POST leaves every table as it was, row for row.
"""

import datetime
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.sql import emit_post_migrate_signal
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from archive.audit import Recorder
from archive.importing.formats import BookSciJSON
from archive.importing.resources import run_import
from archive.models import AuditEntry, ImportBatch, Keyword, Person, Publication, Status
from archive.services import CURATORS_GROUP
from tests.factories import make_event, make_journal, make_person, make_publication

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "Quiet-harbour-lantern-1954"

ROLES = ["anonymous", "staff", "reader", "editor", "curator", "superuser"]
EVERY_RIGHT = {"staff", "view", "add", "change", "delete", "import", "export", "merge", "undo"}

# What each kind of model is, and so who may do what with it.
MODEL_POLICY = {
    "archive.publication": "record",
    "archive.person": "record",
    "archive.event": "record",
    "archive.journal": "record",
    "archive.keyword": "record",
    "archive.importbatch": "import log",
    "archive.auditentry": "history",
    "auth.user": "accounts",
    "auth.group": "accounts",
    # django-axes: failed and successful admin logins.
    "axes.accessattempt": "login log",
    "axes.accesslog": "login log",
    "axes.accessfailurelog": "login log",
}
ROLE_RIGHTS = {
    "anonymous": {
        "record": set(),
        "import log": set(),
        "history": set(),
        "accounts": set(),
        "login log": set(),
    },
    "staff": {
        "record": {"staff"},
        "import log": {"staff"},
        "history": {"staff"},
        "accounts": {"staff"},
        "login log": {"staff"},
    },
    "reader": {
        "record": {"staff", "view"},
        "import log": {"staff", "view"},
        "history": {"staff", "view"},
        "accounts": {"staff"},
        "login log": {"staff"},
    },
    "editor": {
        "record": {"staff", "view", "add", "change", "delete", "merge"},
        "import log": {"staff", "view"},
        "history": {"staff", "view", "revert"},
        "accounts": {"staff"},
        "login log": {"staff"},
    },
    "curator": {
        "record": {"staff", "view", "add", "change", "delete", "merge", "import", "export"},
        "import log": {"staff", "view", "undo"},
        "history": {"staff", "view", "revert"},
        "accounts": {"staff"},
        "login log": {"staff"},
    },
    # The import log is written by imports and undos only, never by hand; the login log by
    # logins (its change pages edit nothing; deleting a locked-out login's attempts lets it in).
    # The history of changes is written by the changes; reverting one takes the right to change
    # that kind of record (here a publication).
    "superuser": {
        "record": EVERY_RIGHT,
        "import log": {"staff", "view", "undo"},
        "history": {"staff", "view", "revert"},
        "accounts": EVERY_RIGHT,
        "login log": {"staff", "view", "change", "delete"},
    },
}

# A model admin's URL, by the end of its name: the right a GET takes, and the one a POST takes.
URL_KINDS = {
    "changelist": ("view", "view"),
    "add": ("add", "add"),
    "change": ("view", "change"),
    "delete": ("delete", "delete"),
    "history": ("view", "view"),
    "redirect": ("staff", "staff"),  # the unnamed <id>/, which redirects to <id>/change/
    "password_change": ("change", "change"),
    "import": ("import", "import"),
    "process_import": ("import", "import"),
    "export": ("export", "export"),
    "merge": ("merge", "merge"),
    "duplicates": ("view", "view"),
    "undo": ("undo", "undo"),
    "revert": ("revert", "revert"),
}
# Admin actions, by name: the right each takes.
ACTION_RIGHTS = {
    "delete_selected": "delete",
    "publish": "change",
    "unpublish": "change",
    "merge_selected": "merge",
    "cleanup_expired_attempts": "delete",
    "export_admin_action": "export",
}

# What a new record looks like on each add page; the rest of the form is as the page offers it.
NEW_RECORDS = {
    "archive.publication": {"title": "A record added to test permissions", "language": "en"},
    "archive.person": {"display_name": "Permission Test Person"},
    "archive.event": {"title": "A permission test", "date": "1954"},
    "archive.journal": {"name": "Journal of Permission Tests"},
    "archive.keyword": {"name": "permission tests"},
    "auth.user": {
        "username": "newcomer",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
    },
    "auth.group": {"name": "Reviewers"},
}
# The field a test edit changes on each change page (None: the page has nothing to edit).
EDITED_FIELDS = {
    "archive.publication": "title",
    "archive.person": "display_name",
    "archive.event": "title",
    "archive.journal": "name",
    "archive.keyword": "name",
    "auth.user": "first_name",
    "auth.group": "name",
    "archive.importbatch": None,
    "archive.auditentry": None,
    "axes.accessattempt": None,
    "axes.accesslog": None,
    "axes.accessfailurelog": None,
}
EDITED = "Edited to test permissions"
# A file each import page accepts: (format name, content).
IMPORT_FILES = {
    "archive.publication": ("csv", b"title\nA file imported to test permissions\n"),
    "archive.person": ("csv", b"display_name\nImported Permission Tester\n"),
    "archive.event": ("csv", b"title,date\nAn imported permission test,1955\n"),
    "archive.journal": ("csv", b"name\nImported Journal of Permissions\n"),
}


# --- the URLs and actions of the registry ---------------------------------------------------


@dataclass(frozen=True)
class AdminURL:
    model: type
    kind: str  # a key of URL_KINDS, or "unclassified"
    name: str | None
    pattern: str

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def __str__(self) -> str:
        return f"{self.label}:{self.name or self.pattern}"


def model_admin_urls(site: AdminSite = admin.site) -> list[AdminURL]:
    urls = []
    for model, model_admin in site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)  # an include() has none
            if name is None:
                is_redirect = str(pattern.pattern) == "<path:object_id>/"
                kind = "redirect" if is_redirect else "unclassified"
            elif name.startswith(prefix) and name.removeprefix(prefix) in URL_KINDS:
                kind = name.removeprefix(prefix)
            else:
                kind = "unclassified"
            urls.append(AdminURL(model, kind, name, str(pattern.pattern)))
    return urls


def model_admin_actions(site: AdminSite = admin.site) -> list[tuple[type, str]]:
    """Every action of every admin, whether or not anyone may use it."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    found = []
    for model, model_admin in site._registry.items():
        names = {name for _function, name, _description in model_admin._get_base_actions()}
        names |= set(model_admin.get_actions(request))
        found += [(model, name) for name in sorted(names)]
    return found


SITE_URL_NAMES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}


def unclassified_site_urls(site: AdminSite = admin.site) -> list[str]:
    """The admin site's own URLs (not a model admin's) that this file does not test."""
    unknown = []
    for pattern in site.get_urls():
        if isinstance(pattern, URLResolver):
            continue  # a model admin's URLs, tested one by one
        callback = getattr(pattern.callback, "__name__", "")
        if pattern.name in SITE_URL_NAMES or (
            pattern.name is None and callback == "catch_all_view"
        ):
            continue
        unknown.append(str(pattern.pattern))
    return unknown


def unclassified(site: AdminSite = admin.site) -> list[str]:
    return (
        [str(url) for url in model_admin_urls(site) if url.kind == "unclassified"]
        + [
            f"{model._meta.label_lower} action {name}"
            for model, name in model_admin_actions(site)
            if name not in ACTION_RIGHTS
        ]
        + [
            model._meta.label_lower
            for model in site._registry
            if model._meta.label_lower not in MODEL_POLICY
        ]
        + unclassified_site_urls(site)
    )


def allowed(role: str, model, right: str) -> bool:
    policy = MODEL_POLICY[model._meta.label_lower]
    return right in ROLE_RIGHTS[role][policy]


def test_every_admin_url_action_and_model_is_in_the_matrix():
    assert unclassified() == []


def test_an_admin_url_or_action_the_matrix_does_not_know_is_reported():
    @admin.action(description="Archive the selected keywords")
    def archive_keywords(modeladmin, request, queryset):
        """Never run: only its presence is looked at."""

    class KeywordAdminWithMore(admin.ModelAdmin):
        actions = [archive_keywords]

        def get_urls(self):
            rename = path("rename/", self.admin_site.admin_view(self.changelist_view))
            return [rename, *super().get_urls()]

    site = AdminSite(name="elsewhere")
    site.register(Keyword, KeywordAdminWithMore)
    site.register(ContentType)

    assert unclassified(site) == [
        "archive.keyword:rename/",
        "archive.keyword action archive_keywords",
        "contenttypes.contenttype",
    ]


# --- the archive and its users ----------------------------------------------------------------


@dataclass
class Sample:
    """Two records of every registered model (the first a draft where records have a status),
    the import that brought in one publication, and the superuser."""

    first: dict
    second: dict
    batch: ImportBatch
    root: User

    def of(self, model):
        label = model._meta.label_lower
        if label not in self.first:
            pytest.fail(f"The archive fixture has no {label} to test its admin pages with.")
        return self.first[label]


@pytest.fixture
def archive(db):
    dataset = BookSciJSON().create_dataset(
        (FIXTURES / "booksci_cold_war_history.json").read_bytes()
    )
    run_import(dataset, file_name="booksci_cold_war_history.json", format_name=BookSciJSON.name)
    batch = ImportBatch.objects.get()
    root = User.objects.create(username="root", is_staff=True, is_superuser=True)
    drafted, published = (
        make_publication("A draft", status=Status.DRAFT),
        make_publication("A published record"),
    )
    first = {
        "archive.publication": drafted,
        "archive.person": make_person("Wang Ming", status=Status.DRAFT),
        "archive.event": make_event("A drafted meeting", status=Status.DRAFT),
        "archive.journal": make_journal(name="A drafted journal", status=Status.DRAFT),
        "archive.keyword": Keyword.objects.create(name="labour migration"),
        "archive.importbatch": batch,
        "archive.auditentry": retitled(drafted, "A draft, retitled", root),
        "auth.user": User.objects.create(username="subscriber", email="subscriber@example.org"),
        "auth.group": Group.objects.create(name="Readers"),
    }
    second = {
        "archive.publication": published,
        "archive.person": make_person("Wang Ming (1904–1974)"),
        "archive.event": make_event("A published meeting"),
        "archive.journal": make_journal(name="A published journal"),
        "archive.keyword": Keyword.objects.create(name="Sino-Soviet relations"),
        "archive.importbatch": batch,
        "archive.auditentry": retitled(published, "A published record, retitled", root),
        "auth.user": User.objects.create(username="contributor"),
        "auth.group": Group.objects.create(name="Writers"),
    }
    if apps.is_installed("axes"):
        for label, fields in (
            ("axes.accessattempt", {"failures_since_start": 1}),
            ("axes.accesslog", {}),
            ("axes.accessfailurelog", {}),
        ):
            first[label], second[label] = (
                apps.get_model(label).objects.create(
                    username=name, ip_address="192.0.2.1", path_info="/admin/login/", **fields
                )
                for name in ("subscriber", "contributor")
            )
        # The second attempt is a day old: expired, for "Clean up expired attempts".
        second["axes.accessattempt"].attempt_time = timezone.now() - datetime.timedelta(days=1)
        second["axes.accessattempt"].save(update_fields=["attempt_time"])
    return Sample(first, second, batch, root)


def retitled(publication, title: str, user) -> AuditEntry:
    """A change in the publication's history, as the admin records one."""
    with Recorder(user=user, how=AuditEntry.How.ADMIN) as recorder:
        recorder.watch(Publication, [publication.pk])
        publication.title = title
        publication.save()
    return AuditEntry.objects.get(operation=recorder.operation)


def archive_permissions_but_import_and_export():
    codes = (
        settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE,
        settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE,
    )
    return Permission.objects.filter(content_type__app_label="archive").exclude(
        codename__regex=rf"^({'|'.join(map(re.escape, codes))})_"
    )


def log_in(client: Client, role: str, sample: Sample) -> User | None:
    if role == "anonymous":
        return None
    is_root = role == "superuser"
    user = sample.root if is_root else User.objects.create(username=role, is_staff=True)
    if role == "reader":
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="archive", codename__startswith="view_"
            )
        )
    if role == "editor":
        user.user_permissions.set(archive_permissions_but_import_and_export())
    if role == "curator":
        user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    client.force_login(user)
    return user


def database_state() -> dict[str, list[dict]]:
    """Every row of every table but sessions (and the users' last login), to compare."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label == "sessions":
            continue
        rows = list(model._default_manager.order_by("pk").values())
        if model is User:
            for row in rows:
                row.pop("last_login")
        state[model._meta.label] = rows
    return state


@contextmanager
def rolled_back():
    """Whatever happens inside is undone, so that the next user meets the same archive."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def stored_uploads(folder: Path) -> list[Path]:
    return [item for item in folder.rglob("*") if item.is_file()]


def sends_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


# --- forms as the admin renders them ------------------------------------------------------------


def _form_values(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        bound = form[name]
        value = bound.value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(field.widget, forms.NullBooleanSelect):
            data[bound.html_name] = {True: "true", False: "false"}.get(value, "unknown")
        elif isinstance(field.widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else field.widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value is not None:
            data[bound.html_name] = str(value)
    return data


def form_payload(page) -> dict:
    """What the admin form on this page sends back unchanged, inline formsets included."""
    data = _form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= _form_values(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= _form_values(form)
    return data


def as_superuser(sample: Sample) -> Client:
    client = Client()
    client.force_login(sample.root)
    return client


# --- every model admin URL, for every user, by GET and by POST ----------------------------------


def object_path(url: AdminURL, pk) -> str:
    if url.kind == "redirect":
        opts = url.model._meta
        return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}{pk}/"
    return reverse(f"admin:{url.name}", args=[pk])


def url_path(url: AdminURL, sample: Sample) -> str:
    if "object_id" in url.pattern or "<id>" in url.pattern:
        return object_path(url, sample.of(url.model).pk)
    address = reverse(f"admin:{url.name}")
    if url.kind == "merge":
        people = sample.first["archive.person"], sample.second["archive.person"]
        return f"{address}?ids={people[0].pk},{people[1].pk}"
    return address


def upload(url: AdminURL) -> dict:
    if url.label not in IMPORT_FILES:
        pytest.fail(f"IMPORT_FILES has no file for {url.label} to import.")
    format_name, content = IMPORT_FILES[url.label]
    model_admin = admin.site._registry[url.model]
    names = [format_class.name for format_class in model_admin.get_import_formats()]
    return {
        "format": str(names.index(format_name)),
        "resource": "0",
        "new_records": Status.PUBLISHED,
        "import_file": SimpleUploadedFile(f"permissions.{format_name}", content),
    }


def post_payload(url: AdminURL, sample: Sample) -> dict:
    """What a POST to this URL sends: what the page would send to do its work."""
    target = sample.of(url.model)
    if url.kind == "changelist":
        return {"action": "", "index": "0", "_selected_action": [target.pk]}
    if url.kind == "add":
        page = as_superuser(sample).get(reverse(f"admin:{url.name}"))
        if page.status_code != 200:
            return {}
        if url.label not in NEW_RECORDS:
            pytest.fail(f"NEW_RECORDS does not say what a new {url.label} looks like.")
        return form_payload(page) | NEW_RECORDS[url.label]
    if url.kind == "change":
        if url.label not in EDITED_FIELDS:
            pytest.fail(f"EDITED_FIELDS does not say which field of a {url.label} to edit.")
        page = as_superuser(sample).get(object_path(url, target.pk))
        if page.status_code != 200:
            return {}
        field = EDITED_FIELDS[url.label]
        edit = {field: EDITED} if field else {}
        return form_payload(page) | edit
    if url.kind == "delete":
        return {"post": "yes"}
    if url.kind == "password_change":
        return {"usable_password": "true", "password1": PASSWORD, "password2": PASSWORD}
    if url.kind == "import":
        return upload(url)
    if url.kind == "process_import":
        import_name = url.name.removesuffix("process_import") + "import"
        preview = as_superuser(sample).post(reverse(f"admin:{import_name}"), upload(url))
        form = preview.context["confirm_form"]
        return {name: form.initial.get(name, "") for name in form.fields}
    if url.kind == "export":
        form = as_superuser(sample).get(reverse(f"admin:{url.name}")).context["form"]
        chosen = {name: "on" for name, field in form.fields.items() if field.initial is True}
        return {**chosen, "format": "0", "resource": "0"}
    if url.kind == "merge":
        return {"keep": sample.first["archive.person"].pk}
    return {}


def check_links(url: AdminURL, page, role: str) -> None:
    """A page offers import, export and undo only to those who may use them."""
    html = page.content.decode()
    if url.kind == "changelist":
        for kind in ("import", "export"):
            name = f"{url.model._meta.app_label}_{url.model._meta.model_name}_{kind}"
            if any(other.name == name for other in MODEL_URLS):
                assert (reverse(f"admin:{name}") in html) == allowed(role, url.model, kind)
    if url.kind == "change" and url.label == "archive.importbatch":
        undo = reverse("admin:archive_importbatch_undo", args=[page.context["original"].pk])
        assert (undo in html) == allowed(role, url.model, "undo")


def check_allowed_post(url: AdminURL, response, sample: Sample, before: dict) -> None:
    """The POST did what the page is for."""
    model = url.model
    target = sample.of(model)
    if url.kind in {"changelist", "history", "duplicates", "redirect"}:
        assert response.status_code in {200, 302}
        assert database_state() == before
    elif url.kind == "add":
        assert response.status_code == 302, response.context and response.context.get("errors")
        assert model._default_manager.count() == len(before[model._meta.label]) + 1
    elif url.kind == "change":
        assert response.status_code == 302, response.context and response.context.get("errors")
        saved = model._default_manager.get(pk=target.pk)
        if field := EDITED_FIELDS[url.label]:
            assert getattr(saved, field) == EDITED
        else:
            assert before[model._meta.label] == database_state()[model._meta.label]
    elif url.kind == "delete":
        assert response.status_code == 302
        assert not model._default_manager.filter(pk=target.pk).exists()
    elif url.kind == "password_change":
        assert response.status_code == 302
        assert model._default_manager.get(pk=target.pk).check_password(PASSWORD)
    elif url.kind == "import":
        assert response.status_code == 200 and "confirm_form" in response.context
        assert database_state() == before  # the preview writes nothing
    elif url.kind == "process_import":
        assert response.status_code == 302
        assert model._default_manager.count() == len(before[model._meta.label]) + 1
    elif url.kind == "export":
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert database_state() == before
    elif url.kind == "merge":
        assert response.status_code == 302
        assert not Person.objects.filter(pk=sample.second["archive.person"].pk).exists()
    elif url.kind == "undo":
        assert response.status_code == 302
        assert ImportBatch.objects.get(pk=sample.batch.pk).status == ImportBatch.Status.UNDONE
    elif url.kind == "revert":
        assert response.status_code == 302
        assert (
            Publication.objects.get(pk=target.object_id).title == target.before["fields"]["title"]
        )
        assert AuditEntry.objects.filter(reverts=target).exists()
    else:
        pytest.fail(f"No check of what a POST to a {url.kind} URL does.")


MODEL_URLS = model_admin_urls()


@pytest.mark.parametrize("url", MODEL_URLS, ids=str)
def test_every_model_admin_url_by_get_and_post(archive, import_storage, subtests, url):
    if url.kind == "unclassified":
        pytest.fail(f"{url} is not in URL_KINDS: say who may use it.")
    get_right, post_right = URL_KINDS[url.kind]
    address = url_path(url, archive)
    for role in ROLES:
        with subtests.test(role=role, method="GET"), rolled_back():
            client = Client()
            log_in(client, role, archive)

            response = client.get(address)

            if role == "anonymous":
                assert sends_to_login(response)
            elif url.kind == "process_import":
                assert response.status_code == 405  # a confirmation is only ever POSTed
            elif allowed(role, url.model, get_right):
                assert response.status_code == (302 if url.kind == "redirect" else 200)
                check_links(url, response, role)
            else:
                assert response.status_code == 403

        with subtests.test(role=role, method="POST"), rolled_back():
            client = Client()
            payload = post_payload(url, archive)
            log_in(client, role, archive)
            before, uploads = database_state(), stored_uploads(import_storage)

            response = client.post(address, payload)

            if allowed(role, url.model, post_right):
                check_allowed_post(url, response, archive, before)
                continue
            if role == "anonymous":
                assert sends_to_login(response)
            else:
                assert response.status_code == 403
            assert database_state() == before
            assert stored_uploads(import_storage) == uploads


# --- every action of every admin ----------------------------------------------------------------


def check_action_done(model, action: str, response, sample: Sample, before: dict) -> None:
    label = model._meta.label_lower
    first, second = sample.first[label], sample.second[label]
    rows = model._default_manager.filter(pk__in=[first.pk, second.pk])
    if action == "delete_selected":
        assert response.status_code == 302 and not rows.exists()
    elif action in {"publish", "unpublish"}:
        status = Status.PUBLISHED if action == "publish" else Status.DRAFT
        assert response.status_code == 302
        assert set(rows.values_list("status", flat=True)) == {status}
    elif action == "merge_selected":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:archive_person_merge"))
        assert database_state() == before  # the confirmation page merges, not the action
    elif action == "cleanup_expired_attempts":
        assert response.status_code == 302
        assert list(rows.values_list("pk", flat=True)) == [first.pk]  # the day-old one went
    else:
        pytest.fail(f"No check of what the action {action} does.")


@pytest.mark.parametrize(
    ("model", "action"),
    model_admin_actions(),
    ids=lambda value: value if isinstance(value, str) else value._meta.label_lower,
)
def test_every_admin_action(archive, subtests, model, action):
    if action not in ACTION_RIGHTS:
        pytest.fail(f"The action {action} is not in ACTION_RIGHTS: say who may use it.")
    label = model._meta.label_lower
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    selected = [archive.of(model).pk, archive.second[label].pk]
    payload = {"action": action, "index": "0", "select_across": "0", "_selected_action": selected}
    if action == "delete_selected":
        payload["post"] = "yes"  # past the confirmation page
    for role in ROLES:
        with subtests.test(role=role), rolled_back():
            client = Client()
            log_in(client, role, archive)
            before = database_state()

            response = client.post(changelist, payload)

            if allowed(role, model, ACTION_RIGHTS[action]):
                check_action_done(model, action, response, archive, before)
                continue
            if role == "anonymous":
                assert sends_to_login(response)
            elif allowed(role, model, "view"):
                # Not offered to them: "No action selected", back to the list (or, where they
                # have no action at all, the list itself).
                assert response.status_code in {200, 302}
                assert response.status_code == 200 or response["Location"] == changelist
            else:
                assert response.status_code == 403
            assert database_state() == before


# --- the admin site's own pages -----------------------------------------------------------------


@dataclass(frozen=True)
class SitePage:
    name: str
    address: object  # the URL, or a function of the sample archive that gives it
    right: object = None  # a function of the role; None: any staff
    get: int = 200
    post: int = 200
    refused: int = 403

    def __str__(self) -> str:
        return self.name

    def url(self, sample: Sample) -> str:
        return self.address(sample) if callable(self.address) else self.address


def view_on_site(sample: Sample) -> str:
    draft = sample.first["archive.publication"]
    content_type = ContentType.objects.get_for_model(draft)
    return reverse("admin:view_on_site", args=[content_type.pk, draft.pk])


def autocomplete_pages() -> list[SitePage]:
    """One for every autocomplete field of every admin and inline: the search behind it."""
    pages = []
    for model_admin in admin.site._registry.values():
        sources = [(model_admin.model, model_admin.autocomplete_fields)]
        sources += [(inline.model, inline.autocomplete_fields) for inline in model_admin.inlines]
        for model, fields in sources:
            for field in fields:
                remote = model._meta.get_field(field).remote_field.model
                query = {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field,
                    "term": "a",
                }
                pages.append(
                    SitePage(
                        f"autocomplete {model._meta.label_lower}.{field}",
                        f"{reverse('admin:autocomplete')}?{urlencode(query)}",
                        right=lambda role, remote=remote: allowed(role, remote, "view"),
                        post=405,
                    )
                )
    return pages


def app_pages() -> list[SitePage]:
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    return [
        SitePage(
            f"app_list {label}",
            reverse("admin:app_list", args=[label]),
            right=lambda role, label=label: any(
                allowed(role, model, "view")
                for model in admin.site._registry
                if model._meta.app_label == label
            ),
            refused=404,
        )
        for label in labels
    ]


SITE_PAGES = [
    SitePage("index", reverse("admin:index")),
    SitePage("password_change", reverse("admin:password_change")),
    SitePage("password_change_done", reverse("admin:password_change_done"), post=405),
    SitePage("jsi18n", reverse("admin:jsi18n"), post=405),
    SitePage("view_on_site", view_on_site, get=302, post=302),
    SitePage("catch_all_view", "/admin/no-such-page/", get=404, post=404),
    *app_pages(),
    *autocomplete_pages(),
]


@pytest.mark.parametrize("page", SITE_PAGES, ids=str)
def test_every_page_of_the_admin_site(archive, subtests, page):
    address = page.url(archive)
    payload = {
        "old_password": "not the password",
        "new_password1": PASSWORD,
        "new_password2": PASSWORD,
    }
    for role in ROLES:
        with subtests.test(role=role), rolled_back():
            client = Client()
            log_in(client, role, archive)
            before = database_state()
            may = page.right is None or page.right(role)

            got, posted = client.get(address), client.post(address, payload)

            if role == "anonymous":
                assert sends_to_login(got) and sends_to_login(posted)
            else:
                assert got.status_code == (page.get if may else page.refused)
                assert posted.status_code == (
                    page.post if may or page.post == 405 else page.refused
                )
            assert database_state() == before


def test_site_pages_cover_every_url_of_the_admin_site():
    names = {page.name.split()[0] for page in SITE_PAGES} | {"login", "logout"}
    assert names == SITE_URL_NAMES | {"catch_all_view"}


def without_login_records(state: dict) -> dict:
    """django-axes counts failed logins; that is all a failed login may write."""
    return {table: rows for table, rows in state.items() if not table.startswith("axes.")}


def test_the_login_page_lets_no_one_in_without_the_password(client, archive, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reader = archive.first["auth.user"]
    reader.set_password(PASSWORD)
    reader.save()
    staff = User.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    before = without_login_records(database_state())

    wrong = client.post(reverse("admin:login"), {"username": "clerk", "password": "guess"})
    not_staff = client.post(
        reverse("admin:login"), {"username": "subscriber", "password": PASSWORD}
    )

    assert wrong.status_code == 200 and not_staff.status_code == 200
    assert "_auth_user_id" not in client.session
    assert without_login_records(database_state()) == before
    assert client.get(reverse("admin:index")).status_code == 302
    client.force_login(staff)
    assert client.get(reverse("admin:login"))["Location"] == reverse("admin:index")


def test_logging_out_takes_a_post(client, archive):
    assert client.post(reverse("admin:logout"))["Location"] == reverse("admin:index")
    log_in(client, "curator", archive)

    assert client.get(reverse("admin:logout")).status_code == 405
    assert client.post(reverse("admin:logout")).status_code == 200
    assert sends_to_login(client.get(reverse("admin:index")))


# --- the Curators group, and the import and export permission settings ----------------------------


def codenames(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def test_the_curators_group_holds_what_the_readme_says_and_nothing_more(db):
    """ "Members of the Curators group may edit every record, import and export" (README); undo
    takes the import and delete permissions; the import log is theirs to read."""
    expected = {"archive.view_importbatch", "archive.view_auditentry"}
    for model, model_admin in admin.site._registry.items():
        if MODEL_POLICY.get(model._meta.label_lower) != "record":
            continue
        for edited in [model, *(inline.model for inline in model_admin.inlines)]:
            opts = edited._meta
            actions = ["add", "change", "delete", "view"]
            if hasattr(model_admin, "has_import_permission") and edited is model:
                actions += [
                    settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE,
                    settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE,
                ]
            expected |= {f"{opts.app_label}.{get_permission_codename(a, opts)}" for a in actions}

    group = Group.objects.get(name=CURATORS_GROUP)

    assert codenames(group.permissions.select_related("content_type")) == expected


def test_migrate_puts_the_curators_group_back_as_it_should_be(db):
    group = Group.objects.get(name=CURATORS_GROUP)
    group.permissions.add(*Permission.objects.filter(codename__in=["change_user", "add_group"]))
    group.permissions.remove(*Permission.objects.filter(codename="import_publication"))

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # as migrate does

    granted = codenames(group.permissions.select_related("content_type"))
    assert "archive.import_publication" in granted
    assert not {"auth.change_user", "auth.add_group"} & granted


IMPORT_EXPORT_URLS = [
    url for url in MODEL_URLS if url.kind in {"import", "process_import", "export", "undo"}
]


@pytest.mark.parametrize("url", IMPORT_EXPORT_URLS, ids=str)
def test_the_import_and_export_permission_settings_decide_every_path(
    archive, settings, subtests, url
):
    """With IMPORT_EXPORT_IMPORT_PERMISSION_CODE and IMPORT_EXPORT_EXPORT_PERMISSION_CODE set to
    "change", whoever may change a record may import, export and undo, and the import and export
    permissions alone no longer do."""
    import_export = Permission.objects.filter(
        content_type__app_label="archive",
        codename__regex=r"^(import|export|view)_|^delete_publication$",
    )
    editor = list(archive_permissions_but_import_and_export())
    settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
    settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "change"
    address = url_path(url, archive)
    for who, may in (("editor", True), ("holder of import and export", False)):
        with subtests.test(who=who), rolled_back():
            client = Client()
            payload = post_payload(url, archive) if url.kind == "process_import" else None
            user = User.objects.create(username="clerk", is_staff=True)
            user.user_permissions.set(editor if who == "editor" else import_export)
            client.force_login(user)

            if payload is None:
                assert client.get(address).status_code == (200 if may else 403)
            else:
                assert client.post(address, payload).status_code == (302 if may else 403)


def test_undoing_takes_the_permission_to_delete_what_the_import_brought_in(client, archive):
    """The import brought in a person, a journal and its rankings besides the publication."""
    clerk = User.objects.create(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_importbatch", "import_publication", "delete_publication"]
        )
    )
    client.force_login(clerk)
    undo = reverse("admin:archive_importbatch_undo", args=[archive.batch.pk])
    before = database_state()

    assert client.get(undo).status_code == 403
    assert client.post(undo).status_code == 403
    assert database_state() == before

    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["delete_person", "delete_journal", "change_journal"]
        )
    )
    assert client.get(undo).status_code == 200
    assert client.post(undo).status_code == 302
    assert not Person.objects.filter(import_batch=archive.batch).exists()
