"""An import asks Python's garbage collector for fewer runs, and only while it runs."""

import gc
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.importing import collecting, publication_import
from archive.models import Publication

THREE_RECORDS = Path(__file__).parent / "fixtures" / "booksci_three_records.json"


@pytest.fixture
def thresholds():
    found = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*found)


@pytest.mark.django_db
def test_an_import_collects_less_often_and_leaves_the_thresholds_as_it_found_them(
    thresholds, monkeypatch
):
    seen = []
    write = publication_import.PublicationImport._write

    def noting(self, plans):
        seen.append(gc.get_threshold())
        return write(self, plans)

    monkeypatch.setattr(publication_import.PublicationImport, "_write", noting)

    call_command("import_records", str(THREE_RECORDS), "--no-progress", stdout=io.StringIO())

    assert Publication.objects.count() == 3
    assert seen == [(collecting.IMPORT_THRESHOLD, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)


def test_collecting_turned_off_stays_off(thresholds):
    gc.set_threshold(0, 10, 10)
    with collecting.fewer_collections():
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)
