"""Property-based tests (Hypothesis): whatever a file or a field holds, the importers and the
date and identifier parsers give either a result or a clear error. Nothing crashes, and a file
that is refused writes nothing.

Each importer is fed two kinds of input: arbitrary bytes, and records of the format's own shape
(the keys it reads) holding arbitrary values of any JSON type, or tag lines, fields and cells of
arbitrary text. Both ways in are tried: `import_records`' streaming pipeline, and the admin's
reading of a whole file into a dataset followed by the import of that dataset. The number of
examples is set by the Hypothesis profile in conftest.py (HYPOTHESIS_PROFILE=thorough for more).
"""

import csv
import io
import json
import re
import string

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import dates, identifiers
from archive.importing import canonical
from archive.importing.formats import (
    RIS,
    BibTeX,
    BookSciJSON,
    CrossrefJSON,
    ImportFileError,
    PublicationCSV,
    PublicationTSV,
    SemanticScholarJSON,
)
from archive.importing.pipeline import import_stream
from archive.importing.report import describe_errors
from archive.importing.resources import run_import
from archive.models import ImportBatch, Publication

# The database examples share one test transaction, each in a savepoint of its own.
database_settings = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


# --- strategies ------------------------------------------------------------------------------

# Text with what files really hold: accents, Han, Cyrillic, combining marks, control characters,
# markup and the separators the formats use, besides anything else.
TEXT_PIECES = [
    *"aZ09 -–/.,;:{}[]()<>&\"'\\%$@=+~?\t\r\n",
    "é",
    "ß",
    "毛泽东",
    "Хрущёв",
    "\u0301",
    "\x00",
    "¹",  # a digit to str.isdigit(), not to int()
    "٣",  # an Arabic-Indic three, which int() reads
]
awkward_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(TEXT_PIECES), max_size=20).map("".join),
    st.sampled_from(["", " ", "0", "null", "2022", "2022-06-21", "10.1234/x", "1468-2745"]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    awkward_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(awkward_text, children, max_size=3)
    ),
    max_leaves=8,
)


def records_with_keys(keys: list[str], *, nested: dict[str, list[str]] | None = None):
    """Objects holding some of `keys`, each with a value of any JSON type (for the keys in
    `nested`, often an object holding some of its keys)."""
    values = {}
    for key in keys:
        inner = (nested or {}).get(key)
        if inner:
            values[key] = st.one_of(json_values, records_with_keys(inner))
        else:
            values[key] = json_values
    return st.fixed_dictionaries({}, optional=values)


BOOKSCI_KEYS = [
    "title", "resultStr", "authors", "doi", "DOIUrl", "url", "ListUrlMain", "abstract",
    "AbstractTextCN", "TitleCN", "PeriodicalId", "PeriodicalName", "journal", "PeriodicalIF",
    "JCR", "JCRName", "RegionNum", "RegionCategory", "publicationDate", "publicationTypes",
    "fieldsOfStudy", "isOpenAccess", "openAccessPdf", "citationCount", "paperid",
]  # fmt: skip
S2_KEYS = [
    "paperId", "externalIds", "title", "abstract", "authors", "publicationTypes",
    "publicationDate", "year", "journal", "publicationVenue", "venue", "url", "isOpenAccess",
    "openAccessPdf", "citationCount", "fieldsOfStudy", "s2FieldsOfStudy",
]  # fmt: skip
CROSSREF_KEYS = [
    "DOI", "type", "title", "subtitle", "language", "abstract", "author", "issued",
    "published-print", "published-online", "container-title", "issn-type", "ISSN", "volume",
    "issue", "page", "article-number", "resource", "URL", "is-referenced-by-count", "indexed",
    "subject",
]  # fmt: skip


def booksci_record():
    record = records_with_keys(
        BOOKSCI_KEYS, nested={"journal": ["name", "volume", "pages"], "openAccessPdf": ["url"]}
    )
    # resultStr is the original record as a JSON string.
    return st.one_of(
        record,
        st.tuples(record, record).map(lambda pair: {**pair[0], "resultStr": json.dumps(pair[1])}),
    )


def s2_record():
    return records_with_keys(
        S2_KEYS,
        nested={
            "externalIds": ["DOI"],
            "journal": ["name", "volume", "pages"],
            "publicationVenue": ["name", "type", "issn"],
            "openAccessPdf": ["url"],
        },
    ).map(lambda paper: {"paperId": "x", **paper})


