"""Downloading a filtered list: every page of it, streamed as the archive's own CSV, which the
admin imports back unchanged."""

import csv
import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from archive import selectors
from archive.exporting import streaming
from archive.exporting.formats import SafeCSV, neutralise
from archive.importing import canonical
from archive.importing.events import EVENT_COLUMNS
from archive.importing.formats import PUBLICATION_FORMATS, PublicationCSV
from archive.importing.journals import JOURNAL_COLUMNS
from archive.importing.people import PERSON_COLUMNS
from archive.importing.resources import PublicationResource
from archive.models import (
    ImportBatch,
    ImportChange,
    Keyword,
    Publication,
    PublicationAbstract,
    Status,
)
from tests.factories import (
    add_author,
    add_event_publication,
    add_event_title,
    add_journal_identifier,
    add_journal_metric,
    add_participant,
    add_person_name,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db

DRAFT = Status.DRAFT
KINDS = ["publication", "person", "event", "journal"]
COLUMNS = {
    "publication": canonical.PUBLICATION_COLUMNS,
    "person": PERSON_COLUMNS,
    "event": EVENT_COLUMNS,
    "journal": JOURNAL_COLUMNS,
}
FILENAMES = {
    "publication": "publications.csv",
    "person": "people.csv",
    "event": "events.csv",
    "journal": "journals.csv",
}
FORMULAS = ['=HYPERLINK("https://example.org/x","click")', "+1", "-2", "@SUM(A1)"]


@pytest.fixture
def archive():
    """Records of every kind with their relations, drafts beside them and would-be formulas."""
    journal = make_journal(
        name="Cold War History",
        issn_print="1468-2745",
        issn_electronic="1743-7962",
        publisher="@SUM(A1)",
    )
    add_journal_identifier(journal, "booksci", "46099")
    add_journal_metric(journal, impact_factor="0.400", quartile="Q1", category="HISTORY", year=2023)
    add_journal_metric(journal, system="cas", zone=3, category="历史学")
    make_journal(name="A draft journal", status=DRAFT)

    gu = make_person("Ji-Dong Gu", orcid="0000-0002-1825-0097")
    zhou = make_person("Zhou Enlai", birth_date="1898-03-05", death_date="1976-01-08")
    add_person_name(zhou, "周恩来", language="zh-Hans", kind="native")
    make_person(FORMULAS[0], biography="+1")
    make_person("Someone unconfirmed", status=DRAFT)

    article = make_publication(
        "Unknown page of history",
        doi="10.1080/14682745.2022.2050698",
        journal=journal,
        publication_date="2022-06-21",
        volume="22",
        first_page="437",
        last_page="457",
    )
    add_author(article, gu)
    add_translated_title(article, "历史的未知一页", language="zh", machine=True)
    PublicationAbstract.objects.create(publication=article, language="ru", text="Рабочие.")
    article.keywords.add(Keyword.objects.create(name="labour"), Keyword.objects.create(name="USSR"))
    book = make_publication("A book", publication_type="book", publication_date="1998")
    add_author(book, zhou)
    make_publication(FORMULAS[1], abstract=FORMULAS[2], doi="10.5555/formula", journal=journal)
    make_publication("A draft article", status=DRAFT, authors=[gu])

    geneva = make_event("Geneva Conference", date="1954-04-26/1954-07-21", place="Geneva")
    add_event_title(geneva, "日内瓦会议", language="zh")
    add_participant(geneva, zhou, "delegate")
    add_event_publication(geneva, article, pages="437–440")
    make_event("Khrushchev's visit to China", date="1954-09/1954-10", description=FORMULAS[3])
    make_event("An unconfirmed meeting", status=DRAFT)
    return {"journal": journal, "gu": gu, "geneva": geneva}


def download(client, kind, query="") -> StreamingHttpResponse:
    response = client.get(reverse(f"archive:{kind}_list_csv") + query)
    assert response.status_code == 200
    return response


def text_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text_of(response))))


def database_state() -> dict:
    """Every row of every archive table but the import log, as stored."""
    return {
        model._meta.db_table: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("archive").get_models(include_auto_created=True)
        if model not in (ImportBatch, ImportChange)
    }


