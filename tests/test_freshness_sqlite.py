"""The content version with the settings a SQLite archive runs on (the test suite's own caches are
in memory, so this runs them in processes of their own): a write made outside a transaction
changes the version, and is kept.

It once was not: the version lived in a table of the same SQLite database, changed from inside
the statement's execution; an autocommitted `INSERT … RETURNING` was still open when the cache
began its own transaction, whose rollback took the new row with it, so a person created in a
management command or a shell vanished and their name variant failed its foreign key.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITES_OUTSIDE_A_TRANSACTION = """
from django.db import connection
from archive.freshness import archive_version
from archive.models import Person, PersonName

assert connection.get_autocommit()
before = archive_version()
person = Person.objects.create(display_name="Li Wei", status="published")
PersonName.objects.create(person=person, name="李伟")
print(archive_version() != before, Person.objects.filter(pk=person.pk).exists())
print(PersonName.objects.filter(person=person).count())
"""


def run(tmp_path: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
            "ARCHIVE_CACHE_DIR": str(tmp_path / "cache"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_write_outside_a_transaction_is_kept_and_changes_the_version(tmp_path):
    run(tmp_path, "migrate", "--verbosity", "0")

    printed = run(tmp_path, "shell", "--verbosity", "0", "-c", WRITES_OUTSIDE_A_TRANSACTION).split()

    assert printed == ["True", "True", "1"]
    assert (tmp_path / "cache" / "content-version").is_dir()
