"""The BookSci importer, through the resource the admin uses and through `import_records`."""

import datetime
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from archive.importing import booksci
from archive.importing.formats import BookSciJSON, ImportFileError
from archive.importing.resources import run_import
from archive.models import (
    ImportBatch,
    Journal,
    JournalMetric,
    Person,
    PersonName,
    Publication,
    Status,
)
from archive.search import search_index_rebuild, search_index_refresh

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
COLD_WAR_DOI = "10.1080/14682745.2022.2050698"
LONG_AGO = datetime.date(2020, 1, 1)


def import_through_resource(name: str):
    dataset = BookSciJSON().create_dataset((FIXTURES / name).read_bytes())
    return run_import(dataset, file_name=name, format_name=BookSciJSON.name)


def import_through_command(path, *args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_records", str(path), *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def failed_import(path, *args) -> str:
    """Run `import_records` expecting it to fail; what it told the curator on stderr."""
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", str(path), *args, stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue()


def write_records(folder: Path, *records: dict) -> Path:
    path = folder / "records.json"
    path.write_text(json.dumps(list(records), ensure_ascii=False), "utf-8")
    return path


# --- one record, every field ----------------------------------------------------------------


@pytest.fixture
def cold_war_article():
    result = import_through_resource("booksci_cold_war_history.json")
    assert not result.has_errors() and not result.has_validation_errors()
    return Publication.objects.get(doi=COLD_WAR_DOI)


def test_the_english_original_becomes_the_title(cold_war_article):
    assert cold_war_article.title == (
        "Unknown page of history: the dispatch of Chinese workers to the USSR (1954–1957)"
    )
    assert cold_war_article.language == "en"


def test_the_chinese_outer_title_is_kept_as_a_machine_translation(cold_war_article):
    translation = cold_war_article.translated_titles.get()

    assert translation.language == "zh"
    assert translation.title == "历史的未知一页：向苏联派遣中国工人（1954–1957）"
    assert translation.is_machine_translation is True


def test_the_author_is_linked_in_the_order_printed(cold_war_article):
    authorship = cold_war_article.authorships.get()

    assert authorship.position == 1
    assert authorship.name_as_printed == "Ji-Dong Gu"
    assert authorship.person.display_name == "Ji-Dong Gu"
    assert (authorship.person.family_name, authorship.person.given_names) == ("Gu", "Ji-Dong")


def test_the_journal_is_found_by_name_and_keeps_the_booksci_id(cold_war_article):
    journal = cold_war_article.journal

    assert journal.name == "Cold War History"
    assert [str(identifier) for identifier in journal.external_ids.all()] == ["booksci:46099"]


def test_the_journals_rankings_are_recorded_as_of_today(cold_war_article):
    journal = cold_war_article.journal
    jcr = journal.metrics.get(system=JournalMetric.System.JCR)
    cas = journal.metrics.get(system=JournalMetric.System.CAS)

    assert (jcr.impact_factor, jcr.quartile, jcr.category, jcr.zone) == (
        Decimal("0.4"),
        "Q1",
        "HISTORY",
        None,
    )
    assert (cas.zone, cas.category, cas.quartile, cas.impact_factor) == (2, "历史学", "", None)
    assert jcr.recorded_on == cas.recorded_on == timezone.localdate()
    assert jcr.source == cas.source == "BookSci (booksci.cn)"


def test_volume_issue_and_pages_are_split(cold_war_article):
    assert (cold_war_article.volume, cold_war_article.issue) == ("22", "1")
    assert (cold_war_article.first_page, cold_war_article.last_page) == ("437", "457")
    assert cold_war_article.pages == "437–457"


def test_the_date_is_kept_to_the_day(cold_war_article):
    assert cold_war_article.publication_date == "2022-06-21"
    assert cold_war_article.date_precision == "day"
    assert cold_war_article.year == 2022


def test_the_abstract_loses_its_abstract_label(cold_war_article):
    assert cold_war_article.abstract.startswith("When Khrushchev came to Beijing")
    assert "ABSTRACT" not in cold_war_article.abstract


def test_doi_type_access_and_citations_are_kept(cold_war_article):
    assert cold_war_article.doi == COLD_WAR_DOI
    assert cold_war_article.publication_type == "journal-article"
    assert cold_war_article.is_open_access is False
    assert cold_war_article.citation_count == 1
    assert cold_war_article.citation_count_date == timezone.localdate()


def test_the_record_as_received_and_its_provenance_are_kept(cold_war_article):
    received = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))

    assert cold_war_article.source_platform == "BookSci"
    assert cold_war_article.raw_record == received
    assert cold_war_article.import_batch == ImportBatch.objects.get()
    assert cold_war_article.imported_at is not None