# --- the links on the lists -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_list_offers_its_records_as_csv_first(client, archive, kind):
    response = client.get(reverse(f"archive:{kind}_list"))

    downloads = response.context["downloads"]
    assert downloads[0] == {"url": reverse(f"archive:{kind}_list_csv"), "label": "CSV"}
    assert f'href="{reverse(f"archive:{kind}_list_csv")}"' in response.content.decode()


def test_the_download_link_keeps_the_filters_but_not_the_page(client, archive):
    response = client.get(
        reverse("archive:publication_list"), {"q": "history", "year_min": "2000", "page": "1"}
    )

    url = response.context["downloads"][0]["url"]
    assert url == reverse("archive:publication_list_csv") + "?q=history&year_min=2000"
    assertion_html = url.replace("&", "&amp;")
    assert f'href="{assertion_html}"' in response.content.decode()


def test_a_chinese_list_links_to_the_chinese_address_of_its_download(client, archive):
    response = client.get("/zh-hans/people/", {"q": "zhou"})

    assert response.context["downloads"][0]["url"] == "/zh-hans/people.csv?q=zhou"


def test_an_empty_or_invalid_list_offers_no_download(client, archive):
    nothing = client.get(reverse("archive:publication_list"), {"q": "no such words"})
    invalid = client.get(reverse("archive:publication_list"), {"year_min": "soon"})

    assert reverse("archive:publication_list_csv") not in nothing.content.decode()
    assert invalid.context["downloads"] == []


