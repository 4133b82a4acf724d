"""Curating through the admin: every page, search in every script, actions, the import flow."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.importing import booksci
from archive.models import (
    Authorship,
    Event,
    ImportBatch,
    Journal,
    JournalMetric,
    Keyword,
    Person,
    Publication,
    Status,
)
from archive.sample import SEED_FILE, sample_archive_load
from archive.services import CURATORS_GROUP
from tests.factories import make_event, make_person, make_publication

ADMIN_MODELS = [
    "publication",
    "person",
    "event",
    "journal",
    "keyword",
    "importbatch",
]


@pytest.fixture
def sample(db):
    sample_archive_load()
    return Publication.objects.get()


def _import(client, payload: bytes, *, name="records.json", new_records="published"):
    """Upload a file on the publication import page; returns the preview response."""
    upload = SimpleUploadedFile(name, payload, content_type="application/json")
    return client.post(
        reverse("admin:archive_publication_import"),
        {"format": "0", "resource": "0", "new_records": new_records, "import_file": upload},
    )


def _confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:archive_publication_process_import"), data)


@pytest.mark.django_db
@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_admin_list_and_add_page_renders(admin_client, sample, model):
    changelist = admin_client.get(reverse(f"admin:archive_{model}_changelist"))
    assert changelist.status_code == 200
    if model != "importbatch":
        assert admin_client.get(reverse(f"admin:archive_{model}_add")).status_code == 200


@pytest.mark.django_db
def test_every_change_page_of_the_sample_archive_renders(admin_client, sample):
    objects = [
        sample,
        *Person.objects.all(),
        *Event.objects.all(),
        *Journal.objects.all(),
        *ImportBatch.objects.all(),
    ]
    for obj in objects:
        url = reverse(f"admin:archive_{obj._meta.model_name}_change", args=[obj.pk])
        response = admin_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_the_publication_page_shows_the_raw_record_pretty_printed(admin_client, sample):
    response = admin_client.get(reverse("admin:archive_publication_change", args=[sample.pk]))
    html = response.content.decode()
    assert "<pre" in html
    assert "&quot;PeriodicalId&quot;: 46099" in html
    assert "历史学" in html


@pytest.mark.django_db
def test_publication_search_finds_the_translated_title(admin_client, sample):
    url = reverse("admin:archive_publication_changelist")
    assert sample.plain_title in admin_client.get(url, {"q": "苏联"}).content.decode()
    assert "0 results" in admin_client.get(url, {"q": "Antarctica"}).content.decode()


@pytest.mark.django_db
def test_person_search_finds_a_name_variant_in_another_script(admin_client, sample):
    response = admin_client.get(reverse("admin:archive_person_changelist"), {"q": "毛泽东"})
    assert response.context["cl"].result_count == 1
    assert response.context["cl"].result_list[0].display_name == "Mao Zedong"


@pytest.mark.django_db
def test_publications_can_be_found_by_an_authors_name_variant(admin_client, sample):
    gu = Person.objects.get(display_name="Ji-Dong Gu")
    gu.names.create(name="谷继东")
    response = admin_client.get(reverse("admin:archive_publication_changelist"), {"q": "谷继东"})
    assert response.context["cl"].result_count == 1


@pytest.mark.django_db
def test_autocomplete_offers_people_by_any_name(admin_client, sample):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Хрущёв",
            "app_label": "archive",
            "model_name": "authorship",
            "field_name": "person",
        },
    )
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    assert texts == ["Nikita Khrushchev"]


@pytest.mark.django_db
def test_publish_and_unpublish_actions_change_the_status(admin_client):
    drafts = [make_person(f"Draft {n}", status=Status.DRAFT) for n in range(3)]
    url = reverse("admin:archive_person_changelist")
    admin_client.post(url, {"action": "publish", "_selected_action": [p.pk for p in drafts[:2]]})
    assert Person.objects.published().count() == 2
    admin_client.post(url, {"action": "unpublish", "_selected_action": [drafts[0].pk]})
    assert list(Person.objects.published()) == [drafts[1]]


@pytest.mark.django_db
def test_an_invalid_date_is_refused_with_a_message_saying_how_to_write_it(admin_client):
    response = admin_client.post(
        reverse("admin:archive_event_add"),
        {
            "title": "Bad date",
            "status": Status.DRAFT,
            "date": "autumn of 1954",
            "place": "",
            "description": "",
            "translations-TOTAL_FORMS": "0",
            "translations-INITIAL_FORMS": "0",
            "participations-TOTAL_FORMS": "0",
            "participations-INITIAL_FORMS": "0",
            "publication_links-TOTAL_FORMS": "0",
            "publication_links-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "1954-09" in response.context["adminform"].form.errors["date"][0]
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_curator_links_a_person_and_an_event_to_a_publication(admin_client):
    publication = make_publication("On the workers")
    person = make_person("Zhou Enlai")
    event = make_event("Geneva Conference", date="1954-04/1954-07")
    url = reverse("admin:archive_publication_change", args=[publication.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "title": publication.title,
            "keywords": [],
            "authorships-TOTAL_FORMS": "1",
            "authorships-INITIAL_FORMS": "0",
            "authorships-0-person": person.pk,
            "authorships-0-position": "1",
            "authorships-0-name_as_printed": "Chou En-lai",
            "authorships-0-role": "author",
            "translated_titles-TOTAL_FORMS": "0",
            "translated_titles-INITIAL_FORMS": "0",
            "translated_abstracts-TOTAL_FORMS": "0",
            "translated_abstracts-INITIAL_FORMS": "0",
            "subjects-TOTAL_FORMS": "1",
            "subjects-INITIAL_FORMS": "0",
            "subjects-0-person": person.pk,
            "subjects-0-pages": "12–14",
            "event_links-TOTAL_FORMS": "1",
            "event_links-INITIAL_FORMS": "0",
            "event_links-0-event": event.pk,
            "event_links-0-pages": "15",
        }
    )
    data = {key: ("" if value is None else value) for key, value in data.items()}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Authorship.objects.get().name_as_printed == "Chou En-lai"
    assert publication.subjects.get().person == person
    assert publication.event_links.get().event == event


# --- the admin import ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_page_offers_booksci_json_and_the_draft_choice(admin_client):
    html = admin_client.get(reverse("admin:archive_publication_import")).content.decode()
    assert "BookSci JSON" in html
    assert "New records become" in html


@pytest.mark.django_db
def test_uploading_the_seed_previews_without_writing_then_confirm_imports_it(
    admin_client, import_storage
):
    preview = _import(admin_client, SEED_FILE.read_bytes(), name=SEED_FILE.name)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.totals["new"] == 1
    assert "Unknown page of history" in preview.content.decode()
    assert not Publication.objects.exists()
    assert not ImportBatch.objects.exists()
    assert any(path.is_file() for path in import_storage.rglob("*"))

    response = _confirm(admin_client, preview)
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.doi == "10.1080/14682745.2022.2050698"
    assert publication.status == Status.PUBLISHED
    assert publication.translated_titles.get(language="zh").is_machine_translation
    assert publication.journal.metrics.filter(
        system=JournalMetric.System.JCR, quartile="Q1"
    ).exists()
    batch = ImportBatch.objects.get()
    assert batch.created_by.username == "admin"
    assert batch.file_name == SEED_FILE.name
    assert batch.format == "booksci"
    assert batch.new_count == 1
    assert len(batch.checksum) == 64
    assert publication.import_batch == batch
    assert not any(path.is_file() for path in import_storage.rglob("*"))


@pytest.mark.django_db
def test_choosing_drafts_makes_new_records_drafts(admin_client):
    preview = _import(admin_client, SEED_FILE.read_bytes(), new_records="draft")
    _confirm(admin_client, preview)
    assert Publication.objects.get().status == Status.DRAFT
    assert Person.objects.get().status == Status.DRAFT
    assert Journal.objects.get().status == Status.DRAFT


@pytest.mark.django_db
def test_importing_the_seed_again_through_the_admin_changes_nothing(admin_client):
    _confirm(admin_client, _import(admin_client, SEED_FILE.read_bytes()))
    before = _counts()
    updated_at = Publication.objects.get().updated_at
    preview = _import(admin_client, SEED_FILE.read_bytes())
    assert preview.context["result"].totals["skip"] == 1
    _confirm(admin_client, preview)
    assert _counts() == before
    assert Publication.objects.get().updated_at == updated_at


@pytest.mark.django_db
def test_the_preview_sums_up_and_lists_what_an_updated_row_changes(admin_client):
    _confirm(admin_client, _import(admin_client, SEED_FILE.read_bytes()))
    record = json.loads(SEED_FILE.read_bytes())
    record["citationCount"] = "42"

    preview = _import(admin_client, json.dumps(record).encode())

    assert preview.context["result"].totals["update"] == 1
    html = preview.content.decode()
    assert "0 new, 1 updated, 0 unchanged." in html
    assert "citation_count" in html and "Unknown page of history" in html
    _confirm(admin_client, preview)
    assert Publication.objects.get().citation_count == 42


@pytest.mark.django_db
def test_the_confirmation_reuses_the_rows_its_preview_read(admin_client, monkeypatch):
    preview = _import(admin_client, SEED_FILE.read_bytes())

    def refuse(*args, **kwargs):
        raise AssertionError("the file was converted a second time")

    monkeypatch.setattr(booksci, "to_row", refuse)
    assert _confirm(admin_client, preview).status_code == 302
    assert Publication.objects.get().doi == "10.1080/14682745.2022.2050698"


@pytest.mark.django_db
def test_a_file_that_is_not_json_gets_one_clear_message(admin_client):
    response = _import(admin_client, b"{not json at all", name="broken.json")
    form = response.context["form"]
    assert "not valid JSON" in str(form.errors["import_file"])
    assert "confirm_form" not in response.context
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(admin_client, settings):
    settings.ARCHIVE_IMPORT_MAX_BYTES = 100
    response = _import(admin_client, SEED_FILE.read_bytes())
    assert "largest accepted is 100 bytes" in str(response.context["form"].errors["import_file"])


@pytest.mark.django_db
def test_a_row_with_a_bad_date_is_shown_with_its_row_and_nothing_is_offered_to_confirm(
    admin_client,
):
    record = json.loads(SEED_FILE.read_bytes())
    record["resultStr"] = None
    record["publicationDate"] = "2022-13-45"
    response = _import(admin_client, json.dumps([record]).encode())
    result = response.context["result"]
    assert result.has_validation_errors()
    assert "confirm_form" not in response.context
    html = response.content.decode()
    assert "2022-13-45" in html
    assert not Publication.objects.exists()


# --- who may do what ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_is_closed_to_visitors(client):
    response = client.get(reverse("admin:archive_publication_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_staff_without_import_permission_cannot_import(client):
    clerk = User.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    clerk.user_permissions.add(*_permissions("view_publication", "change_publication"))
    client.force_login(clerk)
    assert client.get(reverse("admin:archive_publication_changelist")).status_code == 200
    assert client.get(reverse("admin:archive_publication_import")).status_code == 403


@pytest.mark.django_db
def test_curators_may_import(client):
    curator = User.objects.create_user("curator", password="pw-for-tests-only", is_staff=True)
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    client.force_login(curator)
    assert client.get(reverse("admin:archive_publication_import")).status_code == 200
    _confirm(client, _import(client, SEED_FILE.read_bytes()))
    assert Publication.objects.count() == 1


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="archive", codename__in=codenames)


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Publication, Person, Journal, JournalMetric, Authorship, Keyword, Event)
    }
