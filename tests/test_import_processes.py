"""`import_records` as real processes on a real database: killed half-way, it leaves the
database as it was; two at once, of overlapping files, they create nothing twice.

The processes open the database the test prepared: on PostgreSQL the test database itself (these
tests run outside a transaction, so what a process commits is there to see); on SQLite a copy of
the migrated test database in a file of the test's own. What the database holds is read with
plain SQL, every row of every archive table.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from import_export.signals import post_import

from archive.importing.locking import IMPORT_LOCK_KEY
from archive.models import Publication
from archive.sample import SEED_FILE
from tests.processes import database_url_for_processes

ROOT = Path(__file__).resolve().parent.parent
# A safety net for a process that hangs, not a measure of speed.
PROCESS_TIMEOUT = 600

pytestmark = pytest.mark.django_db(transaction=True)


def manage(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def start_import(database_url: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_records", "--no-progress", str(path)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def database_url(tmp_path) -> str:
    """A migrated, empty database that processes started by the test can open."""
    return database_url_for_processes(tmp_path)


def query(database_url: str, sql: str) -> list[tuple]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as database:
        return database.execute(sql).fetchall()


def archive_tables(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every archive table, by table."""
    return {
        model._meta.db_table: query(
            database_url, f'SELECT * FROM "{model._meta.db_table}" ORDER BY 1'
        )
        for model in apps.get_app_config("archive").get_models(include_auto_created=True)
    }


def booksci_record(number: int, *, variant: str = "") -> dict:
    """A BookSci record; every third has no DOI and is matched by title, year and first author.
    Authors and journals come from small pools, so records share them."""
    record = {
        "title": f"Sino-Soviet labour record {number}: workers sent to the Soviet Far East",
        "authors": f"Ivan Petrov {number % 40}; Li Wei {number % 25}",
        "abstract": f"How workers crossed the border. {variant}" + " Archival evidence." * 20,
        "journal": {"name": f"Journal of Cold War Labour {number % 8}", "volume": "3 2"},
        "publicationDate": str(1950 + number % 40),
        "publicationTypes": "Journal Article",
        "fieldsOfStudy": "History; Economics",
    }
    if number % 3:
        record["doi"] = f"10.5555/labour.{number}"
    if number % 2:
        record["PeriodicalId"] = 7000 + number % 8
    return record