def test_new_records_are_published_by_default(cold_war_article):
    assert cold_war_article.status == Status.PUBLISHED
    assert cold_war_article.journal.status == Status.PUBLISHED
    assert cold_war_article.authors.get().status == Status.PUBLISHED


# --- the quirks of BookSci ------------------------------------------------------------------


@pytest.fixture
def three_records():
    result = import_through_resource("booksci_three_records.json")
    assert result.totals["new"] == 3
    return {publication.doi: publication for publication in Publication.objects.all()}


def test_a_json_array_imports_every_record(three_records):
    assert sorted(three_records) == [
        "10.1234/abc",
        "10.1234/harbin.pravda",
        "10.1234/icebreaker.1959",
    ]


def test_authors_separated_by_a_semicolon_without_a_space_are_two_people(three_records):
    harbour = three_records["10.1234/abc"]

    assert list(
        harbour.authorships.order_by("position").values_list("position", "person__display_name")
    ) == [(1, "A. Smith"), (2, "B. Jones")]


def test_a_doi_given_only_as_an_upper_case_link_is_stored_bare_and_lower_case():
    import_through_resource("booksci_three_records.json")

    harbour = Publication.objects.get(title__startswith="Dockers and diplomats")
    assert harbour.raw_record["DOIUrl"] == "https://doi.org/10.1234/ABC"
    assert harbour.doi == "10.1234/abc"
    assert harbour.doi_url == "https://doi.org/10.1234/abc"


def test_pages_given_as_0_are_unknown(three_records):
    harbour = three_records["10.1234/abc"]

    assert (harbour.first_page, harbour.last_page, harbour.pages) == ("", "", "")


def test_a_citation_count_given_as_a_string_is_a_number(three_records):
    assert three_records["10.1234/abc"].citation_count == 12


def test_a_record_without_a_citation_count_has_no_count_date(three_records):
    pravda = three_records["10.1234/harbin.pravda"]

    assert (pravda.citation_count, pravda.citation_count_date) == (None, None)


def test_an_unranked_journal_gets_no_rankings(three_records):
    journal = three_records["10.1234/abc"].journal

    assert journal.name == "Journal of Maritime Diplomacy"
    assert not journal.metrics.exists()


def test_an_untranslated_record_keeps_its_title_and_gets_no_translation(three_records):
    harbour = three_records["10.1234/abc"]

    assert harbour.title == (
        "Dockers and diplomats: the port of Dalian under joint Sino-Soviet management"
    )
    assert harbour.language == "en"
    assert not harbour.translated_titles.exists()


def test_fields_of_study_become_keywords(three_records):
    assert set(three_records["10.1234/abc"].keywords.values_list("name", flat=True)) == {
        "History",
        "Economics",
    }


def test_a_title_keeps_its_italics_and_loses_its_script(three_records):
    icebreaker = three_records["10.1234/icebreaker.1959"]

    assert icebreaker.title == "The <i>Lenin</i> icebreaker and Soviet prestige"
    assert icebreaker.slug == "the-lenin-icebreaker-and-soviet-prestige"
    assert str(icebreaker) == "The Lenin icebreaker and Soviet prestige (2021)"


def test_a_structured_abstract_keeps_its_paragraphs_and_headings_as_safe_html(three_records):
    abstract = three_records["10.1234/icebreaker.1959"].abstract

    assert "<p><b>Background</b></p>" in abstract
    assert "<p>The nuclear icebreaker <i>Lenin</i> entered service in 1959.</p>" in abstract
    for dropped in ("<div", "<h3", "<script", "alert"):
        assert dropped not in abstract


def test_tex_in_an_abstract_becomes_readable_text(three_records):
    abstract = three_records["10.1234/icebreaker.1959"].abstract

    assert "delivered 2 \\times 90 MW of heat" in abstract
    for dropped in ("inline-formula", "tex-math", "$"):
        assert dropped not in abstract


def test_a_date_given_to_the_month_stays_a_month(three_records):
    icebreaker = three_records["10.1234/icebreaker.1959"]

    assert icebreaker.publication_date == "2021-03"
    assert icebreaker.date_precision == "month"
    assert icebreaker.date_in_words == "March 2021"


