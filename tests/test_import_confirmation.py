"""The admin's confirmation of an import writes what its preview found, unless the archive has
changed in between: then every row is matched and checked again."""

from pathlib import Path

import pytest
from django.urls import reverse

from archive.importing.publication_import import PublicationImport
from archive.models import Authorship, ImportBatch, Journal, JournalMetric, Publication
from archive.sample import SEED_DOI, SEED_FILE
from tests.factories import make_publication

THREE_RECORDS = Path(__file__).parent / "fixtures" / "booksci_three_records.json"


def _preview(client, path: Path):
    return client.post(
        reverse("admin:archive_publication_import"),
        {
            "format": "0",
            "resource": "0",
            "new_records": "published",
            "import_file": path.open("rb"),
        },
    )


def _confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:archive_publication_process_import"), data)


def _refuse_to_check_rows(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the rows were matched and checked a second time")

    monkeypatch.setattr(PublicationImport, "_plan", refuse)


@pytest.mark.django_db
def test_a_confirmation_of_an_unchanged_archive_writes_what_its_preview_found(
    admin_client, monkeypatch
):
    preview = _preview(admin_client, THREE_RECORDS)
    assert preview.context["result"].totals["new"] == 3
    assert not Journal.objects.exists()  # the preview's journals were rolled back
    _refuse_to_check_rows(monkeypatch)

    assert _confirm(admin_client, preview).status_code == 302

    batch = ImportBatch.objects.get()
    assert batch.new_count == 3
    assert Publication.objects.filter(import_batch=batch).count() == 3
    journals = Journal.objects.filter(import_batch=batch)
    assert sorted(journals.values_list("name", flat=True)) == [
        "Cold War History",
        "Journal of Maritime Diplomacy",
    ]
    for publication in Publication.objects.select_related("journal"):
        assert publication.journal.import_batch == batch
        assert publication.journal.name.casefold() in publication.search_text
        assert publication.authorships.filter(role=Authorship.Role.AUTHOR).exists()
    assert JournalMetric.objects.filter(journal__in=journals).exists()


@pytest.mark.django_db
def test_a_confirmation_checks_every_row_again_when_the_archive_changed_since_its_preview(
    admin_client,
):
    preview = _preview(admin_client, SEED_FILE)
    assert preview.context["result"].totals["new"] == 1
    # Meanwhile a curator adds the same publication by hand.
    added = make_publication("Added by hand", doi=SEED_DOI)

    assert _confirm(admin_client, preview).status_code == 302

    batch = ImportBatch.objects.get()
    assert (batch.new_count, batch.updated_count) == (0, 1)
    publication = Publication.objects.get()
    assert publication.pk == added.pk
    assert publication.journal is not None
    assert publication.import_batch == batch


@pytest.mark.django_db
def test_confirming_an_earlier_preview_after_another_reads_its_own_file_again(admin_client):
    first = _preview(admin_client, SEED_FILE)
    second = _preview(admin_client, THREE_RECORDS)
    assert second.context["result"].totals["new"] == 3

    assert _confirm(admin_client, first).status_code == 302

    assert list(Publication.objects.values_list("doi", flat=True)) == [SEED_DOI]
    assert ImportBatch.objects.get().new_count == 1