# --- the files ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_download_is_a_streamed_csv_file_with_the_import_columns(client, archive, kind):
    response = download(client, kind)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{FILENAMES[kind]}"'
    header = next(csv.reader(io.StringIO(text_of(response))))
    assert header == list(COLUMNS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_a_download_holds_every_published_record_and_no_draft(client, archive, kind):
    model = apps.get_model("archive", kind)
    rows = rows_of(download(client, kind))

    published = model.objects.published()
    assert len(rows) == published.count()
    assert model.objects.drafts().exists()
    if "slug" in COLUMNS[kind]:
        assert {row["slug"] for row in rows} == set(published.values_list("slug", flat=True))


def test_a_publication_download_holds_the_cells_the_admin_export_writes(client, archive):
    dataset = PublicationResource().export(Publication.objects.published())
    exported = list(csv.reader(io.StringIO(SafeCSV().export_data(dataset))))

    downloaded = list(csv.reader(io.StringIO(text_of(download(client, "publication")))))

    assert downloaded[0] == exported[0]
    assert sorted(downloaded[1:]) == sorted(exported[1:])
    assert any("labour; USSR" in row or "USSR; labour" in row for row in downloaded)


def test_a_download_holds_the_records_of_the_filtered_list_in_its_order(client, archive):
    query = "?q=unknown+page&sort=title"
    listed = client.get(reverse("archive:publication_list") + query).context["object_list"]

    rows = rows_of(download(client, "publication", query))

    assert [row["title"] for row in rows] == [publication.title for publication in listed]
    assert [row["title"] for row in rows] == ["Unknown page of history"]


def test_a_download_holds_every_page_of_the_list(client, archive, settings):
    for number in range(30):
        make_publication(f"Article {number:02}", publication_date="2001")

    rows = rows_of(download(client, "publication", "?year_min=2001&year_max=2001&page=2"))

    assert len(rows) == 30


def test_relations_to_drafts_are_left_out_of_entity_downloads(client, archive):
    # A file imported back would then drop these links: the price of not showing drafts.
    add_participant(archive["geneva"], make_person("Rumoured", status=DRAFT), "rumoured")
    add_participant(archive["geneva"], archive["gu"], "observer")

    rows = rows_of(download(client, "event"))

    (geneva,) = [row for row in rows if row["title"] == "Geneva Conference"]
    assert "rumoured" not in geneva["participants"]
    assert archive["gu"].slug in geneva["participants"]


@pytest.mark.parametrize("kind", KINDS)
def test_formula_cells_are_neutralised(client, archive, kind):
    cells = [
        cell for row in csv.reader(io.StringIO(text_of(download(client, kind)))) for cell in row
    ]

    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
    assert any(cell.startswith("'") and cell[1:] in FORMULAS for cell in cells)


def test_a_download_whose_filters_cannot_be_read_says_why_and_holds_no_file(client, archive):
    response = client.get(
        reverse("archive:publication_list_csv"), {"year_min": "soon", "journal": "<script>"}
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "From year" in text and "Journal" in text
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("kind", KINDS)
def test_a_download_takes_the_same_queries_however_many_records(
    client, archive, kind, django_assert_max_num_queries
):
    for number in range(40):
        journal = make_journal()
        person = make_person(f"Author {number}")
        publication = make_publication(journal=journal, authors=[person])
        event = make_event(place="Moscow")
        add_participant(event, person, "guest")
        add_event_publication(event, publication)
        add_journal_metric(journal, quartile="Q2", year=2020)

    # The ids, then per group of records the records and one query per relation read; on
    # SQLite the page cache made small for the download and restored.
    with django_assert_max_num_queries(12):
        text_of(download(client, kind))


# --- back into the archive ------------------------------------------------------------------


def admin_import(client, kind, data: bytes):
    # The admin's publication import offers the bibliographic formats first.
    csv_choice = PUBLICATION_FORMATS.index(PublicationCSV) if kind == "publication" else 0
    upload = SimpleUploadedFile(FILENAMES[kind], data, "text/csv")
    preview = client.post(
        reverse(f"admin:archive_{kind}_import"),
        {
            "format": str(csv_choice),
            "resource": "0",
            "new_records": "published",
            "import_file": upload,
        },
    )
    assert preview.status_code == 200
    return preview


@pytest.mark.parametrize("kind", KINDS)
def test_a_downloaded_file_imports_back_through_the_admin_unchanged(
    client, admin_client, archive, kind
):
    with translation.override("en"):
        data = text_of(download(client, kind)).encode()
    before = database_state()

    preview = admin_import(admin_client, kind, data)
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == apps.get_model("archive", kind).objects.published().count()
    assert result.totals["new"] == result.totals["update"] == 0

    form = preview.context["confirm_form"]
    confirmed = admin_client.post(
        reverse(f"admin:archive_{kind}_process_import"),
        {name: form.initial.get(name, "") for name in form.fields},
    )
    assert confirmed.status_code == 302
    assert database_state() == before


# --- the CSV text ---------------------------------------------------------------------------


@given(st.lists(st.one_of(st.none(), st.integers(), st.text()), min_size=1, max_size=6))
def test_a_line_is_what_csv_writer_writes_with_formulas_neutralised(row):
    expected = io.StringIO()
    csv.writer(expected).writerow([neutralise(cell) for cell in row])

    assert streaming.csv_line(row) == expected.getvalue()


# --- the whole file, kept -------------------------------------------------------------------
# Kept only at a committed version of the archive: these tests commit their writes.

kept_test = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kept_folder(kept_downloads):
    return kept_downloads


def kept_files(folder) -> list[str]:
    """The files in the folder, temporary ones included."""
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def fresh_publications() -> bytes:
    return b"".join(streaming.csv_download(selectors.publication_list()))


@kept_test
def test_the_whole_file_is_kept_and_served_as_it_is_until_the_archive_changes(
    client, archive, kept_folder
):
    first = download(client, "publication")
    assert isinstance(first, StreamingHttpResponse)
    first_bytes = b"".join(first.streaming_content)
    first.close()

    second = download(client, "publication")

    assert isinstance(second, FileResponse)
    assert b"".join(second.streaming_content) == first_bytes == fresh_publications()
    assert second["ETag"] == first["ETag"]
    assert second["Content-Disposition"] == 'attachment; filename="publications.csv"'
    assert "Last-Modified" in second
    assert [name.startswith("publications-") for name in kept_files(kept_folder)] == [True]


@kept_test
def test_a_reader_holding_the_current_file_is_told_it_is_unchanged(client, archive, kept_folder):
    first = download(client, "publication")
    text_of(first)
    first.close()

    again = client.get(reverse("archive:publication_list_csv"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""


@kept_test
@pytest.mark.parametrize("kind", KINDS)
def test_the_kept_file_is_replaced_after_a_change(client, archive, kept_folder, kind):
    before = download(client, kind)
    text_of(before)
    before.close()
    old_files = kept_files(kept_folder)

    make_publication("Published later", doi="10.5555/later", journal=archive["journal"])
    make_person("Published Later")
    make_event("Published later")
    make_journal(name="Published later")
    make_publication("A draft made later", status=DRAFT)

    after = download(client, kind)
    text = text_of(after)
    after.close()
    assert after["ETag"] != before["ETag"]
    assert "Published later" in text or "Published Later" in text
    assert "A draft made later" not in text
    assert len(kept_files(kept_folder)) == 1
    assert kept_files(kept_folder) != old_files
    served = download(client, kind)
    assert isinstance(served, FileResponse)
    assert text_of(served) == text


@kept_test
def test_the_kept_file_holds_no_draft(client, archive, kept_folder):
    make_publication("In a draft journal", journal=make_journal(name="Unsure", status=DRAFT))
    text_of(download(client, "publication"))

    kept = text_of(download(client, "publication"))

    assert "In a draft journal" in kept
    assert "A draft article" not in kept and "Unsure" not in kept
    rows = list(csv.DictReader(io.StringIO(kept)))
    assert len(rows) == Publication.objects.published().count()


@kept_test
def test_two_first_readers_at_once_leave_one_whole_file(client, archive, kept_folder, settings):
    streaming.PIECE_SIZE, piece_size = 1, streaming.PIECE_SIZE  # a piece per line
    try:
        first = download(client, "publication").streaming_content
        second = download(client, "publication").streaming_content
        parts = [[next(first)], [next(second)]]
        assert len(kept_files(kept_folder)) == 2  # each writes a temporary file of its own
        parts[1] += list(second)
        parts[0] += list(first)
    finally:
        streaming.PIECE_SIZE = piece_size

    whole = fresh_publications()
    assert b"".join(parts[0]) == b"".join(parts[1]) == whole
    (name,) = kept_files(kept_folder)
    assert (kept_folder / name).read_bytes() == whole


@kept_test
def test_a_download_cut_short_leaves_no_file(client, archive, kept_folder):
    streaming.PIECE_SIZE, piece_size = 1, streaming.PIECE_SIZE
    try:
        response = download(client, "publication")
        next(response.streaming_content)
        assert len(kept_files(kept_folder)) == 1
        response.close()  # the reader went away
    finally:
        streaming.PIECE_SIZE = piece_size

    assert kept_files(kept_folder) == []
    assert isinstance(download(client, "publication"), StreamingHttpResponse)


@kept_test
def test_a_file_made_while_the_archive_changed_is_not_kept(client, archive, kept_folder):
    streaming.PIECE_SIZE, piece_size = 1, streaming.PIECE_SIZE
    try:
        response = download(client, "publication")
        content = [next(response.streaming_content)]
        make_publication("Published meanwhile")
        content += list(response.streaming_content)
    finally:
        streaming.PIECE_SIZE = piece_size

    assert b"".join(content).startswith(b"doi,title,")
    assert kept_files(kept_folder) == []


@kept_test
def test_the_chinese_address_serves_the_same_file(client, archive, kept_folder):
    english = text_of(download(client, "publication"))

    chinese = client.get("/zh-hans/publications.csv")

    assert isinstance(chinese, FileResponse)
    assert text_of(chinese) == english


@kept_test
def test_a_folder_that_cannot_be_written_still_gives_the_whole_download(
    client, archive, kept_folder
):
    kept_folder.parent.mkdir(parents=True, exist_ok=True)
    kept_folder.write_text("a file where the folder should be")

    text = text_of(download(client, "publication"))

    assert text.encode() == fresh_publications()


@kept_test
def test_a_filtered_download_is_never_kept(client, archive, kept_folder):
    text_of(download(client, "publication", "?q=history"))

    assert kept_files(kept_folder) == []