def test_the_same_author_in_two_records_is_one_person(three_records):
    smith = Person.objects.get(display_name="A. Smith")

    assert Person.objects.filter(name_key="a smith").count() == 1
    assert set(smith.works.values_list("doi", flat=True)) == {
        "10.1234/abc",
        "10.1234/icebreaker.1959",
    }


def test_the_same_journal_in_two_records_is_one_journal(three_records):
    assert three_records["10.1234/abc"].journal == three_records["10.1234/icebreaker.1959"].journal
    assert Journal.objects.count() == 2


def test_initials_written_differently_in_two_records_are_one_person(tmp_path):
    path = write_records(
        tmp_path,
        {
            "title": "Soviet labour recruitment in Shandong",
            "authors": "J.-D. Gu",
            "doi": "10.1234/a",
        },
        {"title": "Chinese workers in Irkutsk", "authors": "J. D. Gu", "doi": "10.1234/b"},
    )

    import_through_command(path)

    person = Person.objects.get()
    assert sorted(person.authorships.values_list("name_as_printed", flat=True)) == [
        "J. D. Gu",
        "J.-D. Gu",
    ]


def test_json_lines_import_every_line():
    stdout, _ = import_through_command(FIXTURES / "booksci_two_records.jsonl")

    assert "imported 2 record(s): 2 new, 0 updated, 0 unchanged" in stdout
    assert set(Publication.objects.values_list("doi", flat=True)) == {
        "10.1234/harbin.pravda",
        "10.1234/shandong.1955",
    }


def test_a_record_already_imported_from_another_file_is_left_unchanged(three_records):
    stdout, _ = import_through_command(FIXTURES / "booksci_two_records.jsonl")

    assert "1 new, 0 updated, 1 unchanged" in stdout
    assert Journal.objects.filter(name="Cold War History").count() == 1


# --- importing again -------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(count_rows):
    import_through_command(FIXTURES / "booksci_three_records.json")
    before = count_rows()
    changed = {
        model: dict(model.objects.values_list("pk", "updated_at"))
        for model in (Publication, Person, Journal)
    }

    result = import_through_resource("booksci_three_records.json")

    after = count_rows()
    # Only the import log grows: it records that the file was brought in again.
    assert after.pop("archive_importbatch") == before.pop("archive_importbatch") + 1
    assert after == before
    for model, updated_at in changed.items():
        assert dict(model.objects.values_list("pk", "updated_at")) == updated_at
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 3)
    batch = ImportBatch.objects.latest()
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (0, 0, 3)


def test_reimporting_on_a_later_day_adds_no_rankings_and_keeps_the_count_date(count_rows):
    import_through_command(FIXTURES / "booksci_cold_war_history.json")
    JournalMetric.objects.update(recorded_on=LONG_AGO)
    Publication.objects.update(citation_count_date=LONG_AGO)
    before = count_rows()

    stdout, _ = import_through_command(FIXTURES / "booksci_cold_war_history.json")

    assert "0 new, 0 updated, 1 unchanged" in stdout
    after = count_rows()
    assert after["archive_journalmetric"] == before["archive_journalmetric"] == 2
    assert set(JournalMetric.objects.values_list("recorded_on", flat=True)) == {LONG_AGO}
    assert Publication.objects.get().citation_count_date == LONG_AGO


def test_a_changed_ranking_is_recorded_beside_the_old_one(tmp_path):
    import_through_command(FIXTURES / "booksci_cold_war_history.json")
    JournalMetric.objects.update(recorded_on=LONG_AGO)
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    record["PeriodicalIF"] = 0.7

    import_through_command(write_records(tmp_path, record))

    jcr = JournalMetric.objects.filter(system=JournalMetric.System.JCR).order_by("recorded_on")
    assert [(m.recorded_on, m.impact_factor) for m in jcr] == [
        (LONG_AGO, Decimal("0.4")),
        (timezone.localdate(), Decimal("0.7")),
    ]
    assert JournalMetric.objects.filter(system=JournalMetric.System.CAS).count() == 1


def test_a_changed_citation_count_updates_the_record_and_its_count_date(tmp_path):
    import_through_command(FIXTURES / "booksci_cold_war_history.json")
    Publication.objects.update(citation_count_date=LONG_AGO)
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    record["citationCount"] = "5"

    stdout, _ = import_through_command(write_records(tmp_path, record))

    assert "0 new, 1 updated, 0 unchanged" in stdout
    publication = Publication.objects.get()
    assert (publication.citation_count, publication.citation_count_date) == (
        5,
        timezone.localdate(),
    )