def crossref_record():
    return records_with_keys(
        CROSSREF_KEYS, nested={"issued": ["date-parts"], "indexed": ["date-time"]}
    ).map(lambda work: {"DOI": "10.1/x", **work})


def json_file(records):
    """Records as a JSON array, JSON Lines, or one object; encoded as UTF-8."""
    return st.one_of(
        st.lists(records, min_size=1, max_size=4).map(json.dumps),
        st.lists(records, min_size=1, max_size=4).map(
            lambda items: "\n".join(json.dumps(item) for item in items)
        ),
        records.map(json.dumps),
    ).map(str.encode)


RIS_TAGS = ["TY", "TI", "T1", "AU", "A1", "PY", "DA", "Y1", "T2", "JO", "JF", "VL", "IS", "SP",
            "EP", "SN", "DO", "UR", "KW", "LA", "AB", "DP", "N1", "ER"]  # fmt: skip


@st.composite
def ris_file(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        lines.append(f"TY  - {draw(st.sampled_from(['JOUR', 'BOOK', 'CHAP', 'XYZ', '']))}")
        for _ in range(draw(st.integers(0, 8))):
            tag = draw(st.sampled_from(RIS_TAGS))
            separator = draw(st.sampled_from(["  - ", " -  ", "  -", " - "]))
            lines.append(f"{tag}{separator}{draw(awkward_text)}")
        if draw(st.booleans()):
            lines.append("ER  - ")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


BIBTEX_FIELDS = ["author", "title", "journal", "journaltitle", "year", "month", "day", "date",
                 "volume", "number", "issue", "pages", "doi", "url", "issn", "keywords",
                 "language", "abstract", "editor"]  # fmt: skip


@st.composite
def bibtex_file(draw) -> bytes:
    entries = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["article", "book", "inproceedings", "misc", "Article"]))
        key = draw(st.text(alphabet=string.ascii_letters + string.digits + ":_-", max_size=8))
        fields = []
        for _ in range(draw(st.integers(0, 6))):
            name = draw(st.sampled_from(BIBTEX_FIELDS))
            value = draw(awkward_text)
            fields.append(
                draw(
                    st.sampled_from(
                        [f"{name} = {{{value}}}", f'{name} = "{value}"', f"{name} = {value}"]
                    )
                )
            )
        entries.append(f"@{kind}{{{key},\n  " + ",\n  ".join(fields) + "\n}")
    return "\n\n".join(entries).encode("utf-8", "surrogatepass")


@st.composite
def table_file(draw, delimiter: str) -> bytes:
    columns = draw(
        st.lists(st.sampled_from(canonical.PUBLICATION_COLUMNS), unique=True, max_size=8)
    )
    columns = [*columns, "title"] if "title" not in columns else columns
    columns = draw(st.permutations(columns))
    output = io.StringIO()
    writer = csv.writer(output, delimiter=delimiter)
    writer.writerow(columns)
    for _ in range(draw(st.integers(1, 3))):
        row = [draw(awkward_text) for _ in columns]
        writer.writerow(row)
    return output.getvalue().encode("utf-8", "surrogatepass")


arbitrary_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


# --- the importers ---------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_app_config("archive").get_models(include_auto_created=True)
    }


# What a message shows when an exception reached the curator instead of a sentence for them.
PYTHON_INTERNALS = re.compile(
    r"Traceback|<class '|object has no attribute|index out of range|not subscriptable|"
    r"unsupported operand|NoneType|KeyError|invalid literal for|argument must be"
)


def assert_clear(message: str) -> None:
    assert message.strip()
    assert not PYTHON_INTERNALS.search(message), message


def import_through_the_pipeline(format_class, payload: bytes) -> None:
    """`import_records`' way: the file streamed in chunks. Records, or errors and nothing
    written; never another exception."""
    with transaction.atomic():
        before = table_counts()
        try:
            outcome = import_stream(
                io.BytesIO(payload),
                record_format=format_class(),
                file_name="file",
                checksum="0" * 64,
                chunk_size=2,
            )
        except ImportFileError as error:
            assert_clear(str(error))
            outcome = None
        if outcome is None or outcome.errors:
            assert table_counts() == before
            for message in outcome.errors if outcome else []:
                assert_clear(message)
        else:
            assert ImportBatch.objects.count() == before["archive_importbatch"] + 1
            assert Publication.objects.count() == (
                before["archive_publication"] + outcome.totals.get("new", 0)
            )
        transaction.set_rollback(True)


