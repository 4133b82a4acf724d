"""The search indexes hold exactly what the publications' search text gives, after every kind of
write: PostgreSQL's vocabulary and postings (migrations 0010 and 0011, kept per statement), and
SQLite's full-text tables (0006 and 0008)."""

import io
import json
import re
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from archive.importing.formats import BookSciJSON
from archive.importing.resources import run_import
from archive.models import ImportBatch, Publication, PublicationType, Status
from archive.search import search_index_rebuild, search_index_refresh
from archive.search_index import (
    CJK_TABLE,
    POSTINGS_TABLE,
    SEARCH_TABLE,
    TOKEN_TABLE,
    cjk_grams,
)
from archive.services import import_batch_undo, person_merge
from tests.factories import (
    add_author,
    add_translated_title,
    make_journal,
    make_person,
    make_publication,
)
from tests.test_search_index import flush_publications

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.django_db


def words_of(text: str) -> set[str]:
    """What a publication's text puts in PostgreSQL's vocabulary, computed here in Python."""
    return {word for word in re.split(r"[ \n]+", text) if word} | set(cjk_grams(text).split())


def assert_indexes_match_the_text() -> None:
    texts = dict(Publication.objects.values_list("pk", "search_text"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each posting with its publication's facet columns (migration 0015).
            cursor.execute(
                "SELECT posting.publication_id, word.token, posting.published, "
                "posting.journal_id, posting.year, posting.publication_type "
                f"FROM {POSTINGS_TABLE} AS posting "
                f"JOIN {TOKEN_TABLE} AS word ON word.id = posting.token_id"
            )
            posted = sorted(cursor.fetchall(), key=repr)
            facets = {
                pk: (status == Status.PUBLISHED, journal, year, kind)
                for pk, status, journal, year, kind in Publication.objects.values_list(
                    "pk", "status", "journal_id", "year", "publication_type"
                )
            }
            expected = sorted(
                ((pk, word, *facets[pk]) for pk, text in texts.items() for word in words_of(text)),
                key=repr,
            )
            assert posted == expected
            cursor.execute(f"SELECT count(*), count(DISTINCT token) FROM {TOKEN_TABLE}")
            total, distinct = cursor.fetchone()
            assert total == distinct
        else:
            # FTS5 checks its index against the publications' rows itself.
            cursor.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('integrity-check')")
            cursor.execute(f"SELECT rowid, grams FROM {CJK_TABLE}")
            assert dict(cursor.fetchall()) == {pk: cjk_grams(text) for pk, text in texts.items()}


def imported(fixture: str, *, user=None) -> ImportBatch:
    format_ = BookSciJSON()
    dataset = format_.create_dataset((FIXTURES / fixture).read_bytes())
    result = run_import(dataset, user=user, publish=True, file_name=fixture, format_name="booksci")
    assert not result.has_errors() and not result.has_validation_errors()
    return ImportBatch.objects.latest()


@pytest.fixture
def shelf():
    soviet = make_publication("Soviet experts in Harbin")
    add_translated_title(soviet, "苏联专家在哈尔滨")
    make_publication("Harbin railway\nworkers")
    make_publication("Sino-Soviet split")
    return soviet


def test_an_inserted_publication_is_posted_under_each_of_its_words(shelf):
    assert_indexes_match_the_text()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Publication._meta.db_table}")
        assert cursor.fetchone()[0] == 3


def test_publications_inserted_in_one_statement_are_posted(shelf):
    Publication.objects.bulk_create(
        [
            Publication(title=title, slug=f"bulk-{n}", search_text=title.lower())
            for n, title in enumerate(["Harbin trams", "中苏 友好 同盟", "Harbin trams"])
        ]
    )
    assert_indexes_match_the_text()


def test_a_changed_search_text_moves_only_its_postings(shelf):
    shelf.title = "Soviet advisers in Dalian"
    shelf.save()
    Publication.objects.filter(title__startswith="Harbin").update(search_text="harbin 哈尔滨铁路")
    assert_indexes_match_the_text()


def test_an_update_that_leaves_the_search_text_changes_no_postings(shelf):
    Publication.objects.update(citation_count=3)
    assert_indexes_match_the_text()


def test_a_changed_status_journal_year_or_type_is_restated_in_every_posting(shelf):
    journal = make_journal(name="Cold War History")
    shelf.journal = journal
    shelf.publication_date = "1954"
    shelf.save()  # the journal's name enters the text as the other columns change
    assert_indexes_match_the_text()

    # Without a word of the text changed: a draft, another year, another type.
    Publication.objects.filter(pk=shelf.pk).update(status=Status.DRAFT, year=1999)
    Publication.objects.filter(title__startswith="Harbin").update(
        publication_type=PublicationType.BOOK, journal=journal
    )
    assert_indexes_match_the_text()
    Publication.objects.update(status=Status.PUBLISHED, year=None, journal=None)
    assert_indexes_match_the_text()


def test_deleted_publications_leave_no_postings(shelf):
    shelf.delete()
    Publication.objects.filter(title__startswith="Harbin").delete()
    assert_indexes_match_the_text()


def test_a_statement_that_inserts_updates_and_deletes_together_keeps_the_postings(shelf):
    with transaction.atomic():
        other = make_publication("Comintern 共产国际")
        Publication.objects.filter(pk=other.pk).update(search_text="cominform 情报局")
        shelf.delete()
        make_publication("Cominform bureau")
    assert_indexes_match_the_text()


@pytest.mark.django_db(transaction=True)
def test_a_flushed_table_leaves_no_postings():
    make_publication("Harbin railway")
    flush_publications()
    make_publication("Dalian shipyard")
    assert_indexes_match_the_text()


def test_an_import_and_its_undo_keep_the_postings(shelf):
    batch = imported("booksci_three_records.json")
    assert Publication.objects.count() == 6
    assert_indexes_match_the_text()

    import_batch_undo(batch=batch)
    assert Publication.objects.count() == 3
    assert_indexes_match_the_text()


def test_an_import_of_more_than_one_chunk_is_posted(tmp_path):
    lines = [
        json.dumps(
            {
                "title": f"Soviet workers {n} 苏联工人",
                "authors": "Gu Li, Ivan Petrov",
                "year": "1999",
                "doi": f"10.9999/postings.{n}",
            }
        )
        for n in range(2_400)
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    call_command("import_records", str(path), "--no-progress", stdout=io.StringIO())
    assert Publication.objects.count() == 2_400
    assert_indexes_match_the_text()


def test_a_merge_and_a_refresh_of_the_search_text_keep_the_postings(shelf):
    gu = make_person("Ji-Dong Gu")
    duplicate = make_person("J.-D. Gu")
    add_author(shelf, duplicate)
    search_index_refresh(publications=[shelf])
    person_merge(keep=gu, merge=[duplicate])
    assert_indexes_match_the_text()

    Publication.objects.update(search_text="")  # as if every text were stale
    assert_indexes_match_the_text()
    search_index_rebuild()
    assert "gu" in Publication.objects.get(pk=shelf.pk).search_text
    assert_indexes_match_the_text()


@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_is_posted_as_the_dumped_archive_was(tmp_path):
    soviet = make_publication("Soviet experts in Harbin")
    add_translated_title(soviet, "苏联专家在哈尔滨")
    add_author(soviet, make_person("Ji-Dong Gu"))
    imported("booksci_three_records.json", user=User.objects.create_user("curator"))
    call_command("export_records", str(tmp_path / "dump"), "--full", stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    assert_indexes_match_the_text()

    call_command("restore_records", str(tmp_path / "dump"), stdout=io.StringIO())
    assert Publication.objects.count() == 4
    assert_indexes_match_the_text()


def waiting_for_a_lock(wait_event: str | None = None) -> bool:
    """Whether another PostgreSQL session of the test database waits for a lock (of that kind:
    `advisory`, `transactionid`...)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND (%s IS NULL OR wait_event = %s)",
            [wait_event, wait_event],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_the_same_new_word_both_post_it():
    # The second writer's vocabulary insert waits for the first's uncommitted word, then finds
    # it taken: its publication must be posted under the word all the same.
    failures = []

    def second_writer():
        try:
            make_publication("Zqxvocable treaty")
        except Exception as error:  # reported to the test below
            failures.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=second_writer)
    with transaction.atomic():
        make_publication("Zqxvocable alliance")
        if connection.vendor == "postgresql":
            writer.start()
            while writer.is_alive() and not waiting_for_a_lock():
                time.sleep(0.01)
            assert writer.is_alive()  # still waiting for this transaction's word
    if connection.vendor != "postgresql":
        # SQLite's writers take turns (BEGIN IMMEDIATE), and its in-memory test database
        # refuses a second writer at once (one cache shared by its connections) rather than
        # keeping it waiting: the second writes once the first has committed.
        writer.start()
    writer.join()

    assert failures == []
    assert Publication.objects.count() == 2
    assert_indexes_match_the_text()


def _migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("archive", target)])


def _postings_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [POSTINGS_TABLE],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_postings_written_before_migration_0015_are_given_their_facets():
    journal = make_journal(name="Cold War History")
    make_publication("Soviet experts in Harbin", journal=journal, publication_date="1957")
    make_publication("苏联专家 draft", status=Status.DRAFT, publication_type=PublicationType.BOOK)
    try:
        _migrate("0014_publication_facet_counts")
        if connection.vendor == "postgresql":
            assert _postings_columns() == ["token_id", "publication_id"]
        # Posted by the triggers of migration 0011, with the two columns they knew.
        make_publication("Harbin railway workers", publication_date="")
    finally:
        _migrate("0015_postings_hold_facets")

    if connection.vendor == "postgresql":
        assert _postings_columns() == [
            "token_id",
            "publication_id",
            "published",
            "journal_id",
            "year",
            "publication_type",
        ]
    assert Publication.objects.count() == 3
    assert_indexes_match_the_text()
