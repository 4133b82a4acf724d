"""RIS files: from the file to canonical rows, and through the importer."""

import io
import json
from pathlib import Path

import pytest

from archive.importing.formats import RIS, ImportFileError
from archive.importing.resources import run_import
from archive.models import Publication

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
DALIAN_DOI = "10.1234/jcws.2019.21.3.437"


def rows_of(data: bytes) -> list[dict]:
    return list(RIS().iter_rows(io.BytesIO(data)))


def import_fixture(name: str):
    dataset = RIS().create_dataset((FIXTURES / name).read_bytes())
    result = run_import(dataset, format_name=RIS.name, file_name=name)
    assert not result.has_errors() and not result.has_validation_errors()
    return result


@pytest.fixture
def rows():
    return rows_of((FIXTURES / "ris_records.ris").read_bytes())


def test_every_record_is_a_row_and_export_headers_are_ignored(rows):
    assert [row["title"] for row in rows] == [
        "Dockers and diplomats: Dalian under joint Sino-Soviet management, 1945–1955",
        "Khrushchev's request: Chinese workers for Siberia",
        "Harbin's Russian newspapers",
    ]


def test_authors_written_family_name_first_stay_one_author_each(rows):
    assert rows[0]["authors"] == "Smith, Anna; Jones, B. R.; Zhang Wei"
    assert rows[1]["authors"] == "Gu, Ji-Dong"


def test_types_are_translated(rows):
    assert [row["publication_type"] for row in rows] == ["journal-article", "book", "book-chapter"]


def test_a_type_line_with_odd_spacing_is_still_read(rows):
    assert json.loads(rows[1]["raw_record"])["type_of_reference"] == "BOOK"


def test_dates_keep_the_precision_they_are_given(rows):
    assert [row["publication_date"] for row in rows] == ["2019-06-15", "2018", "2020"]


def test_only_issns_become_the_journals_issns(rows):
    assert (rows[0]["journal_issn_print"], rows[0]["journal_issn_electronic"]) == (
        "1520-3972",
        "1531-3298",
    )
    assert (rows[1]["journal_issn_print"], rows[1]["journal_issn_electronic"]) == ("", "")


def test_a_chapters_book_title_is_not_made_a_journal(rows):
    assert rows[0]["journal"] == "Journal of Cold War Studies"
    assert rows[2]["journal"] == ""


def test_a_page_range_in_the_start_page_is_split(rows):
    assert (rows[0]["first_page"], rows[0]["last_page"]) == ("437", "457")
    assert (rows[2]["first_page"], rows[2]["last_page"]) == ("101", "130")


def test_an_abstract_continued_on_the_next_line_is_one_abstract(rows):
    assert rows[0]["abstract"] == (
        "Between 1945 and 1955 the port of Dalian was run by a joint company. "
        "Its dockers answered to two governments at once."
    )


def test_keywords_language_link_and_database_are_kept_and_notes_are_not(rows):
    dalian = rows[0]

    assert dalian["keywords"] == "Dalian; Sino-Soviet relations"
    assert dalian["language"] == "en"
    assert dalian["url"] == "https://www.example.org/jcws/21/3/437"
    assert dalian["source_platform"] == "Example Library Catalogue"
    assert not any("Reviewed" in value for key, value in dalian.items() if key != "raw_record")


def test_a_year_in_superscript_or_other_non_ascii_digits_is_no_date():
    (row,) = rows_of("TY  - JOUR\nTI  - Harbin in 1946\nPY  - ¹\nER  - \n".encode())

    assert (row["title"], row["publication_date"]) == ("Harbin in 1946", "")


def test_a_record_without_a_closing_er_line_still_counts():
    (row,) = rows_of(b"TY  - JOUR\nTI  - Harbin in 1946\nPY  - 1990\n")

    assert (row["title"], row["publication_date"]) == ("Harbin in 1946", "1990")


# --- through the importer ----------------------------------------------------------------------


@pytest.fixture
def dalian():
    import_fixture("ris_records.ris")
    return Publication.objects.get(doi=DALIAN_DOI)


def test_the_doi_link_is_stored_bare_and_lower_case(dalian):
    assert dalian.doi == DALIAN_DOI


def test_the_authors_are_three_people_in_order(dalian):
    assert list(dalian.authorships.values_list("position", "name_as_printed")) == [
        (1, "Smith, Anna"),
        (2, "Jones, B. R."),
        (3, "Zhang Wei"),
    ]
    assert dalian.authorships.get(position=1).person.family_name == "Smith"


def test_the_journal_has_both_issns_and_the_date_is_a_day(dalian):
    assert (dalian.journal.issn_print, dalian.journal.issn_electronic) == (
        "1520-3972",
        "1531-3298",
    )
    assert dalian.date_precision == "day"


def test_reimporting_an_ris_file_changes_nothing(dalian, count_rows):
    before = count_rows()

    result = import_fixture("ris_records.ris")

    after = count_rows()
    assert after.pop("archive_importbatch") == before.pop("archive_importbatch") + 1
    assert after == before
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 3)


# --- files that cannot be read ---------------------------------------------------------------


def test_a_line_that_is_no_tag_right_after_the_type_is_named():
    with pytest.raises(ImportFileError, match="Line 2: “Harbin in 1946” is not a RIS tag line"):
        rows_of(b"TY  - JOUR\nHarbin in 1946\nER  - \n")


def test_a_file_without_records_is_refused():
    with pytest.raises(ImportFileError, match="no RIS records"):
        rows_of(b"Title: Harbin in 1946\nAuthor: Li Wei\n")
