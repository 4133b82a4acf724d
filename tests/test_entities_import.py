"""Importing people, events and journals from the archive's own CSV, TSV and XLSX files."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import tablib

from archive.importing.events import EventResource
from archive.importing.journals import JournalResource
from archive.importing.people import PersonResource
from archive.importing.report import describe_errors
from archive.importing.spreadsheets import CSV, TSV, XLSX
from archive.models import (
    Event,
    ImportBatch,
    Journal,
    JournalMetric,
    Person,
    PersonName,
    Status,
)
from tests.factories import (
    add_journal_identifier,
    add_journal_name,
    add_participant,
    add_person_name,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
COLD_WAR_DOI = "10.1080/14682745.2022.2050698"
FORMATS = {"csv": CSV, "tsv": TSV, "xlsx": XLSX}


# --- writing files in each format -------------------------------------------------------------


def rows_of(name: str) -> list[list[str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def as_csv(rows, delimiter=",") -> bytes:
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter).writerows(rows)
    return stream.getvalue().encode()


def as_xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def as_file(rows, format_name: str) -> bytes:
    if format_name == "xlsx":
        return as_xlsx(rows)
    return as_csv(rows, delimiter="\t" if format_name == "tsv" else ",")


def import_rows(resource_class, rows, *, format_name="csv", dry_run=False, **kwargs):
    """Import rows (a header row first) written in a format; (result, dataset)."""
    dataset = FORMATS[format_name]().create_dataset(as_file(rows, format_name))
    resource = resource_class(format_name=format_name, **kwargs)
    result = resource.import_data(dataset, dry_run=dry_run, file_name=f"rows.{format_name}")
    return result, dataset


def imported(resource_class, rows, **kwargs):
    result, dataset = import_rows(resource_class, rows, **kwargs)
    assert not result.has_errors() and not result.has_validation_errors(), describe_errors(
        result, dataset
    )
    return result


def refused(resource_class, rows, **kwargs) -> list[str]:
    """Import rows expecting them to be refused; the problems, one line each."""
    result, dataset = import_rows(resource_class, rows, **kwargs)
    assert result.has_errors() or result.has_validation_errors()
    return describe_errors(result, dataset)


def table(header: str, *rows: list) -> list[list]:
    return [header.split(","), *rows]


def with_cold_war_article():
    return make_publication("Unknown page of history", doi=COLD_WAR_DOI)


# --- people -------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["csv", "tsv", "xlsx"])
def test_people_are_imported_from_each_format(format_name):
    result = imported(PersonResource, rows_of("people.csv"), format_name=format_name)

    assert result.totals["new"] == 2
    zhou = Person.objects.get(slug="zhou-enlai")
    assert zhou.display_name == "Zhou Enlai"
    assert (zhou.birth_date, zhou.death_date) == ("1898-03-05", "1976-01-08")
    assert zhou.wikidata == "Q16977"
    assert zhou.biography == (
        "Premier of the People's Republic of China (1949–1976).\nLed the delegation to Geneva in 1954."
    )
    assert set(zhou.names.values_list("name", "language", "kind")) == {
        ("周恩来", "zh-Hans", PersonName.Kind.NATIVE),
        ("Chou En-lai", "zh-Latn-wadegile", PersonName.Kind.ROMANISATION),
    }
    gu = Person.objects.get(display_name="Ji-Dong Gu")
    assert gu.orcid == "0000-0002-1825-0097"
    assert (gu.family_name, gu.given_names) == ("Gu", "Ji-Dong")
    assert gu.slug == "ji-dong-gu"


def test_an_import_is_recorded_and_new_people_point_to_it():
    imported(PersonResource, rows_of("people.csv"), checksum="a" * 64)

    batch = ImportBatch.objects.get()
    assert (batch.format, batch.file_name, batch.checksum) == ("csv", "rows.csv", "a" * 64)
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (2, 0, 0)
    assert batch.finished_at is not None
    assert set(batch.people.values_list("slug", flat=True)) == {"zhou-enlai", "ji-dong-gu"}
    assert Person.objects.filter(status=Status.PUBLISHED).count() == 2


def test_new_people_become_drafts_when_told_and_existing_ones_keep_their_status():
    make_person("Zhou Enlai", wikidata="Q16977")

    imported(PersonResource, rows_of("people.csv"), publish=False)

    assert Person.objects.get(wikidata="Q16977").status == Status.PUBLISHED
    assert Person.objects.get(display_name="Ji-Dong Gu").status == Status.DRAFT


def test_the_preview_writes_nothing(count_rows):
    before = count_rows()

    result = imported(PersonResource, rows_of("people.csv"), dry_run=True)

    assert result.totals["new"] == 2
    assert count_rows() == before


@pytest.mark.parametrize(
    ("existing", "row"),
    [
        ({"orcid": "0000-0002-1825-0097"}, ["", "J.-D. Gu", "0000000218250097", "", ""]),
        ({"wikidata": "Q16977"}, ["", "Chou En-lai", "", "Q16977", ""]),
        ({"viaf": "100180950"}, ["", "Someone else", "", "", "https://viaf.org/viaf/100180950"]),
        ({"slug": "gu"}, ["gu", "Gu Jidong", "", "", ""]),
        ({}, ["", "JI-DONG  GU", "", "", ""]),
    ],
    ids=["orcid", "wikidata", "viaf", "slug", "name"],
)
def test_people_are_matched_on_identifiers_slug_then_name(existing, row):
    person = make_person("Ji-Dong Gu", **existing)

    result = imported(PersonResource, table("slug,display_name,orcid,wikidata,viaf", row))

    assert result.totals["update"] + result.totals["skip"] == 1
    assert Person.objects.get() == person


def test_a_person_is_matched_on_a_name_variant_in_another_script():
    mao = make_person("Mao Zedong", variants=["毛泽东"])

    imported(PersonResource, table("display_name,wikidata", ["毛泽东", "Q5816"]))

    mao.refresh_from_db()
    assert (Person.objects.get(), mao.display_name, mao.wikidata) == (mao, "毛泽东", "Q5816")


def test_someone_of_the_same_name_with_another_orcid_is_someone_else():
    make_person("Wei Li", orcid="0000-0002-1825-0097")

    imported(PersonResource, table("display_name,orcid", ["Wei Li", "0000-0001-5109-3700"]))

    assert Person.objects.filter(display_name="Wei Li").count() == 2


def test_a_name_two_people_share_is_not_guessed_at(count_rows):
    make_person("Wei Li", slug="wei-li-historian")
    make_person("Wei Li", slug="wei-li-engineer")
    before = count_rows()

    problems = refused(PersonResource, table("display_name,biography", ["Wei Li", "A historian"]))

    assert problems == [
        "Row 1, column display_name (value “Wei Li”): 2 people in the archive are called "
        "“Wei Li” (wei-li-engineer, wei-li-historian); add the slug or an identifier to say which."
    ]
    assert count_rows() == before


def test_a_slug_of_one_person_with_the_orcid_of_another_is_refused():
    make_person("Ji-Dong Gu", orcid="0000-0002-1825-0097")
    make_person("Zhou Enlai")

    problems = refused(
        PersonResource,
        table("slug,display_name,orcid", ["zhou-enlai", "Gu", "0000-0002-1825-0097"]),
    )

    assert "column slug (value “zhou-enlai”): “zhou-enlai” is Zhou Enlai" in problems[0]


def test_two_rows_for_one_person_are_refused():
    problems = refused(
        PersonResource,
        table("display_name,wikidata", ["Zhou Enlai", "Q16977"], ["周恩来", "Q16977"]),
    )

    assert problems == [
        "Row 2: This row is the same person as row 1 (Zhou Enlai); give each person one row."
    ]


def test_name_variants_are_replaced_by_the_rows_list():
    person = make_person("Mao Zedong")
    add_person_name(person, "Mao Tse-tung", language="zh-Latn-wadegile")
    add_person_name(person, "毛泽东", language="zh")

    imported(
        PersonResource,
        table(
            "display_name,name_variants",
            ["Mao Zedong", '[{"name": "毛泽东", "language": "zh-Hans", "kind": "native"}]'],
        ),
    )

    assert list(person.names.values_list("name", "language", "kind")) == [
        ("毛泽东", "zh-Hans", "native")
    ]


def test_bad_values_are_reported_with_row_column_and_value(count_rows):
    before = count_rows()

    problems = refused(
        PersonResource,
        table(
            "display_name,birth_date,orcid,name_variants",
            ["Zhou Enlai", "autumn 1898", "", ""],
            ["Ji-Dong Gu", "", "0000-0002-1825-0098", '[{"name": "谷继东", "kind": "nickname"}]'],
            ["Mao Zedong", "", "", "not json"],
        ),
    )

    assert problems[0].startswith("Row 1, column birth_date (value “autumn 1898”): “autumn 1898”")
    assert any(
        line.startswith("Row 2, column orcid (value “0000-0002-1825-0098”)") for line in problems
    )
    assert any(
        line.startswith("Row 2, column name_variants") and "Item 1 (谷继东) kind:" in line
        for line in problems
    )
    assert any(
        line.startswith("Row 3, column name_variants (value “not json”): Write a JSON list")
        for line in problems
    )
    assert count_rows() == before


def test_a_file_with_unknown_columns_is_refused_whole():
    problems = refused(PersonResource, table("display_name,birthdate", ["Zhou Enlai", "1898"]))

    assert problems[0].startswith(
        "The file: The file has columns the archive does not know: “birthdate”."
    )
    assert not Person.objects.exists()


def test_an_xlsx_formula_is_read_as_its_text_and_never_evaluated():
    rows = table("display_name,biography,birth_date", ["Zhou Enlai", "=1+1", 1898])

    imported(PersonResource, rows, format_name="xlsx")

    zhou = Person.objects.get()
    assert (zhou.biography, zhou.birth_date) == ("=1+1", "1898")


def test_neutralised_cells_are_read_back_without_the_apostrophe():
    rows = table(
        "display_name,biography,given_names,family_name",
        ['\'=HYPERLINK("https://example.org")', "'+1", "'-2", "'@SUM(A1)"],
        ["'tis Pity", "'\tx", "'\rx", ""],
    )

    imported(PersonResource, rows)

    first, second = Person.objects.order_by("pk")
    assert first.display_name == '=HYPERLINK("https://example.org")'
    assert (first.biography, first.given_names, first.family_name) == ("+1", "-2", "@SUM(A1)")
    # A tab or carriage return is restored, then dropped like any leading space.
    assert (second.display_name, second.biography, second.given_names) == ("'tis Pity", "x", "x")


# --- journals -------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["csv", "tsv", "xlsx"])
def test_journals_are_imported_from_each_format(format_name):
    imported(JournalResource, rows_of("journals.csv"), format_name=format_name)

    journal = Journal.objects.get(slug="cold-war-history")
    assert (journal.issn_print, journal.issn_electronic) == ("1468-2745", "1743-7962")
    assert journal.publisher == "Taylor & Francis"
    assert list(journal.other_names.values_list("name", "kind", "language")) == [
        ("Cold War Hist.", "abbreviation", "en")
    ]
    assert list(journal.external_ids.values_list("scheme", "value")) == [("booksci", "46099")]
    jcr = journal.metrics.get(system=JournalMetric.System.JCR)
    assert (jcr.impact_factor, jcr.quartile, jcr.year) == (Decimal("0.4"), "Q1", 2023)
    assert jcr.recorded_on == datetime.date(2024, 6, 30)
    assert journal.metrics.get(system=JournalMetric.System.CAS).zone == 3
    assert journal.import_batch == ImportBatch.objects.get()
    assert Journal.objects.get(slug="journal-of-cold-war-studies").publisher == "MIT Press"


@pytest.mark.parametrize(
    ("existing", "row"),
    [
        ({"issn_electronic": "1743-7962"}, ["", "CWH", "17437962", ""]),
        ({}, ["", "CWH", "", "BookSci:46099"]),
        ({"slug": "cwh"}, ["cwh", "CWH", "", ""]),
        ({}, ["", "COLD WAR HIST", "", ""]),
    ],
    ids=["issn", "identifier", "slug", "other name"],
)
def test_journals_are_matched_on_issn_identifier_slug_then_name(existing, row):
    journal = make_journal(name="Cold War History", **existing)
    add_journal_identifier(journal, "booksci", "46099")
    add_journal_name(journal, "Cold War Hist.")

    imported(JournalResource, table("slug,name,issn_electronic,identifiers", row))

    assert Journal.objects.get() == journal


def test_a_metrics_series_is_replaced_and_unchanged_rankings_are_left_alone():
    journal = make_journal(name="Cold War History")
    kept = journal.metrics.create(
        system="jcr", category="HISTORY", recorded_on="2024-06-30", impact_factor="0.400"
    )
    journal.metrics.create(system="jcr", category="HISTORY", recorded_on="2023-06-30")
    metrics = (
        '[{"system": "jcr", "category": "HISTORY", "recorded_on": "2024-06-30", '
        '"impact_factor": "0.4"}, {"system": "cas", "recorded_on": "2024-07-01", "zone": 2}]'
    )

    imported(JournalResource, table("name,metrics", ["Cold War History", metrics]))

    assert list(journal.metrics.order_by("system").values_list("pk", "system")) == [
        (journal.metrics.get(system="cas").pk, "cas"),
        (kept.pk, "jcr"),
    ]


def test_bad_metrics_and_taken_identifiers_are_reported():
    make_journal(name="Cold War History", issn_print="1468-2745")
    add_journal_identifier(make_journal(name="Other"), "booksci", "46099")

    problems = refused(
        JournalResource,
        table(
            "name,issn_print,identifiers,metrics",
            [
                "Cold War History",
                "1468-2745",
                "booksci:46099; nonsense",
                '[{"system": "cas", "recorded_on": "2024-06-30", "zone": 7}, {"system": "jcr"}]',
            ],
        ),
    )

    assert any("“booksci:46099” is already the identifier of Other." in line for line in problems)
    assert any("“nonsense” is not scheme:value" in line for line in problems)
    assert any("Item 1 (cas) zone:" in line for line in problems)
    assert any("Item 2: recorded_on is missing" in line for line in problems)
    assert not Journal.objects.filter(metrics__isnull=False).exists()


# --- events ---------------------------------------------------------------------------------


@pytest.fixture
def people_and_article():
    imported(PersonResource, rows_of("people.csv"))
    return with_cold_war_article()


@pytest.mark.parametrize("format_name", ["csv", "tsv", "xlsx"])
def test_events_are_imported_from_each_format_with_their_links(people_and_article, format_name):
    imported(EventResource, rows_of("events.csv"), format_name=format_name)

    geneva = Event.objects.get(slug="geneva-conference")
    assert (geneva.date_earliest, geneva.date_latest) == (
        datetime.date(1954, 4, 26),
        datetime.date(1954, 7, 21),
    )
    assert dict(geneva.translations.values_list("language", "title")) == {
        "zh": "日内瓦会议",
        "ru": "Женевское совещание",
    }
    assert [(p.person.slug, p.role) for p in geneva.participations.all()] == [
        ("zhou-enlai", "delegate"),
        ("ji-dong-gu", "observer"),
    ]
    link = geneva.publication_links.get()
    assert (link.publication, link.pages) == (people_and_article, "437–440")
    # The part comes before the whole in the file.
    assert Event.objects.get(slug="geneva-conference-indochina").parent == geneva
    assert list(geneva.related.values_list("slug", flat=True)) == ["khrushchev-visit"]


def test_participants_keep_their_order_when_it_changes(people_and_article):
    event = make_event("Geneva Conference", date="1954")
    zhou, gu = Person.objects.get(slug="zhou-enlai"), Person.objects.get(slug="ji-dong-gu")
    add_participant(event, zhou, "delegate")
    add_participant(event, gu, "observer")
    participants = '[{"person": "ji-dong-gu", "role": "observer"}, {"person": "zhou-enlai"}]'

    result = imported(
        EventResource, table("title,date,participants", ["Geneva Conference", "1954", participants])
    )

    assert result.totals["update"] == 1
    assert [(p.person, p.role) for p in event.participations.all()] == [
        (gu, "observer"),
        (zhou, ""),
    ]


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        (
            "participants",
            '[{"person": "zhou-enlai"}, {"person": "Chou En-lai", "role": "delegate"}]',
            "Item 2: No person “Chou En-lai” in the archive.",
        ),
        (
            "publications",
            '[{"doi": "10.1080/14682745.2022.2050698"}, {"doi": "10.1000/missing"}]',
            "Item 2: No publication with the DOI “10.1000/missing” in the archive.",
        ),
        (
            "publications",
            '[{"slug": "an-unknown-book", "pages": "12"}]',
            "Item 1: No publication “an-unknown-book” in the archive.",
        ),
        ("parent", "an-unknown-event", "No event “an-unknown-event” in the archive or in this"),
        ("related", "khrushchev-visit; nowhere", "No event “nowhere” in the archive or in this"),
    ],
    ids=["participant", "publication by doi", "publication by slug", "parent", "related"],
)
def test_an_unknown_reference_is_reported_with_row_column_and_value_and_nothing_is_written(
    people_and_article, count_rows, column, cell, message
):
    make_event("Khrushchev's visit to China", slug="khrushchev-visit")
    before = count_rows()
    rows = table(f"slug,title,date,{column}", ["first", "Fine", "1954", ""])
    rows.append(["geneva-conference", "Geneva Conference", "1954", cell])
    if column == "related":
        rows[1][3] = ""

    problems = refused(EventResource, rows)

    assert len(problems) == 1
    assert problems[0].startswith(f"Row 2, column {column} (value “{cell[:80]}”): ")
    assert message in problems[0]
    assert count_rows() == before


def test_a_related_event_must_list_the_row_back():
    problems = refused(
        EventResource,
        table(
            "slug,title,related", ["visit", "Visit", "agreement"], ["agreement", "Agreement", ""]
        ),
    )

    assert problems == [
        "Row 1, column related (value “agreement”): “agreement” (row 2) does not list this event "
        "back. Related events are mutual: list each on the other's row."
    ]


def test_an_event_cannot_become_part_of_itself():
    problems = refused(
        EventResource,
        table("slug,title,parent", ["part", "Part", "whole"], ["whole", "Whole", "part"]),
    )

    assert problems == [
        "The file: Row 2, column parent (value “part”): the event would be part of itself, "
        "through the events it belongs to."
    ]
    assert not Event.objects.exists()


def test_events_are_matched_on_title_and_date_when_the_row_has_no_slug():
    event = make_event("Geneva Conference", date="1954-04-26/1954-07-21")
    make_event("Geneva Conference", date="1955-07-18/1955-07-23")

    imported(
        EventResource,
        table("title,date,place", ["Geneva Conference", "1954-04-26/1954-07-21", "Geneva"]),
    )

    event.refresh_from_db()
    assert (Event.objects.count(), event.place) == (2, "Geneva")


def test_imported_people_are_found_by_every_name_variant():
    from archive.search import search_filter

    csv_bytes = (
        "display_name,name_variants\n"
        'Mao Zedong,"[{""name"": ""毛泽东"", ""language"": ""zh"", ""kind"": ""native""}]"\n'
    ).encode()
    dataset = tablib.Dataset().load(csv_bytes.decode(), format="csv")
    result = PersonResource().import_data(dataset, use_transactions=True)

    assert not result.has_errors() and not result.has_validation_errors()
    assert list(search_filter(Person.objects.all(), "毛泽东")) == [Person.objects.get()]