def test_reimporting_through_the_command_settles_unchanged_records_without_converting_them(
    monkeypatch,
):
    import_through_command(FIXTURES / "booksci_three_records.json")

    def refuse(record):
        raise AssertionError("an unchanged record was converted")

    monkeypatch.setattr(booksci, "to_row", refuse)
    stdout, _ = import_through_command(FIXTURES / "booksci_three_records.json")

    assert "0 new, 0 updated, 3 unchanged" in stdout
    assert ImportBatch.objects.latest().unchanged_count == 3


def test_a_record_repeated_in_a_file_is_reported_even_when_it_is_unchanged(tmp_path, count_rows):
    import_through_command(FIXTURES / "booksci_cold_war_history.json")
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    before = count_rows()

    stderr = failed_import(write_records(tmp_path, record, record))

    assert "Row 2, column doi" in stderr and "This row repeats row 1 (same DOI)" in stderr
    assert count_rows() == before


def test_a_changed_record_after_an_unchanged_one_with_its_doi_is_reported(tmp_path):
    import_through_command(FIXTURES / "booksci_cold_war_history.json")
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    changed = dict(record, citationCount="5")

    stderr = failed_import(write_records(tmp_path, record, changed))

    assert "This row repeats row 1 (same DOI)" in stderr
    assert Publication.objects.get().citation_count != 5


def test_the_search_text_an_import_writes_is_what_a_rebuild_computes(tmp_path):
    gu = Person.objects.create(display_name="Ji-Dong Gu", status=Status.PUBLISHED)
    PersonName.objects.create(person=gu, name="谷继东")
    search_index_refresh(people=[gu])
    import_through_command(FIXTURES / "booksci_three_records.json")
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    import_through_command(write_records(tmp_path, dict(record, citationCount="5")))

    assert "谷继东" in Publication.objects.get(doi=COLD_WAR_DOI).search_text
    assert set(search_index_rebuild().values()) == {0}


# --- the command's options -------------------------------------------------------------------


def test_draft_makes_every_new_record_a_draft():
    import_through_command(FIXTURES / "booksci_cold_war_history.json", "--draft")

    publication = Publication.objects.get()
    assert publication.status == Status.DRAFT
    assert publication.journal.status == Status.DRAFT
    assert publication.authors.get().status == Status.DRAFT
    assert ImportBatch.objects.get().publish is False


def test_draft_leaves_records_already_published_as_they_are():
    import_through_command(FIXTURES / "booksci_three_records.json")

    import_through_command(FIXTURES / "booksci_two_records.jsonl", "--draft")

    assert Publication.objects.get(doi="10.1234/harbin.pravda").status == Status.PUBLISHED
    assert Publication.objects.get(doi="10.1234/shandong.1955").status == Status.DRAFT


def test_dry_run_reports_what_it_would_do_and_writes_nothing(count_rows):
    before = count_rows()

    stdout, _ = import_through_command(FIXTURES / "booksci_three_records.json", "--dry-run")

    assert "would import 3 record(s): 3 new, 0 updated, 0 unchanged" in stdout
    assert count_rows() == before


def test_the_import_is_logged_with_the_file_its_checksum_format_and_counts():
    path = FIXTURES / "booksci_three_records.json"

    stdout, _ = import_through_command(path)

    batch = ImportBatch.objects.get()
    assert batch.file_name == "booksci_three_records.json"
    assert batch.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch.format == "booksci"
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (3, 0, 0)
    assert batch.publish is True
    assert set(Publication.objects.values_list("import_batch", flat=True)) == {batch.pk}
    assert "imported 3 record(s): 3 new, 0 updated, 0 unchanged" in stdout


