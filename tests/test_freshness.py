"""The content version (archive/freshness.py): it changes on every kind of write, in this process
and in another, not on reads nor on a write rolled back; and what is kept under it, such as a
list's facet counts, is never stale."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.freshness import archive_version
from archive.models import Keyword, Person, Publication, Status
from archive.sample import SEED_FILE, sample_archive_load
from archive.services import import_batch_undo, person_merge, records_set_status
from tests.factories import make_journal, make_person, make_publication
from tests.processes import database_url_for_processes, manage
from tests.test_audit import edit, entries, revert_url
from tests.test_undo import FIXTURES, import_fixture

# A safety net for a process that hangs, not a measure of speed.


def changes_version(write) -> bool:
    before = archive_version()
    write()
    return archive_version() != before


@pytest.fixture
def article(db):
    return make_publication("Unknown page of history", authors=[make_person("Shen Zhihua")])


@pytest.mark.django_db
def test_reading_leaves_the_version_as_it_is(client, article):
    before = archive_version()
    client.get(reverse("archive:publication_list"))
    client.get(article.get_absolute_url())
    assert archive_version() == before


@pytest.mark.django_db
def test_an_admin_save_a_deletion_and_a_many_to_many_change_each_change_it(admin_client, article):
    assert changes_version(lambda: edit(admin_client, article, title="A new title"))
    assert changes_version(lambda: article.keywords.add(Keyword.objects.create(name="Labour")))
    assert changes_version(lambda: article.keywords.clear())
    person = make_person("Nobody Much")
    delete_url = reverse("admin:archive_person_delete", args=[person.pk])
    assert changes_version(lambda: admin_client.post(delete_url, {"post": "yes"}))
    assert not Person.objects.filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_each_write_in_a_transaction_changes_it_again(article):
    with transaction.atomic():
        assert changes_version(lambda: Publication.objects.update(citation_count=1))
        assert changes_version(lambda: Publication.objects.update(citation_count=2))


@pytest.mark.django_db(transaction=True)
def test_a_write_rolled_back_leaves_it_as_it_was():
    make_publication("Unknown page of history")
    before = archive_version()
    with transaction.atomic():
        Publication.objects.update(title="Never kept")
        assert archive_version() != before
        transaction.set_rollback(True)
    assert archive_version() == before


@pytest.mark.django_db
def test_an_import_and_its_undo_change_it():
    batch = None

    def run_import():
        nonlocal batch
        batch = import_fixture(FIXTURES / "booksci_three_records.json")

    assert changes_version(run_import)
    assert changes_version(lambda: import_batch_undo(batch=batch))


@pytest.mark.django_db
def test_import_records_changes_it(tmp_path):
    assert changes_version(
        lambda: call_command(
            "import_records", "--no-progress", str(SEED_FILE), stdout=io.StringIO()
        )
    )


@pytest.mark.django_db
def test_a_merge_publishing_and_a_revert_change_it(admin_client, article):
    keep, other = make_person("Shen Zhihua"), make_person("Shen, Zhihua")
    assert changes_version(lambda: person_merge(keep=keep, merge=[other]))
    assert changes_version(
        lambda: records_set_status(
            queryset=Publication.objects.filter(pk=article.pk), status=Status.DRAFT
        )
    )
    edit(admin_client, article, title="A new title")
    assert changes_version(lambda: admin_client.post(revert_url(entries(article)[-1])))
    assert Publication.objects.get(pk=article.pk).title == "Unknown page of history"


@pytest.mark.django_db
def test_loading_the_sample_archive_changes_it():
    assert changes_version(sample_archive_load)


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_changes_it_once_committed_and_a_restore_changes_it(tmp_path):
    make_publication("Unknown page of history")
    before = archive_version()
    with transaction.atomic():
        Publication.objects.update(title="Changed")
    committed = archive_version()
    assert committed != before
    assert "." not in committed  # the version every connection reads, not this one's own

    call_command("export_records", str(tmp_path / "dump"), "--full", stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    flushed = archive_version()
    call_command("restore_records", str(tmp_path / "dump"), stdout=io.StringIO())
    assert archive_version() != flushed
    assert Publication.objects.get().title == "Changed"


# --- another process ----------------------------------------------------------------------


def version_seen_by_a_process(tmp_path, database_url: str) -> str:
    printing = "from archive.freshness import archive_version; print(archive_version())"
    return manage(tmp_path, database_url, "shell", "-c", printing).strip()


@pytest.mark.django_db(transaction=True)
def test_processes_share_the_version_and_see_another_process_change_it(tmp_path):
    database_url = database_url_for_processes(tmp_path)
    first = version_seen_by_a_process(tmp_path, database_url)
    assert first == version_seen_by_a_process(tmp_path, database_url)

    manage(tmp_path, database_url, "import_records", "--no-progress", str(SEED_FILE))

    assert version_seen_by_a_process(tmp_path, database_url) not in {first, ""}


# --- what is kept under it --------------------------------------------------------------------


def facet_counts(client, **params) -> dict[str, dict[str, int]]:
    response = client.get(reverse("archive:publication_list"), params)
    return {
        facet["name"]: {value["label"]: value["count"] for value in facet["values"]}
        for facet in response.context["facets"]
    }


@pytest.mark.django_db
def test_a_kept_facet_count_is_never_stale_after_a_change(client):
    journal = make_journal(name="Cold War History")
    make_publication("First", journal=journal, publication_date="1960")
    with CaptureQueriesContext(connection) as counted:
        assert facet_counts(client)["journal"] == {"Cold War History": 1}
    with CaptureQueriesContext(connection) as kept:
        assert facet_counts(client)["journal"] == {"Cold War History": 1}
    assert len(kept) < len(counted)  # the second time, the counts were kept ones

    second = make_publication("Second", journal=journal, publication_date="1961")
    assert facet_counts(client)["journal"] == {"Cold War History": 2}

    records_set_status(queryset=Publication.objects.filter(pk=second.pk), status=Status.DRAFT)
    assert facet_counts(client)["journal"] == {"Cold War History": 1}
    assert facet_counts(client, year_min=1961).get("journal") is None  # no journal to show


@pytest.mark.django_db
def test_the_home_pages_kept_counts_and_chart_are_never_stale_after_a_change(client):
    make_publication("First", publication_date="1960")
    with CaptureQueriesContext(connection) as counted:
        client.get(reverse("archive:home"))
    with CaptureQueriesContext(connection) as kept:
        first = client.get(reverse("archive:home")).context
    assert len(kept) < len(counted)  # the second time, counts and chart were kept ones
    assert (first["counts"]["publications"], first["publications_per_year"]) == (1, {1960: 1})

    make_publication("Second", publication_date="1961")
    after = client.get(reverse("archive:home")).context
    assert after["counts"]["publications"] == 2
    assert after["publications_per_year"] == {1960: 1, 1961: 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["import", "undo"])
def test_an_import_or_undo_has_changed_the_version_by_the_time_it_commits(how):
    # An import waiting for the import lock runs the moment this one commits, and compares
    # versions first thing (the admin's confirmation reuses its preview while the version is
    # unchanged): the version must already be new then, not a moment after.
    from archive.importing.locking import import_transaction

    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json") if how == "undo" else None
    before = archive_version()
    at_commit = []
    with transaction.atomic():
        # Registered before any write, so it runs first among the commit's callbacks.
        transaction.on_commit(lambda: at_commit.append(archive_version()))
        if how == "import":
            with import_transaction():
                make_person("Li Fuchun")
        else:
            import_batch_undo(batch=batch)

    assert at_commit and at_commit[0] != before
