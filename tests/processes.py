"""Helpers for tests that start processes of their own (manage.py commands) on the test's
database."""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PROCESS_TIMEOUT = 300


def database_url_for_processes(tmp_path: Path) -> str:
    """The test database, as processes started by the test can open it: on PostgreSQL the test
    database itself (the test must run outside a transaction); on SQLite a copy in a file."""
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        return (
            f"postgres://{quote(settings['USER'], safe='')}:{quote(settings['PASSWORD'], safe='')}"
            f"@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    path = tmp_path / "archive.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{path}"


def manage(tmp_path: Path, database_url: str, *args: str) -> str:
    """A manage.py command on that database, with its own cache folder; its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "ARCHIVE_CACHE_DIR": str(tmp_path / "cache"),
        },
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
