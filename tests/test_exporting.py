"""Exporting the archive: the admin export, `export_records`, and reading the files back."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.exporting.dump import archive_export
from archive.exporting.formats import SafeCSV, SafeTSV, SafeXLSX
from archive.importing.events import EventResource
from archive.importing.journals import JournalResource
from archive.importing.people import PersonResource
from archive.importing.report import describe_errors
from archive.importing.resources import PublicationResource, run_import
from archive.importing.spreadsheets import CSV, TSV, XLSX
from archive.models import (
    Event,
    ImportBatch,
    ImportChange,
    Journal,
    Keyword,
    Person,
    Publication,
    Status,
)
from archive.services import CURATORS_GROUP
from tests.factories import (
    add_event_publication,
    add_event_title,
    add_journal_identifier,
    add_journal_metric,
    add_journal_name,
    add_participant,
    add_person_name,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
FORMULAS = ['=HYPERLINK("https://example.org/x","click")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
READERS = {SafeCSV: CSV, SafeTSV: TSV, SafeXLSX: XLSX}
ENTITY_RESOURCES = [JournalResource, PersonResource, EventResource]


@pytest.fixture
def archive():
    """A small archive with every relation the files carry, drafts and would-be formulas."""
    journal = make_journal(
        name="Cold War History",
        issn_print="1468-2745",
        issn_electronic="1743-7962",
        publisher="@SUM(A1)",
        homepage="https://www.tandfonline.com/journals/fcwh20",
    )
    add_journal_name(journal, "Cold War Hist.", kind="abbreviation", language="en")
    add_journal_identifier(journal, "booksci", "46099")
    add_journal_metric(journal, impact_factor="0.400", quartile="Q1", category="HISTORY", year=2023)
    add_journal_metric(journal, system="cas", zone=3, category="历史学")
    make_journal(name="A draft journal", status=Status.DRAFT)

    zhou = make_person(
        "Zhou Enlai",
        wikidata="Q16977",
        birth_date="1898-03-05",
        death_date="1976-01-08",
        biography="Premier (1949–1976).\r\nLed the delegation to Geneva.",
    )
    add_person_name(zhou, "周恩来", language="zh-Hans", kind="native")
    gu = make_person("Ji-Dong Gu", orcid="0000-0002-1825-0097", biography="+1")
    formula = make_person(FORMULAS[0], given_names="-2", family_name="\tx", biography="\rx")
    draft_person = make_person("Someone unconfirmed", status=Status.DRAFT)

    article = make_publication(
        "Unknown page of history",
        doi="10.1080/14682745.2022.2050698",
        journal=journal,
        authors=[gu],
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
    )
    add_translated_title(article, "历史的未知一页", language="zh", machine=True)
    book = make_publication("A book without a DOI", publication_type="book", authors=[zhou])
    make_publication("A draft article", status=Status.DRAFT, authors=[gu])

    geneva = make_event("Geneva Conference", date="1954-04-26/1954-07-21", place="-2")
    add_event_title(geneva, "日内瓦会议", language="zh")
    add_participant(geneva, zhou, "delegate")
    add_participant(geneva, gu, "observer")
    add_participant(geneva, formula, "")
    add_participant(geneva, draft_person, "rumoured")
    add_event_publication(geneva, article, pages="437–440")
    add_event_publication(geneva, book)
    part = make_event("Indochina session", date="1954-05-08/1954-07-21", parent=geneva)
    visit = make_event("Khrushchev's visit to China", date="1954-09/1954-10", description="\tx")
    visit.related.add(geneva, part)
    draft_event = make_event("An unconfirmed meeting", status=Status.DRAFT)
    draft_event.related.add(geneva)
    make_event("A session of the draft meeting", parent=draft_event)
    return {"journal": journal, "zhou": zhou, "gu": gu, "geneva": geneva, "article": article}


def format_name(file_format) -> str:
    return file_format.get_extension()


def export(resource, file_format, queryset=None):
    dataset = resource.export(queryset, force_native_type=file_format.is_binary())
    return file_format.export_data(dataset)


def read(data, file_format):
    reader = READERS[type(file_format)]()
    return reader.create_dataset(data if isinstance(data, bytes) else data.encode())


def database_state() -> dict:
    """Every row of every archive table but the import log, as stored."""
    skipped = {ImportBatch, ImportChange}
    return {
        model._meta.db_table: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("archive").get_models(include_auto_created=True)
        if model not in skipped
    }


def assert_imported(result, dataset):
    assert not result.has_errors() and not result.has_validation_errors(), describe_errors(
        result, dataset
    )


# --- export, then import: nothing changes ---------------------------------------------------


@pytest.mark.parametrize("file_format", [SafeCSV(), SafeTSV(), SafeXLSX()], ids=format_name)
@pytest.mark.parametrize("resource_class", ENTITY_RESOURCES, ids=lambda r: r.__name__)
def test_importing_an_export_reports_every_row_unchanged_and_changes_nothing(
    archive, resource_class, file_format
):
    dataset = read(export(resource_class(), file_format), file_format)
    before = database_state()

    result = resource_class().import_data(dataset)

    assert_imported(result, dataset)
    assert result.totals["skip"] == len(dataset) == resource_class._meta.model.objects.count()
    assert database_state() == before


@pytest.mark.parametrize("file_format", [SafeCSV(), SafeXLSX()], ids=format_name)
def test_importing_a_publication_export_reports_every_row_unchanged(archive, file_format):
    dataset = read(export(PublicationResource(), file_format), file_format)
    before = database_state()

    result = run_import(dataset)

    assert_imported(result, dataset)
    assert result.totals["skip"] == len(dataset) == Publication.objects.count()
    assert database_state() == before


@pytest.mark.parametrize("file_format", [SafeCSV(), SafeTSV(), SafeXLSX()], ids=format_name)
def test_formula_cells_are_neutralised_in_the_export(archive, file_format):
    data = export(PersonResource(), file_format)

    if isinstance(file_format, SafeXLSX):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert all(cell.data_type != "f" for cell in cells)
        values = [cell.value for cell in cells]
    else:
        delimiter = "\t" if isinstance(file_format, SafeTSV) else ","
        values = [v for row in csv.reader(io.StringIO(data), delimiter=delimiter) for v in row]
    for formula in [FORMULAS[0], "+1", "-2", "\tx", "\rx"]:
        assert f"'{formula}" in values
        assert formula not in values


def test_formula_cells_are_restored_on_import(archive):
    dataset = read(export(PersonResource(), SafeCSV()), SafeCSV())
    gu = archive["gu"]
    gu.biography = "Changed since the export"
    gu.save()

    result = PersonResource().import_data(dataset)

    assert_imported(result, dataset)
    assert result.totals["update"] == 1
    gu.refresh_from_db()
    assert gu.biography == "+1"
    assert Person.objects.filter(display_name=FORMULAS[0]).exists()


@pytest.mark.parametrize("resource_class", [*ENTITY_RESOURCES, PublicationResource])
def test_an_export_costs_the_same_queries_however_many_records(archive, resource_class):
    with CaptureQueriesContext(connection) as few_queries:
        few = resource_class().export()
    more_of_everything()
    with CaptureQueriesContext(connection) as many_queries:
        many = resource_class().export()

    assert len(many) >= len(few) + 3
    assert len(many_queries) == len(few_queries)


def more_of_everything():
    for number in range(3):
        journal = make_journal(name=f"Journal {number}")
        add_journal_name(journal, f"J{number}")
        add_journal_metric(journal)
        person = make_person(f"Person {number}")
        add_person_name(person, f"Variant {number}")
        publication = make_publication(f"Article {number}", journal=journal, authors=[person])
        event = make_event(f"Event {number}", parent=Event.objects.first())
        add_participant(event, person, "speaker")
        add_event_publication(event, publication)
        add_event_title(event, f"Title {number}")
        event.related.add(Event.objects.first())


# --- the admin ------------------------------------------------------------------------------

ADMIN_IMPORTS = [
    ("person", "people.csv", 2),
    ("journal", "journals.csv", 2),
    ("event", "events.csv", 3),
]


@pytest.mark.parametrize("model", ["person", "event", "journal"])
def test_the_import_page_offers_csv_tsv_and_xlsx_and_the_draft_choice(admin_client, model):
    response = admin_client.get(reverse(f"admin:archive_{model}_import"))

    html = response.content.decode()
    assert [label for _, label in response.context["form"].fields["format"].choices] == [
        "---",
        "csv",
        "tsv",
        "xlsx",
    ]
    assert "New records become" in html


@pytest.mark.parametrize(("model", "fixture", "rows"), ADMIN_IMPORTS)
def test_a_curator_uploads_previews_and_confirms_an_import(
    admin_client, count_rows, model, fixture, rows
):
    if model == "event":
        call_admin_import(admin_client, "person", "people.csv", and_confirm=True)
        make_publication("Unknown page of history", doi="10.1080/14682745.2022.2050698")
    before = count_rows()

    preview = call_admin_import(admin_client, model, fixture, new_records="draft")

    assert preview.status_code == 200
    assert preview.context["result"].totals["new"] == rows
    assert count_rows() == before
    response = confirm(admin_client, model, preview)
    assert response.status_code == 302
    records = apps.get_model("archive", model).objects.all()
    assert records.count() == rows
    assert {record.status for record in records} == {Status.DRAFT}
    batch = ImportBatch.objects.latest()
    assert (batch.format, batch.file_name, batch.new_count) == ("csv", fixture, rows)
    assert batch.created_by.username == "admin"
    assert len(batch.checksum) == 64


def test_a_workbook_is_imported_through_the_admin(admin_client):
    data = SafeXLSX().export_data(PersonResource().export())
    make_person("Zhou Enlai", wikidata="Q16977")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.active.append(["", "Ji-Dong Gu", "", "", "", "", "", "=1+1"])
    stream = io.BytesIO()
    workbook.save(stream)
    upload = SimpleUploadedFile("people.xlsx", stream.getvalue(), XLSX().get_content_type())

    preview = admin_client.post(
        reverse("admin:archive_person_import"),
        {"format": "2", "resource": "0", "new_records": "published", "import_file": upload},
    )
    confirm(admin_client, "person", preview)

    assert Person.objects.get(display_name="Ji-Dong Gu").biography == "=1+1"
    assert ImportBatch.objects.get().format == "xlsx"


def test_an_admin_import_with_an_unknown_participant_offers_nothing_to_confirm(admin_client):
    response = call_admin_import(admin_client, "event", "events.csv")

    assert "confirm_form" not in response.context
    html = response.content.decode()
    assert "No person “zhou-enlai” in the archive" in html
    assert not Event.objects.exists()


@pytest.mark.parametrize("model", ["person", "event", "journal"])
def test_the_admin_export_holds_only_the_rows_the_filtered_change_list_shows(
    admin_client, archive, model
):
    changelist = admin_client.get(
        reverse(f"admin:archive_{model}_changelist"), {"status__exact": "draft"}
    )
    export_url = reverse(f"admin:archive_{model}_export")
    assert f"{export_url}?status__exact=draft" in changelist.content.decode()

    rows = admin_export(admin_client, model, query="?status__exact=draft")

    drafts = apps.get_model("archive", model).objects.drafts()
    assert {row["slug"] for row in rows} == set(drafts.values_list("slug", flat=True))
    assert 0 < len(rows) < apps.get_model("archive", model).objects.count()


@pytest.mark.parametrize("model", ["person", "event", "journal"])
def test_staff_without_the_permissions_cannot_import_or_export(client, model):
    clerk = User.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=[f"view_{model}", f"change_{model}"])
    )
    client.force_login(clerk)

    assert client.get(reverse(f"admin:archive_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:archive_{model}_export")).status_code == 403
    assert client.post(reverse(f"admin:archive_{model}_export"), {"format": "0"}).status_code == 403
    assert client.get(reverse(f"admin:archive_{model}_import")).status_code == 403


@pytest.mark.parametrize("model", ["person", "event", "journal"])
def test_curators_may_export(client, archive, model):
    curator = User.objects.create_user("curator", password="pw-for-tests-only", is_staff=True)
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    client.force_login(curator)

    rows = admin_export(client, model)

    assert len(rows) == apps.get_model("archive", model).objects.count()


def call_admin_import(client, model, fixture, *, new_records="published", and_confirm=False):
    upload = SimpleUploadedFile(fixture, (FIXTURES / fixture).read_bytes(), "text/csv")
    response = client.post(
        reverse(f"admin:archive_{model}_import"),
        {"format": "0", "resource": "0", "new_records": new_records, "import_file": upload},
    )
    return confirm(client, model, response) if and_confirm else response


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:archive_{model}_process_import"), data)


def admin_export(client, model, *, query="") -> list[dict]:
    """Export as CSV from the admin, every column chosen; the rows."""
    url = reverse(f"admin:archive_{model}_export") + query
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    response = client.post(url, {**data, "format": "0", "resource": "0"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# --- export_records -------------------------------------------------------------------------


def export_records(*args) -> str:
    stdout = io.StringIO()
    call_command("export_records", *map(str, args), stdout=stdout)
    return stdout.getvalue()


def test_export_records_writes_four_files_and_says_how_many_rows_each_holds(archive, tmp_path):
    output = export_records(tmp_path)

    assert f"{tmp_path / 'journals.csv'}: 1 row(s)" in output
    assert f"{tmp_path / 'people.csv'}: 3 row(s)" in output
    assert f"{tmp_path / 'publications.csv'}: 2 row(s)" in output
    assert f"{tmp_path / 'events.csv'}: 4 row(s)" in output
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "events.csv",
        "journals.csv",
        "people.csv",
        "publications.csv",
    ]


def test_drafts_are_exported_only_when_asked(archive, tmp_path):
    export_records(tmp_path / "published")
    export_records(tmp_path / "all", "--include-drafts")

    published = rows_in(tmp_path / "published" / "events.csv")
    everything = rows_in(tmp_path / "all" / "events.csv")
    assert "an-unconfirmed-meeting" not in {row["slug"] for row in published}
    geneva = next(row for row in published if row["slug"] == "geneva-conference")
    assert "someone-unconfirmed" not in geneva["participants"]
    assert len(everything) == Event.objects.count()
    geneva = next(row for row in everything if row["slug"] == "geneva-conference")
    assert "someone-unconfirmed" in geneva["participants"]
    assert "an-unconfirmed-meeting" in geneva["related"]


@pytest.mark.parametrize("format_name", ["tsv", "xlsx", "json"])
def test_export_records_writes_each_format(archive, tmp_path, format_name):
    output = export_records(tmp_path, "--format", format_name)

    assert f"{tmp_path / f'people.{format_name}'}: 3 row(s)" in output
    if format_name == "json":
        people = json.loads((tmp_path / "people.json").read_text("utf-8"))
        assert {person["slug"] for person in people} == set(
            Person.objects.published().values_list("slug", flat=True)
        )


@pytest.mark.parametrize("format_name", ["csv", "json"])
def test_files_written_a_chunk_at_a_time_are_whole(archive, tmp_path, format_name):
    more_of_everything()

    written = archive_export(tmp_path, format_name=format_name, chunk_size=2)

    people = next(w for w in written if w.path.stem == "people")
    if format_name == "json":
        rows = json.loads(people.path.read_text("utf-8"))
    else:
        rows = rows_in(people.path)
    assert [row["slug"] for row in rows] == list(
        Person.objects.published().values_list("slug", flat=True)
    )
    assert people.rows == len(rows) > 2


def test_reimporting_an_export_into_an_empty_archive_reproduces_every_record(archive, tmp_path):
    export_records(tmp_path)
    before = published_archive()
    empty_the_archive()

    for name, resource in [
        ("journals", JournalResource()),
        ("people", PersonResource()),
        ("publications", PublicationResource()),
        ("events", EventResource()),
    ]:
        dataset = CSV().create_dataset((tmp_path / f"{name}.csv").read_bytes())
        result = resource.import_data(dataset, file_name=f"{name}.csv")
        assert_imported(result, dataset)

    assert published_archive() == before


def rows_in(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def empty_the_archive():
    Event.objects.all().delete()
    Publication.objects.all().delete()
    Keyword.objects.all().delete()
    Person.objects.all().delete()
    Journal.objects.all().delete()
    ImportBatch.objects.all().delete()


def published_archive() -> dict:
    """The published records and their links among each other, by slug, as the public sees."""
    journals = {
        j.slug: (
            [j.name, j.issn_print, j.issn_electronic, j.publisher, j.homepage],
            sorted(j.other_names.values_list("name", "kind", "language")),
            sorted(j.external_ids.values_list("scheme", "value")),
            sorted(
                j.metrics.values_list(
                    "system", "year", "recorded_on", "impact_factor", "quartile", "zone", "category"
                )
            ),
        )
        for j in Journal.objects.published()
    }
    # An import cleans text: line breaks become "\n", and leading tabs and returns go.
    people = {
        p.slug: (
            [p.display_name, p.family_name.strip(), p.given_names, p.birth_date, p.death_date],
            [p.biography.replace("\r\n", "\n").strip(), p.orcid, p.wikidata, p.viaf],
            sorted(p.names.values_list("name", "language", "kind")),
        )
        for p in Person.objects.published()
    }
    publications = {
        p.doi or p.slug: (
            [
                p.title,
                p.language,
                p.publication_type,
                p.publication_date,
                p.journal_id and p.journal.slug,
            ],
            [p.volume, p.issue, p.first_page, p.last_page],
            list(p.authorships.order_by("position").values_list("person__slug", "name_as_printed")),
            sorted(p.translated_titles.values_list("language", "title", "is_machine_translation")),
        )
        for p in Publication.objects.published().select_related("journal")
        if p.journal is None or p.journal.is_published
    }
    events = {
        e.slug: (
            [e.title, e.date, e.place, e.description.strip()],
            e.parent.slug if e.parent and e.parent.is_published else "",
            sorted(e.related.published().values_list("slug", flat=True)),
            list(
                e.participations.filter(person__status=Status.PUBLISHED).values_list(
                    "person__slug", "role"
                )
            ),
            sorted(
                e.publication_links.filter(publication__status=Status.PUBLISHED).values_list(
                    "publication__doi", "pages"
                )
            ),
            sorted(e.translations.values_list("language", "title")),
        )
        for e in Event.objects.published()
    }
    return {"journals": journals, "people": people, "publications": publications, "events": events}
