"""Shared pytest configuration."""

import os


def pytest_report_header(config):
    """Name the database backend when the run is pointed at PostgreSQL."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return None
    from django.db import connection

    return f"database: {connection.vendor} {connection.settings_dict['NAME']}"