def import_through_the_admin(format_class, payload: bytes) -> None:
    """The admin's way: the whole file read into a dataset, then imported all or nothing."""
    with transaction.atomic():
        before = table_counts()
        try:
            dataset = format_class().create_dataset(payload)
        except ImportFileError as error:
            assert_clear(str(error))
        else:
            result = run_import(dataset, file_name="file", format_name=format_class.name)
            if result.has_errors() or result.has_validation_errors():
                assert table_counts() == before
                for message in describe_errors(result, dataset):
                    assert_clear(message)
            else:
                assert Publication.objects.count() == (
                    before["archive_publication"] + result.totals["new"]
                )
        transaction.set_rollback(True)


def both_ways(format_class, payload: bytes) -> None:
    import_through_the_pipeline(format_class, payload)
    import_through_the_admin(format_class, payload)


JSON_FORMATS = [BookSciJSON, SemanticScholarJSON, CrossrefJSON]
ALL_FORMATS = [*JSON_FORMATS, RIS, BibTeX, PublicationCSV, PublicationTSV]


@pytest.mark.django_db
@pytest.mark.parametrize("format_class", ALL_FORMATS, ids=lambda format_class: format_class.name)
@database_settings
@given(payload=arbitrary_bytes)
def test_any_bytes_are_imported_or_refused_clearly_never_half_written(format_class, payload):
    both_ways(format_class, payload)


@pytest.mark.django_db
@database_settings
@given(payload=json_file(booksci_record()))
def test_booksci_records_of_any_content_are_imported_or_refused_clearly(payload):
    both_ways(BookSciJSON, payload)


@pytest.mark.django_db
@database_settings
@given(
    payload=st.one_of(
        json_file(s2_record()),
        st.lists(s2_record() | st.none(), min_size=1, max_size=3).map(
            lambda papers: json.dumps({"data": [{"citingPaper": p} for p in papers]}).encode()
        ),
    )
)
def test_semantic_scholar_papers_of_any_content_are_imported_or_refused_clearly(payload):
    both_ways(SemanticScholarJSON, payload)


@pytest.mark.django_db
@database_settings
@given(
    payload=st.one_of(
        json_file(crossref_record()),
        crossref_record().map(lambda work: json.dumps({"status": "ok", "message": work}).encode()),
    )
)
def test_crossref_works_of_any_content_are_imported_or_refused_clearly(payload):
    both_ways(CrossrefJSON, payload)


@pytest.mark.django_db
@database_settings
@given(payload=ris_file())
def test_ris_records_of_any_content_are_imported_or_refused_clearly(payload):
    both_ways(RIS, payload)


@pytest.mark.django_db
@database_settings
@given(payload=bibtex_file())
def test_bibtex_entries_of_any_content_are_imported_or_refused_clearly(payload):
    both_ways(BibTeX, payload)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("format_class", "delimiter"),
    [(PublicationCSV, ","), (PublicationTSV, "\t")],
    ids=["csv", "tsv"],
)
@database_settings
@given(data=st.data())
def test_archive_tables_of_any_content_are_imported_or_refused_clearly(
    format_class, delimiter, data
):
    both_ways(format_class, data.draw(table_file(delimiter)))


# --- dates -----------------------------------------------------------------------------------


@st.composite
def edtf_like(draw) -> str:
    """Dates as EDTF writes them (levels 0-1, and some it does not allow): years with unspecified
    digits, months, seasons, days, times, qualifiers and spans open at either end."""

    def single() -> str:
        year = draw(st.from_regex(r"-?[0-9]{2}[0-9X]{2}|Y-?[0-9]{5,6}", fullmatch=True))
        parts = [year]
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["01", "06", "12", "13", "00", "21", "XX"])))
            if draw(st.booleans()):
                parts.append(draw(st.sampled_from(["01", "15", "29", "31", "32", "XX", "1X"])))
        text = "-".join(parts)
        if draw(st.booleans()):
            text += draw(st.sampled_from(["T10:00:00", "T23:20:30Z", "T10:00:00+05:00"]))
        return text + draw(st.sampled_from(["", "", "~", "?", "%"]))

    start = draw(st.sampled_from(["", "..", None])) or single()
    if not draw(st.booleans()):
        return start
    end = draw(st.sampled_from(["", "..", None])) or single()
    return f"{start}/{end}"


