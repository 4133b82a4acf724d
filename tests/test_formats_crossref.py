"""Crossref REST API works: from the file to canonical rows, and through the importer."""

import datetime
import io
import json
from pathlib import Path

import pytest

from archive.importing.formats import CrossrefJSON, ImportFileError
from archive.importing.resources import run_import
from archive.models import Journal, Publication

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
ICEBREAKER_DOI = "10.1234/cwh.2014.0007"


def rows_of(data: bytes) -> list[dict]:
    return list(CrossrefJSON().iter_rows(io.BytesIO(data)))


def import_fixture(name: str):
    dataset = CrossrefJSON().create_dataset((FIXTURES / name).read_bytes())
    result = run_import(dataset, format_name=CrossrefJSON.name, file_name=name)
    assert not result.has_errors() and not result.has_validation_errors()
    return result


# --- one work, as /works/{doi} answers -------------------------------------------------------


@pytest.fixture
def icebreaker():
    import_fixture("crossref_work.json")
    return Publication.objects.get(doi=ICEBREAKER_DOI)


def test_the_doi_is_stored_lower_case_and_is_the_id_at_crossref(icebreaker):
    assert icebreaker.doi == ICEBREAKER_DOI
    assert (icebreaker.source_platform, icebreaker.source_id) == ("Crossref", ICEBREAKER_DOI)


def test_the_title_keeps_its_italics_and_loses_the_publishers_line_breaks(icebreaker):
    assert icebreaker.title == "The <i>Lenin</i> icebreaker and Soviet prestige in the Arctic"


def test_a_jats_abstract_becomes_paragraphs_without_its_abstract_heading(icebreaker):
    assert icebreaker.abstract.startswith(
        "<p>In December 1959 the nuclear icebreaker <i>Lenin</i> entered service"
    )
    assert "<p><b>Sources</b></p>" in icebreaker.abstract
    assert "jats" not in icebreaker.abstract
    assert "Abstract" not in icebreaker.abstract


def test_authors_keep_their_order_whether_people_organisations_or_family_names_only(icebreaker):
    assert list(
        icebreaker.authorships.order_by("position").values_list("position", "name_as_printed")
    ) == [
        (1, "Anna Kowalska"),
        (2, "Pyotr Ivanov"),
        (3, "Arctic History Working Group"),
        (4, "Nakamura"),
    ]


def test_the_journal_gets_its_print_and_electronic_issn(icebreaker):
    journal = icebreaker.journal

    assert journal.name == "Cold War History"
    assert (journal.issn_print, journal.issn_electronic) == ("1468-2745", "1743-7962")


def test_the_issued_date_is_kept_to_the_month_it_gives(icebreaker):
    assert icebreaker.publication_date == "2014-05"
    assert icebreaker.date_precision == "month"


def test_volume_issue_pages_type_language_and_landing_page_are_kept(icebreaker):
    assert (icebreaker.volume, icebreaker.issue) == ("14", "2")
    assert (icebreaker.first_page, icebreaker.last_page) == ("233", "251")
    assert icebreaker.publication_type == "journal-article"
    assert icebreaker.language == "en"
    assert icebreaker.url == "https://www.example.org/doi/full/10.1234/CWH.2014.0007"


def test_the_citation_count_is_dated_by_crossrefs_indexing(icebreaker):
    assert icebreaker.citation_count == 12
    assert icebreaker.citation_count_date == datetime.date(2025, 3, 1)


def test_subjects_become_keywords_and_the_work_is_kept_as_received(icebreaker):
    received = json.loads((FIXTURES / "crossref_work.json").read_text("utf-8"))["message"]

    assert set(icebreaker.keywords.values_list("name", flat=True)) == {
        "History",
        "Political Science and International Relations",
    }
    assert icebreaker.raw_record == received


def test_reimporting_the_same_work_changes_nothing(icebreaker, count_rows):
    before = count_rows()

    result = import_fixture("crossref_work.json")

    after = count_rows()
    assert after.pop("archive_importbatch") == before.pop("archive_importbatch") + 1
    assert after == before
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 1)


# --- a page of /works, with the types and dates the archive has to translate ------------------


@pytest.fixture
def works():
    return {row["doi"]: row for row in rows_of((FIXTURES / "crossref_works.json").read_bytes())}


def test_every_item_of_a_list_page_is_a_row(works):
    assert list(works) == [
        "10.1234/socialist-cities.2021.c5",
        "10.1234/cws-series.2019.3",
        "10.1234/preprint.2021.88",
        "10.1234/refilo.2021.88528",
    ]


def test_a_null_date_leaves_the_date_empty(works):
    assert works["10.1234/socialist-cities.2021.c5"]["publication_date"] == ""


def test_a_chapters_book_is_not_made_a_journal(works):
    chapter = works["10.1234/socialist-cities.2021.c5"]

    assert chapter["publication_type"] == "book-chapter"
    assert chapter["journal"] == ""


def test_a_chapter_in_a_book_series_with_an_issn_has_the_series_as_its_journal(works):
    chapter = works["10.1234/cws-series.2019.3"]

    assert (chapter["journal"], chapter["journal_issn_print"]) == (
        "Cold War Studies Series",
        "1234-5679",
    )
    assert chapter["publication_date"] == "2019"


def test_a_preprint_is_other_with_its_language_and_a_one_name_author(works):
    preprint = works["10.1234/preprint.2021.88"]

    assert (preprint["publication_type"], preprint["language"]) == ("other", "de")
    assert preprint["authors"] == "Jörg Müller; Sumaryadi"


def test_an_article_number_stands_for_the_page_and_an_issn_given_twice_is_kept_once(works):
    article = works["10.1234/refilo.2021.88528"]

    assert (article["first_page"], article["last_page"]) == ("e88528", "")
    assert (article["journal_issn_electronic"], article["journal_issn_print"]) == (
        "0954-0253",
        "",
    )
    assert article["publication_date"] == "2021-01"


def test_a_list_page_imports_and_reimports_unchanged():
    first = import_fixture("crossref_works.json")
    second = import_fixture("crossref_works.json")

    assert first.totals["new"] == 4
    assert second.totals["skip"] == 4
    assert Journal.objects.get(issn_electronic="0954-0253").issn_print == ""


# --- files that are not Crossref works -------------------------------------------------------


def test_a_bare_work_without_the_api_envelope_is_read_too():
    work = json.loads((FIXTURES / "crossref_work.json").read_text("utf-8"))["message"]

    (row,) = rows_of(json.dumps([work]).encode())

    assert row["doi"] == ICEBREAKER_DOI


def test_an_error_answer_from_crossref_is_refused_with_its_message():
    answer = {
        "status": "failed",
        "message-type": "validation-failure",
        "message": [{"type": "parameter-not-allowed", "message": "rows must be at most 1000"}],
    }

    with pytest.raises(ImportFileError, match=r"error message from Crossref.*rows must be at most"):
        rows_of(json.dumps(answer).encode())


def test_json_that_is_not_works_is_refused():
    with pytest.raises(ImportFileError, match="Record 1 is not a Crossref work"):
        rows_of(b'{"paperId": "abc", "title": "A Semantic Scholar paper"}')
