"""The shortcuts the importer takes for speed give what the long way gives: the cleaning's quick
paths, the search indexes filled once per chunk, the admin's stored upload."""

import csv
import io
import json
import re

import ijson
import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from hypothesis import example, given
from hypothesis import strategies as st

from archive.importing import canonical, jsonstream
from archive.importing.cleaning import _SPACES, _collapse_spaces, clean_abstract
from archive.importing.formats import BookSciJSON
from archive.models import Publication
from archive.search import search_filter
from tests.factories import make_publication
from tests.test_importing import FIXTURES, failed_import, write_records

SPACING = st.text(alphabet=" \t\r\f\v\nab<p>:", max_size=40)
_LABEL = re.compile(r"^\s*(?:<p>\s*)?(?:abstract|summary)\b\s*[:.\-–—]?\s*", re.I)


def label_dropped_the_long_way(text: str) -> str:
    """What clean_abstract did to a leading label before its quick path: a regex substitution."""
    text = _LABEL.sub(lambda m: "<p>" if m.group(0).lstrip().startswith("<p>") else "", text)
    return text.replace("<p></p>", "").strip()


@given(SPACING)
@example("a  b")
@example("a \t b")
@example("a b")
def test_collapsing_spaces_skips_only_text_with_nothing_to_collapse(text):
    assert _collapse_spaces(text) == _SPACES.sub(" ", text)


@given(st.sampled_from(["", "Abstract", "ABSTRACT:", "<p>Summary.", " abstract —", "Abstracts"]))
@example("Abstract")
def test_an_abstract_loses_its_label_as_the_regex_substitution_did(label):
    text = f"{label} The  workers\tcame <i>by train</i>."
    assert clean_abstract(text) == label_dropped_the_long_way(clean_abstract(text))
    assert clean_abstract(text) == clean_abstract(clean_abstract(text))


@given(st.text(alphabet="Abstract sumy:.<p>/ \t", max_size=30))
def test_cleaning_an_abstract_twice_changes_nothing(text):
    once = clean_abstract(text)
    assert clean_abstract(once) == once


# --- the search indexes ---------------------------------------------------------------------


def publication_triggers() -> set[tuple[str, str]]:
    """The database's triggers on the publications table, with their definitions."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [Publication._meta.db_table],
            )
        else:
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [Publication._meta.db_table],
            )
        return set(cursor.fetchall())


def found(query) -> set[str]:
    return set(search_filter(Publication.objects.all(), query).values_list("doi", flat=True))


def import_file(path):
    call_command("import_records", str(path), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_imported_publications_are_found_by_word_and_by_chinese_characters():
    triggers = publication_triggers()

    import_file(FIXTURES / "booksci_three_records.json")

    assert found("pravda in harbin") == {"10.1234/harbin.pravda"}
    assert found("icebreaker") == {"10.1234/icebreaker.1959"}
    # From its Chinese title: two characters, which have no trigram.
    assert found("苏联") == {"10.1234/icebreaker.1959"}
    assert publication_triggers() == triggers


@pytest.mark.django_db
def test_publications_written_after_an_import_are_still_indexed_by_the_triggers():
    import_file(FIXTURES / "booksci_three_records.json")

    later = make_publication("Harbin railway workshops", doi="10.1234/harbin")

    assert found("harbin railway") == {later.doi}


@pytest.mark.django_db
def test_a_failed_import_leaves_the_triggers_and_indexes_as_they_were(tmp_path):
    triggers = publication_triggers()
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))

    failed_import(write_records(tmp_path, record, record))

    assert publication_triggers() == triggers
    assert found("dispatch of chinese workers") == set()
    later = make_publication("Dispatch of Chinese workers, again", doi="10.1234/again")
    assert found("dispatch of chinese workers") == {later.doi}


# --- the admin's stored upload --------------------------------------------------------------


def test_an_upload_of_many_chunks_is_stored_byte_for_byte(import_storage):
    admin = site._registry[Publication]
    data = bytes(range(256)) * 1500  # 384,000 bytes: six chunks of 64 KiB
    upload = SimpleUploadedFile("records.jsonl", data)

    stored = admin.write_to_tmp_storage(upload, BookSciJSON())

    assert stored.read() == data
    stored.remove()


# --- JSON Lines read a line at a time -------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def read_by_ijson_alone(data: bytes) -> list:
    return list(ijson.items(io.BytesIO(data), "", multiple_values=True, use_float=True))


@given(
    st.lists(st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4), min_size=1, max_size=4),
    st.data(),
)
def test_json_lines_read_as_ijson_reads_them(records, data):
    # Each record on its line, or spread over lines, or two on one line: any mix.
    layouts = [data.draw(st.sampled_from(["line", "indented", "shared"])) for _ in records]
    parts = []
    for record, layout in zip(records, layouts, strict=True):
        text = json.dumps(record, indent=2 if layout == "indented" else None)
        parts.append(text + (" " if layout == "shared" else "\n"))
    payload = "".join(parts).encode()

    try:
        expected = read_by_ijson_alone(payload)
    except ijson.JSONError:  # an integer past 64 bits, which yajl refuses
        with pytest.raises(jsonstream.JSONFileError):
            list(jsonstream.iter_values(io.BytesIO(payload)))
        return
    read = [value for _number, value in jsonstream.iter_values(io.BytesIO(payload))]

    assert read == expected == records


def test_a_bad_line_of_json_lines_is_reported_with_its_record_number():
    payload = b'{"a": 1}\n\n{"b": 2}\n{"c": \n'

    with pytest.raises(jsonstream.JSONFileError, match="ends in the middle of record 3"):
        list(jsonstream.iter_values(io.BytesIO(payload)))


def test_a_long_integer_in_json_lines_is_read_exactly():
    payload = b'{"a": 1}\n{"id": 9000000000000000001}\n{"b": 2}\n'

    read = [value for _number, value in jsonstream.iter_values(io.BytesIO(payload))]

    assert read == [{"a": 1}, {"id": 9000000000000000001}, {"b": 2}]


def test_a_line_that_is_not_json_is_reported_as_ijson_reports_it():
    payload = b'{"a": 1}\n{"b": 2}\n{"c": nonsense}\n{"d": 4}\n'

    with pytest.raises(jsonstream.JSONFileError, match="Record 3 is not valid JSON"):
        list(jsonstream.iter_values(io.BytesIO(payload)))


@given(
    st.one_of(
        JSON_VALUES.map(json.dumps),
        st.sampled_from(["NaN", "[Infinity]", str(2**80), '{"a": 1, "a": 2}', "[1,]", "{", "'x'"]),
        st.text(max_size=10),
    )
)
def test_a_json_cell_reads_as_the_json_module_reads_it(cell):
    if cell == "":
        assert canonical.load_json(cell, column="raw_record") is None
        return
    try:
        expected = json.loads(cell)
    except ValueError:
        with pytest.raises(ValueError, match="raw_record must be JSON"):
            canonical.load_json(cell, column="raw_record")
    else:
        # Compared as text: NaN is not equal to itself.
        read = canonical.load_json(cell, column="raw_record")
        assert json.dumps(read) == json.dumps(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ["1", '"zh"', "[1]", '[{"language": "zh"}]'])
def test_a_translation_cell_that_is_no_list_of_translations_is_reported(tmp_path, cell):
    path = tmp_path / "publications.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["doi", "title", "title_translations"], ["", "A", cell]])

    stderr = failed_import(path)

    assert "title_translations must be a list of translations" in stderr
    assert not Publication.objects.exists()
