"""A full dump (`export_records DIRECTORY --full`) restores into an empty database exactly
(`restore_records DIRECTORY`), or not at all."""

import datetime
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from archive.exporting.dump import MANIFEST_FILE, RECORDS_FILE, RestoreError, archive_restore
from archive.importing.formats import RIS, BibTeX, BookSciJSON, CrossrefJSON
from archive.importing.resources import run_import
from archive.models import (
    Authorship,
    FormerSlug,
    ImportBatch,
    ImportChange,
    JournalMetric,
    Keyword,
    PersonName,
    Publication,
    PublicationAbstract,
    Status,
)
from archive.services import import_batch_undo, person_merge
from tests.factories import (
    add_author,
    add_event_publication,
    add_event_title,
    add_journal_identifier,
    add_journal_metric,
    add_journal_name,
    add_participant,
    add_person_name,
    add_subject,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

# Flushing the database and restoring it commit, as they would outside a test.
pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"


def imported(format_class, fixture: str, *, user, publish: bool = True):
    format_ = format_class()
    dataset = format_.create_dataset((FIXTURES / fixture).read_bytes())
    result = run_import(
        dataset, user=user, publish=publish, file_name=fixture, format_name=format_.name
    )
    assert not result.has_errors() and not result.has_validation_errors()
    return ImportBatch.objects.latest()


def build_rich_archive() -> None:
    """Every kind of record and link, at every date precision, in several scripts, with
    provenance from real imports (one of them undone), a merge, drafts and published records."""
    curator = User.objects.create_user("curator", first_name="Ada", last_name="Archivist")
    editor = User.objects.create_user("editor")

    imported(BookSciJSON, "booksci_cold_war_history.json", user=curator)
    imported(CrossrefJSON, "crossref_works.json", user=curator, publish=False)
    imported(RIS, "ris_records.ris", user=None)
    undone = imported(BibTeX, "bibtex_records.bib", user=editor)
    import_batch_undo(batch=undone, user=editor)
    imported(BookSciJSON, "booksci_three_records.json", user=curator)

    journal = make_journal(
        name="Cold War Studies",
        issn_print="2049-3630",
        issn_electronic="1050-124X",
        publisher="MIT Press",
        homepage="https://direct.mit.edu/jcws",
    )
    add_journal_name(journal, "J. Cold War Stud.", kind="abbreviation", language="en")
    add_journal_name(journal, "冷战研究杂志", kind="translation", language="zh")
    add_journal_identifier(journal, "wikidata", "Q15752503")
    add_journal_metric(journal, impact_factor=Decimal("0.400"), quartile="Q1", year=2023)
    add_journal_metric(
        journal,
        system=JournalMetric.System.CAS,
        zone=2,
        category="历史学",
        recorded_on=datetime.date(2023, 12, 1),
        source="BookSci (booksci.cn)",
    )
    make_journal(name="A journal still in draft", status=Status.DRAFT)

    mao = make_person(
        "Mao Zedong",
        birth_date="1893-12-26",
        death_date="1976-09-09",
        wikidata="Q5816",
        viaf="100180950",
        biography="Chairman of the Chinese Communist Party.",
    )
    add_person_name(mao, "毛泽东", language="zh-Hans", kind=PersonName.Kind.NATIVE)
    add_person_name(mao, "Mao Tse-tung", language="zh-Latn-wadegile", kind="romanisation")
    khrushchev = make_person("Nikita Khrushchev", birth_date="1894~", death_date="1971-09")
    add_person_name(khrushchev, "Никита Сергеевич Хрущёв", language="ru", kind="native")
    gu = make_person("Ji-Dong Gu", orcid="0000-0002-1825-0097")
    duplicate_gu = make_person("J.-D. Gu", birth_date="1960?")
    person_merge(keep=gu, merge=[duplicate_gu], user=curator)
    unsure = make_person("Somebody unconfirmed", birth_date="1920/1925", status=Status.DRAFT)

    visit = make_event("Khrushchev's visit to China", date="1954-09/1954-10", place="Beijing")
    add_event_title(visit, "赫鲁晓夫访华", language="zh")
    agreement = make_event("Agreement on Chinese workers", date="1954~", parent=visit)
    agreement.related.add(make_event("A rumoured meeting", date="1956?", status=Status.DRAFT))
    add_participant(visit, khrushchev, role="visitor")
    add_participant(visit, mao, role="host")
    add_participant(agreement, unsure)

    article = make_publication(
        "Chinese workers in the <i>Soviet</i> Far East",
        publication_date="2022",
        journal=journal,
        doi="10.5555/restore.2022",
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
        language="en",
        is_open_access=True,
        pdf_url="https://example.org/paper.pdf",
        citation_count=7,
        citation_count_date=datetime.date(2024, 5, 1),
        source_platform="Hand-entered",
        source_id="h-1",
        raw_record={"note": "typed in", "pages": [437, 457], "score": 0.125, "中文": None},
    )
    add_author(article, gu, name_as_printed="J.-D. Gu")
    add_author(article, mao, role=Authorship.Role.TRANSLATOR)
    add_translated_title(article, "苏联远东的中国工人", language="zh", machine=True)
    PublicationAbstract.objects.create(
        publication=article, language="ru", text="Китайские рабочие.", is_machine_translation=True
    )
    article.keywords.add(*Keyword.objects.bulk_create([Keyword(name="labour migration")]))
    add_subject(article, khrushchev, pages="440–445")
    add_event_publication(visit, article, pages="437–440")
    make_publication(
        "Шахтёры и дипломаты",
        language="ru",
        publication_date="1959-06",
        is_open_access=False,
        authors=[khrushchev],
        about=[mao],
        events=[agreement],
        status=Status.DRAFT,
    )
    make_publication("Undated notes", publication_date="", authors=[unsure])


def build_small_archive() -> None:
    """Records from an import by one account, and an import another account undid."""
    curator = User.objects.create_user("curator", first_name="Ada", last_name="Archivist")
    editor = User.objects.create_user("editor")
    import_batch_undo(
        batch=imported(BookSciJSON, "booksci_three_records.json", user=curator), user=editor
    )
    imported(BookSciJSON, "booksci_cold_war_history.json", user=curator)
    make_publication("Hand-entered", authors=[make_person("Ji-Dong Gu")])


def archive_contents() -> dict[str, list]:
    """Every row of every archive table, field by field, in a form that does not depend on
    the ids the database gave to rows outside the archive (accounts, content types) or to the
    rows of many-to-many tables."""
    contents = {}
    for model in apps.get_app_config("archive").get_models(include_auto_created=True):
        rows = []
        for row in model._default_manager.order_by("pk").values():
            for field in model._meta.concrete_fields:
                value = row.get(field.attname)
                if field.is_relation and field.related_model is User and value is not None:
                    row[field.attname] = User.objects.get(pk=value).username
                elif field.is_relation and field.related_model is ContentType:
                    row[field.attname] = ContentType.objects.get(pk=value).natural_key()
            if model._meta.auto_created:
                del row["id"]
            rows.append(row)
        if model._meta.auto_created:
            rows.sort(key=lambda row: sorted(row.items()))
        contents[model._meta.label_lower] = rows
    return contents


def dump(directory: Path) -> str:
    stdout = io.StringIO()
    call_command("export_records", str(directory), "--full", stdout=stdout)
    return stdout.getvalue()


def restore(directory: Path) -> str:
    stdout = io.StringIO()
    call_command("restore_records", str(directory), stdout=stdout)
    return stdout.getvalue()


def empty_database() -> None:
    """As after migrate: no archive records, no accounts (the Curators group is back)."""
    call_command("flush", interactive=False, verbosity=0)


def test_a_full_dump_restores_into_an_empty_database_exactly(tmp_path):
    build_rich_archive()
    before = archive_contents()

    output = dump(tmp_path / "dump")
    empty_database()
    User.objects.create_user("someone-else")  # so restored accounts get other ids
    restored = restore(tmp_path / "dump")

    assert archive_contents() == before
    assert f"{tmp_path / 'dump' / RECORDS_FILE}:" in output
    assert f"archive.publication: {len(before['archive.publication'])} row(s)" in restored
    # The dump holds every kind of thing the test built, so the comparison compared something.
    assert all(before[label] for label in before), [label for label in before if not before[label]]
    assert before["archive.importbatch"][3]["status"] == ImportBatch.Status.UNDONE
    assert before["archive.importbatch"][3]["undone_by_id"] == "editor"
    assert FormerSlug.objects.filter(slug="j-d-gu").exists()
    assert ImportChange.objects.exclude(before=None).exists()
    assert set(Publication.objects.values_list("publication_date", flat=True)) >= {
        "2022",
        "1959-06",
        "2022-06-21",
        "",
    }


def test_accounts_named_by_the_dump_come_back_without_a_way_to_log_in(tmp_path):
    build_small_archive()
    dump(tmp_path / "dump")
    empty_database()
    User.objects.create_superuser("editor", password="a long admin password")

    restore(tmp_path / "dump")

    curator = User.objects.get(username="curator")
    assert (curator.first_name, curator.last_name) == ("Ada", "Archivist")
    assert not curator.is_active and not curator.has_usable_password()
    assert not curator.is_staff and not curator.is_superuser
    # An account the database already has is the one used, and is left as it was.
    editor = User.objects.get(username="editor")
    assert editor.is_active and editor.is_superuser
    assert editor.check_password("a long admin password")
    assert ImportBatch.objects.filter(undone_by=editor).count() == 1


def test_records_added_after_a_restore_get_new_ids(tmp_path):
    build_small_archive()
    dump(tmp_path / "dump")
    highest = Publication.objects.order_by("-pk").first().pk
    empty_database()
    restore(tmp_path / "dump")

    added = make_publication("Written after the restore", doi="10.5555/after.restore")

    assert added.pk > highest
    assert Publication.objects.get(doi="10.5555/after.restore") == added


def test_a_restore_into_a_database_with_records_is_refused_and_changes_nothing(tmp_path):
    build_small_archive()
    dump(tmp_path / "dump")
    before = archive_contents()

    with pytest.raises(CommandError, match="restored into an empty archive"):
        restore(tmp_path / "dump")

    assert archive_contents() == before


def test_a_dump_cut_short_is_refused_before_anything_is_written(tmp_path):
    build_small_archive()
    dump(tmp_path / "dump")
    records = tmp_path / "dump" / RECORDS_FILE
    lines = records.read_text("utf-8").splitlines(keepends=True)
    records.write_text("".join(lines[: len(lines) // 2]), "utf-8")
    empty_database()

    with pytest.raises(CommandError, match="cut short"):
        restore(tmp_path / "dump")

    assert not any(archive_contents().values())
    assert not User.objects.exists()


def test_a_dump_that_fails_to_load_half_way_restores_nothing(tmp_path):
    build_small_archive()
    dump(tmp_path / "dump")
    empty_database()
    # A row naming a person the dump does not hold, near the end of an otherwise sound file
    # whose manifest has been made to agree with it.
    records = tmp_path / "dump" / RECORDS_FILE
    lines = records.read_text("utf-8").splitlines()
    authorship = json.loads(next(line for line in lines if '"archive.authorship"' in line))
    authorship["pk"] = 999_999
    authorship["fields"]["person"] = 999_999
    records.write_text("\n".join([*lines, json.dumps(authorship)]) + "\n", "utf-8")
    manifest_path = tmp_path / "dump" / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["counts"]["archive.authorship"] += 1
    manifest["files"][RECORDS_FILE]["sha256"] = hashlib.sha256(records.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), "utf-8")

    with pytest.raises(RestoreError, match="nothing was restored"):
        archive_restore(tmp_path / "dump")

    assert not any(archive_contents().values())
    assert not User.objects.exists()


def test_a_folder_without_a_finished_dump_is_not_restored(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / RECORDS_FILE).write_text("", "utf-8")

    with pytest.raises(CommandError, match="not a full dump, or its writing did not finish"):
        restore(tmp_path / "half")
    with pytest.raises(CommandError, match="is not a folder"):
        restore(tmp_path / "nowhere")
