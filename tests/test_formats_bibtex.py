"""BibTeX files: from the file to canonical rows, and through the importer."""

import io
import json
from pathlib import Path

import pytest

from archive.importing.formats import BibTeX, ImportFileError
from archive.importing.resources import run_import
from archive.models import Publication

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
ICEBREAKER_DOI = "10.1234/cwh.2022.0042"


def read(data: bytes) -> tuple[list[dict], BibTeX]:
    record_format = BibTeX()
    return list(record_format.iter_rows(io.BytesIO(data))), record_format


def import_fixture(name: str):
    dataset = BibTeX().create_dataset((FIXTURES / name).read_bytes())
    result = run_import(dataset, format_name=BibTeX.name, file_name=name)
    assert not result.has_errors() and not result.has_validation_errors()
    return result


@pytest.fixture
def rows():
    rows, _ = read((FIXTURES / "bibtex_records.bib").read_bytes())
    return rows


def test_every_entry_is_a_row_with_its_type_translated(rows):
    assert [row["publication_type"] for row in rows] == [
        "journal-article",
        "book",
        "book-chapter",
        "thesis",
    ]


def test_authors_are_split_on_and_with_family_first_names_and_corporate_names_whole(rows):
    assert rows[0]["authors"] == (
        "Gu, Ji-Dong; Olga Petrova; Institute of Slavic Studies and Archives; Müller, Jörg"
    )


def test_latex_is_decoded_and_protective_braces_are_dropped(rows):
    assert rows[0]["title"] == (
        "The Lenin icebreaker and <i>Sovetskaya Arktika</i>: prestige at sea"
    )
    assert rows[3]["title"] == "Łódź workers and the Polish October"
    assert rows[0]["abstract"].startswith("In 1959 the icebreaker <i>Lenin</i> sailed")


def test_a_string_abbreviation_gives_the_journal_name(rows):
    assert rows[0]["journal"] == "Cold War History"
    assert rows[0]["journal_issn_print"] == "1468-2745"


def test_volume_number_and_pages_with_either_dash(rows):
    assert (rows[0]["volume"], rows[0]["issue"]) == ("22", "1")
    assert (rows[0]["first_page"], rows[0]["last_page"]) == ("437", "457")
    assert (rows[2]["first_page"], rows[2]["last_page"]) == ("101", "130")


def test_year_and_month_give_a_month_and_a_day_field_gives_a_day(rows):
    assert [row["publication_date"] for row in rows] == ["2022-06", "2019", "2020-03", "2018-04-25"]


def test_a_doi_link_is_read_as_the_doi_and_a_url_is_kept_verbatim(rows):
    assert rows[0]["doi"] == ICEBREAKER_DOI
    assert rows[0]["url"] == "https://www.example.org/cwh/22/1/437?ref=a_b%20c"


def test_keywords_and_language(rows):
    assert rows[0]["keywords"] == "Arctic; Soviet Union; prestige"
    assert rows[1]["language"] == "ru"


def test_an_entry_repeating_a_key_is_skipped_as_bibtex_does():
    rows, record_format = read((FIXTURES / "bibtex_records.bib").read_bytes())

    assert len(rows) == 4
    (skipped,) = record_format.log.skipped
    assert skipped.number == 5
    assert "repeats the key “gu2022” of the entry on line 4" in skipped.reason


def test_the_entry_is_kept_as_received(rows):
    received = json.loads(rows[1]["raw_record"])

    assert (received["ENTRYTYPE"], received["ID"]) == ("book", "petrova2019")
    assert received["isbn"] == "978-0-00-000000-2"


# --- through the importer ----------------------------------------------------------------------


@pytest.fixture
def icebreaker():
    import_fixture("bibtex_records.bib")
    return Publication.objects.get(doi=ICEBREAKER_DOI)


def test_the_authors_are_four_in_order(icebreaker):
    assert list(icebreaker.authorships.values_list("position", "name_as_printed")) == [
        (1, "Gu, Ji-Dong"),
        (2, "Olga Petrova"),
        (3, "Institute of Slavic Studies and Archives"),
        (4, "Müller, Jörg"),
    ]


def test_the_imported_article_keeps_its_italics_journal_and_month(icebreaker):
    assert icebreaker.title == "The Lenin icebreaker and <i>Sovetskaya Arktika</i>: prestige at sea"
    assert (icebreaker.journal.name, icebreaker.journal.issn_print) == (
        "Cold War History",
        "1468-2745",
    )
    assert icebreaker.date_in_words == "June 2022"


def test_reimporting_a_bibtex_file_changes_nothing(icebreaker, count_rows):
    before = count_rows()

    result = import_fixture("bibtex_records.bib")

    after = count_rows()
    assert after.pop("archive_importbatch") == before.pop("archive_importbatch") + 1
    assert after == before
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 4)


# --- files that cannot be read ---------------------------------------------------------------


def test_an_entry_that_is_not_well_formed_is_named_by_its_line():
    data = b"@article{a, title = {Harbin}}\n\n@article{b,\n  title = {Unclosed\n}\n@book{c, title={x}}\n"

    with pytest.raises(ImportFileError, match="entry starting on line 3 cannot be read as BibTeX"):
        read(data)


def test_a_file_without_entries_is_refused():
    with pytest.raises(ImportFileError, match="no BibTeX entries"):
        read(b"Gu, Ji-Dong. Unknown page of history. Cold War History 22 (2022).\n")