def write_booksci(path: Path, numbers, *, variant: str = "") -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for number in numbers:
            record = booksci_record(number, variant=variant)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def wait_until(condition, *, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting until {what}.")
        time.sleep(interval)


def in_a_write_transaction(database_url: str) -> bool:
    """Whether another connection holds a transaction that writes: on PostgreSQL, one that has
    been given a transaction id (it has written a row); on SQLite, one holding the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
            return cursor.fetchone()[0] > 0
    with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        other.rollback()
        return False


def share_read(process: subprocess.Popen, path: Path) -> float:
    """How far the process has read the file it has open at `path` (0 to 1), from the position
    Linux shows for the open file."""
    try:
        for descriptor in Path(f"/proc/{process.pid}/fd").iterdir():
            if os.readlink(descriptor) == str(path):
                info = Path(f"/proc/{process.pid}/fdinfo/{descriptor.name}").read_text()
                position = int(info.split("pos:")[1].split()[0])
                return position / path.stat().st_size
    except (FileNotFoundError, ProcessLookupError):
        pass  # the file was closed, or the process ended, while we looked
    return 0.0


def other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


# --- an import killed half-way -------------------------------------------------------------------


def kill_while_writing(database_url: str, path: Path) -> None:
    """Start importing `path`, and kill the process once it has imported a fifth of the file,
    in a transaction that has written (the command reads the whole file once for its checksum
    before it begins; then reads it again, a chunk of records at a time, writing each)."""
    process = start_import(database_url, path)
    wait_until(
        lambda: (
            process.poll() is not None
            or (share_read(process, path) > 0.2 and in_a_write_transaction(database_url))
        ),
        what="the import had imported a fifth of the file",
    )
    assert process.poll() is None, (
        "The import ended before it could be killed: " + (process.communicate()[1])
    )
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    if connection.vendor == "postgresql":
        # The server ends the dead client's session, and its transaction with it.
        wait_until(lambda: other_connections() == 0, what="the killed import's session had ended")


def test_an_import_killed_while_writing_leaves_the_database_as_it_was_and_open_to_the_next(
    database_url, tmp_path
):
    manage(database_url, "import_records", str(write_booksci(tmp_path / "seed.jsonl", range(60))))
    before = archive_tables(database_url)
    # Large enough to be killed long before it ends; it would update the 60 records there.
    large = write_booksci(tmp_path / "large.jsonl", range(20_000), variant="Revised.")

    kill_while_writing(database_url, large)

    assert archive_tables(database_url) == before
    assert len(before["archive_publication"]) == 60 and len(before["archive_importbatch"]) == 1
    more = write_booksci(tmp_path / "more.jsonl", range(30, 90), variant="Revised.")
    again = manage(database_url, "import_records", "--no-progress", str(more))
    assert "imported 60 record(s): 30 new, 30 updated" in again.stdout
    assert query(database_url, "SELECT count(*) FROM archive_publication") == [(90,)]


# --- two imports at once -------------------------------------------------------------------------


def test_two_imports_of_overlapping_files_at_once_create_nothing_twice(database_url, tmp_path):
    first = write_booksci(tmp_path / "first.jsonl", range(0, 600))
    second = write_booksci(tmp_path / "second.jsonl", range(300, 900))

    processes = [start_import(database_url, first), start_import(database_url, second)]
    outcomes = [process.communicate(timeout=PROCESS_TIMEOUT) for process in processes]

    for process, (_, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr
    # One import finds the other's records: between them they create each record once.
    new = sorted(re.search(r"([\d,]+) new, ([\d,]+) updated", out).groups() for out, _ in outcomes)
    assert new == [("300", "0"), ("600", "0")]
    records = [booksci_record(number) for number in range(900)]
    titles = query(database_url, "SELECT title FROM archive_publication")
    assert sorted(title for (title,) in titles) == sorted(record["title"] for record in records)
    people = query(database_url, "SELECT display_name FROM archive_person")
    assert sorted(name for (name,) in people) == sorted(
        {name.strip() for record in records for name in record["authors"].split(";")}
    )
    journals = query(database_url, "SELECT name FROM archive_journal")
    assert sorted(name for (name,) in journals) == sorted(
        {record["journal"]["name"] for record in records}
    )
    assert query(database_url, "SELECT count(*) FROM archive_authorship") == [(2 * 900,)]


def another_import_could_begin() -> bool:
    """Whether a second connection could start writing an import now."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"] or "localhost",
            port=settings["PORT"] or 5432,
        ) as other:
            (taken,) = other.execute(
                "SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY]
            ).fetchone()
            return taken
    with closing(sqlite3.connect(settings["NAME"], uri=True, timeout=0)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        other.rollback()
        return True


def test_a_confirmed_admin_import_writes_while_no_other_import_can_begin(admin_client):
    seen_while_importing = []

    def look(**kwargs):
        seen_while_importing.append(another_import_could_begin())

    upload = SimpleUploadedFile("seed.json", SEED_FILE.read_bytes())
    preview = admin_client.post(
        reverse("admin:archive_publication_import"),
        {"format": "0", "resource": "0", "new_records": "published", "import_file": upload},
    )
    form = preview.context["confirm_form"]
    assert another_import_could_begin()
    post_import.connect(look)
    try:
        admin_client.post(
            reverse("admin:archive_publication_process_import"),
            {name: form.initial.get(name, "") for name in form.fields},
        )
    finally:
        post_import.disconnect(look)

    assert seen_while_importing == [False]
    assert Publication.objects.count() == 1
    assert another_import_could_begin()
