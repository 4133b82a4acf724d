"""Semantic Scholar Graph API papers: from the file to canonical rows, and through the importer."""

import io
import json
from pathlib import Path

import pytest

from archive.importing.formats import ImportFileError, SemanticScholarJSON, Skipped
from archive.importing.resources import run_import
from archive.models import Publication

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
ADVISERS_ID = "5f1c0ffee0a1b2c3d4e5f60718293a4b5c6d7e8f"
PLANNING_ID = "0b9e4cfa7d2e41c8a0f1e2d3c4b5a69788796a5b"


def read(data: bytes) -> tuple[list[dict], SemanticScholarJSON]:
    record_format = SemanticScholarJSON()
    return list(record_format.iter_rows(io.BytesIO(data))), record_format


def import_fixture(name: str):
    dataset = SemanticScholarJSON().create_dataset((FIXTURES / name).read_bytes())
    return run_import(dataset, format_name=SemanticScholarJSON.name, file_name=name)


# --- a /paper/batch answer -------------------------------------------------------------------


def test_a_null_in_a_batch_answer_is_skipped_with_its_reason():
    rows, record_format = read((FIXTURES / "s2_batch.json").read_bytes())

    assert [row["source_id"] for row in rows] == [ADVISERS_ID, PLANNING_ID]
    assert record_format.log.skipped == [Skipped(2, "Semantic Scholar found no paper for this id")]
    assert record_format.log.record_numbers == [1, 3]


@pytest.fixture
def batch():
    result = import_fixture("s2_batch.json")
    assert not result.has_errors() and not result.has_validation_errors()
    return {p.source_id: p for p in Publication.objects.filter(source_platform="Semantic Scholar")}


def test_an_upper_case_doi_is_stored_lower_case(batch):
    assert batch[ADVISERS_ID].doi == "10.1234/seer.92.5.433"


def test_a_volume_given_with_its_issue_is_split(batch):
    advisers = batch[ADVISERS_ID]

    assert (advisers.volume, advisers.issue) == ("92", "5")
    assert (advisers.first_page, advisers.last_page) == ("433", "460")


def test_a_roman_volume_is_kept_and_padded_pages_are_trimmed(batch):
    planning = batch[PLANNING_ID]

    assert (planning.volume, planning.issue) == ("LIX", "")
    assert (planning.first_page, planning.last_page) == ("101", "")


def test_authors_keep_their_order_and_script(batch):
    assert list(batch[ADVISERS_ID].authorships.values_list("position", "name_as_printed")) == [
        (1, "Ольга Петрова"),
        (2, "Jörg Müller"),
    ]


def test_the_journal_takes_the_venues_issn(batch):
    journal = batch[ADVISERS_ID].journal

    assert (journal.name, journal.issn_print) == ("Slavonic and East European Review", "0037-6795")


def test_the_publication_date_is_kept_to_the_day(batch):
    assert batch[ADVISERS_ID].publication_date == "2014-10-15"


def test_without_a_publication_date_the_year_alone_is_kept(batch):
    planning = batch[PLANNING_ID]

    assert planning.publication_date == "1961"
    assert planning.date_precision == "year"


def test_null_authors_and_citations_leave_them_empty(batch):
    planning = batch[PLANNING_ID]

    assert not planning.authorships.exists()
    assert (planning.citation_count, planning.citation_count_date) == (None, None)


def test_a_journal_article_also_typed_review_is_a_journal_article(batch):
    assert batch[ADVISERS_ID].publication_type == "journal-article"


def test_access_citations_and_fields_of_study_are_kept(batch):
    advisers = batch[ADVISERS_ID]

    assert advisers.is_open_access is True
    assert advisers.pdf_url == "https://www.example.org/seer/92/5/433.pdf"
    assert advisers.citation_count == 7
    assert set(advisers.keywords.values_list("name", flat=True)) == {
        "History",
        "Political Science",
    }


def test_reimporting_a_batch_answer_changes_nothing(batch, count_rows):
    before = count_rows()

    result = import_fixture("s2_batch.json")

    after = count_rows()
    assert after.pop("archive_importbatch") == before.pop("archive_importbatch") + 1
    assert after == before
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 2)


# --- other answers of the API -----------------------------------------------------------------


@pytest.fixture
def citing():
    rows, _ = read((FIXTURES / "s2_citations_page.json").read_bytes())
    return rows


def test_the_citing_papers_of_a_citations_page_are_the_rows(citing):
    assert [row["title"] for row in citing] == [
        "Railways and sovereignty in Manchuria after 1945",
        "Soviet experts abroad: a conference report",
    ]


def test_a_first_of_january_date_is_read_as_the_year_alone(citing):
    assert citing[0]["publication_date"] == "2016"


def test_a_conference_venue_is_not_made_a_journal_and_nameless_authors_are_left_out(citing):
    assert citing[1]["publication_type"] == "conference-paper"
    assert citing[1]["journal"] == ""
    assert citing[1]["authors"] == "A. Smith"


def test_a_single_paper_keeps_its_record_without_the_papers_it_cites():
    paper = json.loads((FIXTURES / "s2_batch.json").read_text("utf-8"))[0]
    paper["references"] = [{"paperId": "1", "title": "An earlier work"}]

    (row,), _ = read(json.dumps(paper).encode())

    assert row["source_id"] == ADVISERS_ID
    assert "references" not in json.loads(row["raw_record"])


def test_a_paper_without_a_title_is_reported_with_its_row_not_dropped(count_rows):
    before = count_rows()
    data = json.dumps([{"paperId": "2d5673ca", "title": "Known"}, {"paperId": "ffff0000"}])
    dataset = SemanticScholarJSON().create_dataset(data.encode())

    result = run_import(dataset, format_name=SemanticScholarJSON.name, file_name="papers.json")

    assert len(dataset) == 2
    assert [(row.number, list(row.error_dict)) for row in result.invalid_rows] == [(2, ["title"])]
    assert count_rows() == before


def test_an_answer_with_nothing_but_nulls_holds_no_records():
    with pytest.raises(ImportFileError, match=r"no records.*record 1: Semantic Scholar found no"):
        SemanticScholarJSON().create_dataset(b"[null, null]")


def test_an_error_answer_from_semantic_scholar_is_refused_with_its_message():
    with pytest.raises(ImportFileError, match=r"error message from Semantic Scholar.*Too Many"):
        read(b'{"message": "Too Many Requests. Please wait and try again."}')
