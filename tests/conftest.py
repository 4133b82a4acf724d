"""Shared pytest configuration."""

import os

import pytest
from hypothesis import settings as hypothesis_settings

# Property-based tests (test_properties.py): few examples in the everyday run, so the suite stays
# quick; HYPOTHESIS_PROFILE=thorough tries many more. No deadline: examples that write to the
# database take as long as the machine is busy.
hypothesis_settings.register_profile("archive", max_examples=25, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "archive"))


def pytest_report_header(config):
    """Name the database backend when the run is pointed at PostgreSQL."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return None
    from django.db import connection

    return f"database: {connection.vendor} {connection.settings_dict['NAME']}"


@pytest.fixture(autouse=True)
def import_storage(settings, tmp_path):
    """Uploaded import files go to a folder of the test's own, never to var/."""
    folder = tmp_path / "imports"
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


@pytest.fixture(autouse=True)
def kept_downloads(settings, tmp_path):
    """The whole CSVs kept between downloads go to a folder of the test's own, never to var/."""
    settings.ARCHIVE_DOWNLOADS_DIR = tmp_path / "kept-downloads"
    return settings.ARCHIVE_DOWNLOADS_DIR


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """What the site keeps (the counts of a filtered list, the content version) is in the test
    process's memory, never in var/, and starts empty in every test, as the database does."""
    from django.core.cache import caches

    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias}
        for alias in settings.CACHES
    }
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def english_by_default():
    """A request to a /zh-hans/ page leaves Chinese active in the thread; every test starts in the
    default language, as every request without a prefix does."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def count_rows():
    """Call it for how many rows each archive table holds, to compare before and after."""
    from django.apps import apps

    def count() -> dict[str, int]:
        return {
            model._meta.db_table: model._default_manager.count()
            for model in apps.get_app_config("archive").get_models(include_auto_created=True)
        }

    return count