dates_to_try = awkward_text | edtf_like() | st.text(alphabet="0123456789-/X~?%.T: ", max_size=24)


@given(value=dates_to_try)
def test_any_text_is_a_date_with_bounds_and_words_or_a_validation_error(value):
    try:
        dates.validate_edtf(value)
    except ValidationError as error:
        assert error.messages
        return
    found = dates.bounds(value)
    assert isinstance(dates.in_words(value), str)
    if found.earliest and found.latest and "/" not in value:
        assert found.earliest <= found.latest


@given(value=dates_to_try)
def test_any_text_is_a_publication_date_at_its_precision_or_a_validation_error(value):
    try:
        dates.validate_calendar_date(value)
    except ValidationError as error:
        assert error.messages
        return
    if value:
        assert dates.precision(value) in ("year", "month", "day")
        found = dates.bounds(value)
        assert found.earliest <= found.latest
        assert found.earliest.isoformat().startswith(value)


@given(
    year=st.integers(1, 9999),
    month=st.none() | st.integers(1, 12),
    day=st.none() | st.integers(1, 28),
)
def test_a_date_built_from_parts_keeps_their_precision(year, month, day):
    built = dates.from_parts(year, month, day if month else None)

    dates.validate_calendar_date(built)
    assert dates.precision(built) == ["year", "month", "day"][built.count("-")]


# --- identifiers -----------------------------------------------------------------------------

IDENTIFIERS = {
    "doi": (identifiers.normalize_doi, identifiers.validate_doi),
    "issn": (identifiers.normalize_issn, identifiers.validate_issn),
    "orcid": (identifiers.normalize_orcid, identifiers.validate_orcid),
    "wikidata": (identifiers.normalize_wikidata, identifiers.validate_wikidata),
    "viaf": (identifiers.normalize_viaf, identifiers.validate_viaf),
}
identifier_like = awkward_text | st.from_regex(
    r"(https?://(dx\.)?doi\.org/|doi:|https://orcid\.org/|Q|https://viaf\.org/viaf/)?"
    r"[0-9X./ -]{0,24}",
    fullmatch=True,
)


@pytest.mark.parametrize("scheme", IDENTIFIERS)
@given(value=identifier_like)
def test_any_text_normalises_once_and_for_all_then_validates_or_is_refused(scheme, value):
    normalize, validate = IDENTIFIERS[scheme]

    normalized = normalize(value)

    assert normalize(normalized) == normalized
    try:
        validate(normalized)
    except ValidationError as error:
        assert error.messages
    if scheme == "doi":
        assert identifiers.doi_url(normalized).startswith("https://doi.org/") or not normalized


@given(digits=st.text(alphabet=string.digits, min_size=7, max_size=7), style=st.integers(0, 3))
def test_every_way_of_writing_a_valid_issn_is_normalised_to_the_one_the_archive_stores(
    digits, style
):
    remainder = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True)) % 11
    check = "0" if remainder == 0 else ("X" if remainder == 1 else str(11 - remainder))
    stored = f"{digits[:4]}-{digits[4:]}{check}"
    written = [stored, stored.replace("-", ""), f" {stored.lower()} ", stored.replace("-", " ")]

    normalized = identifiers.normalize_issn(written[style])

    assert normalized == stored
    identifiers.validate_issn(normalized)


# The blocks ORCID gives out (its "Structure of the ORCID Identifier"), without the check digit.
orcid_numbers = st.integers(15_000_000, 35_000_000) | st.integers(900_000_000_000, 900_100_000_000)


@given(number=orcid_numbers, style=st.integers(0, 2))
def test_every_way_of_writing_a_valid_orcid_is_normalised_to_the_one_the_archive_stores(
    number, style
):
    digits = f"{number:015d}"
    # ISO 7064 11,2, as ORCID computes its check digit.
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    compact = digits + ("X" if result == 10 else str(result))
    stored = "-".join(compact[i : i + 4] for i in range(0, 16, 4))
    written = [stored, f"https://orcid.org/{compact}", f"  {stored}  "]

    normalized = identifiers.normalize_orcid(written[style])

    assert normalized == stored
    identifiers.validate_orcid(normalized)
