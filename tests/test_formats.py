"""What every import format shares: telling formats apart, canonical rows, refusing bad files, and
one work arriving in two formats."""

import io
from pathlib import Path

import pytest

from archive.importing import canonical
from archive.importing.formats import (
    PUBLICATION_FORMATS,
    RIS,
    BibTeX,
    BookSciJSON,
    CrossrefJSON,
    ImportFileError,
    SemanticScholarJSON,
    detect,
)
from archive.importing.resources import run_import
from archive.models import Journal, Person, Publication

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "booksci_three_records.json": BookSciJSON,
    "s2_batch.json": SemanticScholarJSON,
    "s2_citations_page.json": SemanticScholarJSON,
    "crossref_work.json": CrossrefJSON,
    "crossref_works.json": CrossrefJSON,
    "ris_records.ris": RIS,
    "bibtex_records.bib": BibTeX,
}
NEW_FORMATS = [SemanticScholarJSON, CrossrefJSON, RIS, BibTeX]


@pytest.mark.parametrize(("name", "expected"), FILES.items())
def test_the_format_is_told_from_the_first_bytes(name, expected):
    head = (FIXTURES / name).read_bytes()[:4096]

    assert detect("upload.dat", head) is expected


def test_booksci_is_sniffed_first_since_its_records_look_like_semantic_scholar_ones():
    assert PUBLICATION_FORMATS[0] is BookSciJSON


@pytest.mark.parametrize(("name", "expected"), [("a.ris", RIS), ("a.bib", BibTeX)])
def test_an_unsniffable_file_is_told_by_its_extension(name, expected):
    assert detect(name, b"") is expected


@pytest.mark.parametrize(("name", "record_format"), FILES.items())
def test_every_row_has_exactly_the_canonical_columns_as_text(name, record_format):
    rows = list(record_format().iter_rows(io.BytesIO((FIXTURES / name).read_bytes())))

    assert rows
    for row in rows:
        assert list(row) == canonical.PUBLICATION_COLUMNS
        assert all(isinstance(value, str) for value in row.values())


# --- files no format can read ----------------------------------------------------------------


@pytest.mark.parametrize("record_format", NEW_FORMATS)
@pytest.mark.parametrize("data", [b"", b"  \n\t\n"])
def test_an_empty_file_is_refused(record_format, data):
    with pytest.raises(ImportFileError, match=r"The file is empty\."):
        record_format().create_dataset(data)


@pytest.mark.parametrize(
    ("record_format", "other", "message"),
    [
        (SemanticScholarJSON, "ris_records.ris", "not JSON"),
        (CrossrefJSON, "bibtex_records.bib", "not JSON"),
        (CrossrefJSON, "s2_batch.json", "not a Crossref work"),
        (RIS, "crossref_work.json", "no RIS records"),
        (BibTeX, "ris_records.ris", "no BibTeX entries"),
    ],
)
def test_a_file_in_another_format_is_refused_in_one_sentence(record_format, other, message):
    with pytest.raises(ImportFileError, match=message):
        record_format().create_dataset((FIXTURES / other).read_bytes())


@pytest.mark.parametrize("record_format", NEW_FORMATS)
def test_a_file_in_a_legacy_encoding_is_refused_with_advice(record_format):
    text = {
        SemanticScholarJSON: '[{"paperId": "1", "title": "冷战史研究：中苏关系"}]',
        CrossrefJSON: '{"DOI": "10.1234/a", "title": ["冷战史研究：中苏关系"]}',
        RIS: "TY  - JOUR\nTI  - 冷战史研究：中苏关系\nER  - \n",
        BibTeX: "@article{a, title = {冷战史研究：中苏关系}}\n",
    }[record_format]

    with pytest.raises(ImportFileError, match="not UTF-8"):
        record_format().create_dataset(text.encode("gbk"))


# --- one work, two formats -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_work_from_crossref_and_then_from_bibtex_is_matched_on_its_doi(count_rows):
    crossref = CrossrefJSON().create_dataset((FIXTURES / "crossref_work.json").read_bytes())
    run_import(crossref, format_name=CrossrefJSON.name, file_name="crossref_work.json")
    before = count_rows()
    bibtex = BibTeX().create_dataset(
        b"@article{kowalska2014,\n"
        b"  author  = {Kowalska, Anna and Ivanov, Pyotr and {Arctic History Working Group}"
        b" and Nakamura},\n"
        b"  title   = {The \\emph{Lenin} icebreaker and Soviet prestige in the {Arctic}},\n"
        b"  journal = {Cold War History}, volume = 14, number = 2, pages = {233--251},\n"
        b"  year    = 2014, month = may,\n"
        b"  doi     = {https://doi.org/10.1234/CWH.2014.0007},\n"
        b"}\n"
    )

    result = run_import(bibtex, format_name=BibTeX.name, file_name="kowalska2014.bib")

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 0
    publication = Publication.objects.get()
    assert publication.doi == "10.1234/cwh.2014.0007"
    assert publication.title == "The <i>Lenin</i> icebreaker and Soviet prestige in the Arctic"
    assert Journal.objects.get().issn_print == "1468-2745"
    # "Kowalska, Anna" is the "Anna Kowalska" Crossref named: no one is added.
    assert Person.objects.count() == before["archive_person"]
