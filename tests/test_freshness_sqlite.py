"""The content version with the settings a SQLite archive runs on (the test suite's own caches are
in memory, so this runs them in processes of their own): a write made outside a transaction
changes the version, and is kept.

It once was not: the version lived in a table of the same SQLite database, changed from inside
the statement's execution; an autocommitted `INSERT … RETURNING` was still open when the cache
began its own transaction, whose rollback took the new row with it, so a person created in a
management command or a shell vanished and their name variant failed its foreign key.
"""

from tests.processes import manage

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


def test_a_write_outside_a_transaction_is_kept_and_changes_the_version(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    manage(tmp_path, database_url, "migrate", "--verbosity", "0")

    printed = manage(
        tmp_path, database_url, "shell", "--verbosity", "0", "-c", WRITES_OUTSIDE_A_TRANSACTION
    ).split()

    assert printed == ["True", "True", "1"]
    assert (tmp_path / "cache" / "content-version").is_dir()