# --- files that cannot be imported -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("booksci_malformed.json", "is not valid JSON"),
        ("booksci_empty.json", "The file is empty."),
        ("booksci_bad_result_str.json", "Record 2: resultStr is not valid JSON"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(name, message, count_rows):
    before = count_rows()

    stderr = failed_import(FIXTURES / name)

    assert f"{name}: " in stderr
    assert message in stderr
    assert count_rows() == before


def test_a_file_that_is_not_utf_8_is_refused_with_advice(tmp_path, count_rows):
    path = tmp_path / "gbk.json"
    path.write_bytes(
        json.dumps({"title": "冷战史研究：中苏关系"}, ensure_ascii=False).encode("gbk")
    )
    before = count_rows()

    stderr = failed_import(path)

    assert "not UTF-8" in stderr
    assert count_rows() == before


def test_a_file_that_is_not_utf_8_is_refused_by_the_format_too(tmp_path):
    data = json.dumps({"title": "冷战史研究"}, ensure_ascii=False).encode("gbk")

    with pytest.raises(ImportFileError, match="not UTF-8"):
        BookSciJSON().create_dataset(data)


def test_an_invalid_date_names_the_row_column_and_value_and_nothing_is_written(count_rows):
    before = count_rows()

    stderr = failed_import(FIXTURES / "booksci_bad_date.json")

    assert "Row 2, column publication_date (value “2022-13-45”)" in stderr
    assert "nothing was imported" in stderr
    assert count_rows() == before


def test_the_valid_rows_of_a_file_with_an_invalid_row_are_not_written_either(count_rows):
    before = count_rows()

    result = import_through_resource("booksci_bad_date.json")

    assert result.has_validation_errors()
    assert count_rows() == before
    assert not Publication.objects.filter(doi="10.1234/harbin.pravda").exists()


def test_two_rows_with_one_doi_are_reported_as_a_duplicate_and_nothing_is_written(count_rows):
    before = count_rows()

    stderr = failed_import(FIXTURES / "booksci_duplicate_doi.json")

    assert (
        "Row 2, column doi (value “10.1234/shandong.1955”): This row repeats row 1 (same DOI)"
        in stderr
    )
    assert count_rows() == before


def test_one_bad_file_among_several_does_not_stop_the_good_ones():
    stdout = io.StringIO()
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="1 of 2 file"):
        call_command(
            "import_records",
            str(FIXTURES / "booksci_empty.json"),
            str(FIXTURES / "booksci_cold_war_history.json"),
            stdout=stdout,
            stderr=stderr,
        )

    assert Publication.objects.filter(doi=COLD_WAR_DOI).exists()
    assert "The file is empty." in stderr.getvalue()


def test_a_missing_file_is_named(tmp_path):
    stderr = failed_import(tmp_path / "nowhere.json")

    assert "nowhere.json: no such file." in stderr


def test_a_source_that_says_less_does_not_erase_what_the_archive_knows(tmp_path):
    import_through_command(FIXTURES / "booksci_cold_war_history.json")
    abstract = Publication.objects.get().abstract
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    inner = json.loads(record["resultStr"])
    for value in (record, inner):
        value.update(abstract="", authors="", citationCount=None, publicationDate="2022")
        value["journal"] = {"name": "Cold War History", "volume": "", "pages": "0"}
    record["resultStr"] = json.dumps(inner, ensure_ascii=False)

    stdout, _ = import_through_command(write_records(tmp_path, record))

    # Only the record as received changes; what the poorer record lacks is kept.
    assert "0 new, 1 updated, 0 unchanged" in stdout
    publication = Publication.objects.get()
    assert publication.raw_record["citationCount"] is None
    assert publication.abstract == abstract != ""
    assert publication.publication_date == "2022-06-21"
    assert (publication.volume, publication.first_page, publication.citation_count) == (
        "22",
        "437",
        1,
    )
    assert [a.name_as_printed for a in publication.authorships.all()] == ["Ji-Dong Gu"]


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("Ji-Dong Gu, Nikita Khrushchev", ["Ji-Dong Gu", "Nikita Khrushchev"]),
        ("Gu, Ji-Dong", ["Gu, Ji-Dong"]),
        ("Gu, Ji-Dong, Li, Wei", ["Gu, Ji-Dong", "Li, Wei"]),
        ("A. Smith;B. Jones", ["A. Smith", "B. Jones"]),
        ("Gu, Ji-Dong;Li, Wei", ["Gu, Ji-Dong", "Li, Wei"]),
    ],
)
def test_booksci_authors_written_family_name_first_stay_one_person(authors, expected):
    from archive.importing.booksci import split_authors

    assert split_authors(authors) == expected


def test_imported_records_can_be_found_by_the_public_search():
    import_through_command(FIXTURES / "booksci_cold_war_history.json")

    assert "苏联" in Publication.objects.get().search_text
    assert "ji-dong gu" in Person.objects.get().search_text


def test_import_records_refuses_a_file_over_max_bytes_and_writes_nothing(count_rows):
    before = count_rows()

    stderr = failed_import(FIXTURES / "booksci_cold_war_history.json", "--max-bytes", "100")

    assert "over the limit of 100 (--max-bytes)" in stderr
    assert count_rows() == before
