"""Citations: the formatted citation on a publication's page, and BibTeX, RIS and CSL-JSON files
for one publication or a whole filtered list, each read back with a real parser."""

import json
import re

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from archive.exporting import citations
from archive.importing import bibtex as bibtex_import
from archive.importing import ris as ris_import
from archive.models import Authorship, Keyword, Status
from tests.factories import (
    add_author,
    add_translated_title,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_addresses():
    """Records' addresses in English: a request to a Chinese page leaves Chinese active."""
    with translation.override("en"):
        yield


TITLE = "Workers & <i>Pravda</i>: 50% of the plan_2 #1 {sic}, 1954–1957"
CHINESE_TITLE = "历史上不为人知的一页:向苏联派遣中国工人(1954–1957)"
FORMATS = ["bib", "ris", "json"]


@pytest.fixture
def article():
    """An article with awkward characters, four kinds of name and a month for a date."""
    journal = make_journal(
        name="Cold War History", issn_print="1468-2745", issn_electronic="1743-7962"
    )
    publication = make_publication(
        TITLE,
        journal=journal,
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
        doi="10.1080/14682745.2022.2050698",
        publication_date="2022-06",
        abstract="The first line.\nER  - \nTY  - BOOK",
        url="https://www.tandfonline.com/doi/full/10.1080/14682745.2022.2050698",
    )
    add_author(publication, make_person("Ji-Dong Gu"), name_as_printed="Gu, Ji-Dong")
    add_author(publication, make_person("Olga Petrova"))
    add_author(publication, make_person("张伟"))
    add_author(publication, make_person("Anna Smith"), role=Authorship.Role.EDITOR)
    add_translated_title(publication, "工人与《真理报》")
    publication.keywords.add(Keyword.objects.create(name="Sino-Soviet relations"))
    return publication


@pytest.fixture
def chinese_article():
    return make_publication(
        CHINESE_TITLE,
        language="zh",
        publication_date="2022",
        authors=[make_person("顾继东")],
        first_page="12",
    )


def download(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def cite_url(publication, extension: str) -> str:
    name = {"bib": "bibtex", "ris": "ris", "json": "csljson"}[extension]
    return reverse(f"archive:publication_{name}", kwargs={"slug": publication.slug})


def list_url(extension: str, **params) -> str:
    name = {"bib": "bibtex", "ris": "ris", "json": "csljson"}[extension]
    url = reverse(f"archive:publication_list_{name}")
    return url + (
        "?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else ""
    )


def parse_bibtex(text: str) -> list[dict]:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    return [
        {"ID": entry.key, "ENTRYTYPE": entry.entry_type, **{f.key: f.value for f in entry.fields}}
        for entry in library.entries
    ]


# One publication


@pytest.mark.parametrize(
    ("extension", "content_type"),
    [
        ("bib", "application/x-bibtex; charset=utf-8"),
        ("ris", "application/x-research-info-systems; charset=utf-8"),
        ("json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
    ],
)
def test_a_publication_downloads_with_its_content_type_and_a_filename(
    client, article, extension, content_type
):
    response = client.get(cite_url(article, extension))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (f'attachment; filename="{article.slug}.{extension}"')


def test_bibtex_read_back_keeps_title_names_in_order_doi_date_and_pages(client, article):
    (entry,) = parse_bibtex(download(client, cite_url(article, "bib")))
    assert entry["ENTRYTYPE"] == "article"
    assert entry["ID"] == article.slug
    assert entry["title"] == "Workers & Pravda: 50% of the plan_2 #1 {sic}, 1954–1957"
    assert entry["author"] == "Gu, Ji-Dong and Petrova, Olga and 张伟"
    assert entry["editor"] == "Smith, Anna"
    assert entry["journal"] == "Cold War History"
    assert entry["doi"] == "10.1080/14682745.2022.2050698"
    assert (entry["year"], entry["month"], entry["date"]) == ("2022", "6", "2022-06")
    assert "day" not in entry
    assert (entry["volume"], entry["number"], entry["pages"]) == ("22", "1", "437–457")
    assert entry["issn"] == "1468-2745, 1743-7962"
    assert entry["keywords"] == "Sino-Soviet relations"


def test_bibtex_escapes_what_latex_would_read_as_commands(client, article):
    text = download(client, cite_url(article, "bib"))
    assert r"title = {Workers \& \emph{Pravda}: 50\% of the plan\_2 \#1 \{sic\}, 1954–1957}" in text


def test_ris_read_back_keeps_title_names_in_order_doi_date_and_pages(client, article):
    (record,) = rispy.loads(download(client, cite_url(article, "ris")))
    assert record["type_of_reference"] == "JOUR"
    assert record["title"] == "Workers & Pravda: 50% of the plan_2 #1 {sic}, 1954–1957"
    assert record["authors"] == ["Gu, Ji-Dong", "Petrova, Olga", "张伟"]
    assert record["secondary_authors"] == ["Smith, Anna"]
    assert record["secondary_title"] == "Cold War History"
    assert record["doi"] == "10.1080/14682745.2022.2050698"
    assert (record["year"], record["date"]) == ("2022", "2022/06//")
    assert (record["start_page"], record["end_page"]) == ("437", "457")
    assert (record["volume"], record["number"]) == ("22", "1")
    assert record["keywords"] == ["Sino-Soviet relations"]


def test_a_line_break_in_a_value_cannot_start_another_ris_record(client, article):
    records = rispy.loads(download(client, cite_url(article, "ris")))
    assert len(records) == 1
    assert records[0]["abstract"] == "The first line. ER - TY - BOOK"


def test_csl_json_read_back_keeps_title_names_in_order_doi_date_and_pages(client, article):
    (item,) = json.loads(download(client, cite_url(article, "json")))
    assert item["id"] == article.slug
    assert item["type"] == "article-journal"
    assert item["title"] == TITLE
    assert item["author"] == [
        {"family": "Gu", "given": "Ji-Dong"},
        {"family": "Petrova", "given": "Olga"},
        {"literal": "张伟"},
    ]
    assert item["editor"] == [{"family": "Smith", "given": "Anna"}]
    assert item["container-title"] == "Cold War History"
    assert item["DOI"] == "10.1080/14682745.2022.2050698"
    assert item["issued"] == {"date-parts": [[2022, 6]]}
    assert (item["volume"], item["issue"], item["page"]) == ("22", "1", "437-457")
    assert item["ISSN"] == "1468-2745, 1743-7962"
    assert item["abstract"] == "The first line. ER - TY - BOOK"


@pytest.mark.parametrize("extension", FORMATS)
def test_a_chinese_title_survives_every_format(client, chinese_article, extension):
    text = download(client, cite_url(chinese_article, extension))
    if extension == "bib":
        (entry,) = parse_bibtex(text)
        assert (entry["title"], entry["author"], entry["year"]) == (CHINESE_TITLE, "顾继东", "2022")
        assert "month" not in entry
    elif extension == "ris":
        (record,) = rispy.loads(text)
        assert (record["title"], record["authors"], record["year"]) == (
            CHINESE_TITLE,
            ["顾继东"],
            "2022",
        )
        assert "date" not in record
    else:
        (item,) = json.loads(text)
        assert (item["title"], item["author"], item["issued"]) == (
            CHINESE_TITLE,
            [{"literal": "顾继东"}],
            {"date-parts": [[2022]]},
        )
        assert item["language"] == "zh"


@pytest.mark.parametrize(
    ("publication_date", "parts"),
    [("2022", [2022]), ("2022-06", [2022, 6]), ("2022-06-21", [2022, 6, 21])],
)
def test_dates_are_exported_as_precisely_as_they_are_known(client, publication_date, parts):
    publication = make_publication(publication_date=publication_date)
    (item,) = json.loads(download(client, cite_url(publication, "json")))
    assert item["issued"] == {"date-parts": [parts]}
    (entry,) = parse_bibtex(download(client, cite_url(publication, "bib")))
    assert entry.get("date") == (publication_date if len(parts) > 1 else None)
    (record,) = rispy.loads(download(client, cite_url(publication, "ris")))
    assert record["year"] == "2022"
    assert record.get("date") == {1: None, 2: "2022/06//", 3: "2022/06/21/"}[len(parts)]


def test_the_archive_reads_its_own_bibtex_and_ris_back(client, article):
    """The importers the archive reads files with find what its exports wrote."""
    (_, entry), *_ = bibtex_import.iter_records(download(client, cite_url(article, "bib")))
    (_, record), *_ = ris_import.iter_records(download(client, cite_url(article, "ris")))
    for row in (bibtex_import.to_row(entry), ris_import.to_row(record)):
        assert row["doi"] == "10.1080/14682745.2022.2050698"
        assert row["authors"] == "Gu, Ji-Dong; Petrova, Olga; 张伟"
        assert row["publication_date"] == "2022-06"
        assert (row["first_page"], row["last_page"]) == ("437", "457")
        assert row["journal"] == "Cold War History"
    # Italics come back as italics; the importer stores "&" as markup does.
    assert bibtex_import.to_row(entry)["title"] == TITLE.replace("&", "&amp;")


def test_a_draft_journal_is_not_named_in_a_download_but_a_draft_author_is_as_printed(client):
    publication = make_publication(
        journal=make_journal(name="Secret Journal", status=Status.DRAFT),
        authors=[make_person("Hidden Person", status=Status.DRAFT)],
    )
    for extension in FORMATS:
        text = download(client, cite_url(publication, extension))
        assert "Secret Journal" not in text
        assert "Hidden" in text


def test_a_draft_publication_has_no_download(client):
    publication = make_publication(status=Status.DRAFT)
    for extension in FORMATS:
        assert client.get(cite_url(publication, extension)).status_code == 404


# The formatted citation


def test_a_publication_page_shows_its_chicago_author_date_citation(client):
    publication = make_publication(
        "Unknown page of history: the dispatch of Chinese workers to the USSR (1954–1957)",
        authors=[make_person("Ji-Dong Gu")],
        journal=make_journal(name="Cold War History"),
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
        doi="10.1080/14682745.2022.2050698",
        publication_date="2022-06-21",
    )
    response = client.get(publication.get_absolute_url())
    assertContains(
        response,
        '<p class="citation" lang="en">Gu, Ji-Dong. 2022. “Unknown Page of History: The Dispatch '
        "of Chinese Workers to the USSR (1954–1957).” <i>Cold War History</i> 22 (1): 437–57. "
        "https://doi.org/10.1080/14682745.2022.2050698.</p>",
        html=True,
    )
    for extension in FORMATS:
        assertContains(response, f'href="{cite_url(publication, extension)}"')


def test_a_citation_keeps_a_chinese_name_whole_and_a_chinese_title_as_written(
    client, chinese_article
):
    citation = citations.formatted_citation(chinese_article)
    assert citation.startswith("顾继东. 2022.")
    assert CHINESE_TITLE in citation


def test_a_hostile_title_is_escaped_in_the_citation(client):
    publication = make_publication('<script>alert(1)</script>Tom & "Jerry" <i>in</i> <b>Moscow</b>')
    citation = citations.formatted_citation(publication)
    assert "<script" not in citation
    assert "alert(1)" not in citation
    assert "Tom &amp; " in citation
    assert "<i>in</i>" in citation
    page = client.get(publication.get_absolute_url()).content.decode()
    assert len(re.findall("<script", page)) == 1  # the JSON-LD data block alone


def test_a_citation_follows_a_change_to_the_record(client):
    publication = make_publication("Before", authors=[make_person("Ji-Dong Gu")])
    assert "Before" in citations.formatted_citation(publication)
    publication.title = "After"
    publication.save()
    assert "After" in citations.formatted_citation(publication)


# A whole filtered list


@pytest.fixture
def two_journals():
    first, second = make_journal(name="First Journal"), make_journal(name="Second Journal")
    make_publication("In the first", journal=first)
    make_publication("Also in the first", journal=first, publication_date="2020")
    make_publication("A draft in the first", journal=first, status=Status.DRAFT)
    make_publication("In the second", journal=second)
    return first


def titles_in(extension: str, text: str) -> list[str]:
    if extension == "bib":
        return [entry["title"] for entry in parse_bibtex(text)]
    if extension == "ris":
        return [record["title"] for record in rispy.loads(text)]
    return [item["title"] for item in json.loads(text)]


@pytest.mark.parametrize("extension", FORMATS)
def test_a_list_download_holds_the_filtered_published_publications_in_list_order(
    client, two_journals, extension
):
    response = client.get(list_url(extension, journal=two_journals.slug))
    assert response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="publications.{extension}"'
    text = b"".join(response.streaming_content).decode()
    assert titles_in(extension, text) == ["In the first", "Also in the first"]


@pytest.mark.parametrize("extension", FORMATS)
def test_an_empty_list_download_is_still_a_valid_file(client, extension):
    text = download(client, list_url(extension, q="nothing-matches-this"))
    assert titles_in(extension, text) == []


@pytest.mark.parametrize("extension", FORMATS)
def test_a_list_download_with_a_filter_it_cannot_read_says_why(client, extension):
    response = client.get(list_url(extension, year_min="soon"))
    assert response.status_code == 400
    assert "From year" in response.content.decode()


@pytest.mark.parametrize("citation_format", [citations.BIBTEX, citations.RIS, citations.CSL_JSON])
def test_a_list_written_in_several_chunks_is_one_valid_file(citation_format):
    for number in range(5):
        make_publication(f"Publication {number}", publication_date=f"{2000 + number}")
    from archive import selectors

    text = "".join(citations.stream(selectors.publication_list(), citation_format, chunk_size=2))
    expected = [f"Publication {number}" for number in reversed(range(5))]
    assert titles_in(citation_format.extension, text) == expected


def test_a_list_download_uses_a_few_queries_however_many_publications(
    client, django_assert_max_num_queries
):
    people = [make_person() for _ in range(5)]
    for number in range(40):
        publication = make_publication(authors=people[: 1 + number % 5], journal=make_journal())
        publication.keywords.add(Keyword.objects.get_or_create(name=f"k{number % 3}")[0])
    # The journal choices, the ids, then per chunk: publications, journals, authorships,
    # people and keywords.
    with django_assert_max_num_queries(7):
        text = download(client, list_url("json"))
    assert len(json.loads(text)) == 40


def test_the_list_offers_every_format_after_csv_with_its_filters(client):
    make_publication("Soviet advisers in China")
    response = client.get(reverse("archive:publication_list"), {"q": "soviet", "page": "1"})
    content = response.content.decode()
    links = [
        content.index(f'href="{url}?q=soviet"')
        for url in (
            reverse("archive:publication_list_csv"),
            reverse("archive:publication_list_bibtex"),
            reverse("archive:publication_list_ris"),
            reverse("archive:publication_list_csljson"),
        )
    ]
    assert links == sorted(links)
    assertNotContains(response, "publications.bib?q=soviet&amp;page")
