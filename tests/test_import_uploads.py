"""Uploaded import files: kept between preview and confirmation, and cleared when a preview is
never confirmed (archive.importing.uploads, `clear_import_uploads`)."""

import io
import os
import time

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.importing.uploads import UPLOADS_FOLDER
from archive.models import ImportBatch, Publication
from archive.sample import SEED_FILE

pytestmark = pytest.mark.django_db


def test_clear_import_uploads_removes_only_files_older_than_a_day(import_storage):
    old = upload_file(import_storage, "old", hours_ago=25)
    fresh = upload_file(import_storage, "fresh", hours_ago=23)

    output = clear_import_uploads()

    assert "Removed 1 uploaded file(s) older than 24 hour(s)" in output
    assert not old.exists()
    assert fresh.exists()


def test_clear_import_uploads_takes_the_age_in_hours(import_storage):
    fresh = upload_file(import_storage, "fresh", hours_ago=2)

    clear_import_uploads("--older-than", "1.5")

    assert not fresh.exists()


def test_clear_import_uploads_with_nothing_uploaded_yet_removes_nothing(import_storage):
    assert "Removed 0 uploaded file(s)" in clear_import_uploads()


def test_clear_import_uploads_refuses_a_negative_age():
    with pytest.raises(CommandError, match="0 hours or more"):
        clear_import_uploads("--older-than", "-1")


def test_an_upload_first_clears_the_files_of_previews_abandoned_a_day_ago(
    admin_client, import_storage
):
    abandoned = upload_file(import_storage, "abandoned", hours_ago=30)
    recent = upload_file(import_storage, "recent", hours_ago=1)

    preview = admin_import(admin_client, SEED_FILE.read_bytes())

    assert "confirm_form" in preview.context
    assert not abandoned.exists()
    assert recent.exists()
    waiting = uploads(import_storage) - {recent}
    assert len(waiting) == 1
    confirm(admin_client, preview)
    assert uploads(import_storage) == {recent}


def test_confirming_a_preview_whose_file_was_cleared_asks_for_the_file_again(
    admin_client, import_storage
):
    preview = admin_import(admin_client, SEED_FILE.read_bytes())
    clear_import_uploads("--older-than", "0")

    response = confirm(admin_client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:archive_publication_import")
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert "no longer kept" in message
    assert not Publication.objects.exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("model", ["publication", "person"])
def test_a_preview_with_nothing_to_confirm_keeps_no_copy_of_the_file(
    admin_client, import_storage, model
):
    response = admin_import(admin_client, b"nonsense\n\x00\x01", model=model, name="bad.csv")

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert uploads(import_storage) == set()


# --- helpers --------------------------------------------------------------------------------


def admin_import(client, data: bytes, *, model="publication", name="records.json"):
    return client.post(
        reverse(f"admin:archive_{model}_import"),
        {
            "format": "0",
            "resource": "0",
            "new_records": "published",
            "import_file": SimpleUploadedFile(name, data),
        },
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:archive_publication_process_import"), data)


def clear_import_uploads(*args) -> str:
    stdout = io.StringIO()
    call_command("clear_import_uploads", *args, stdout=stdout)
    return stdout.getvalue()


def upload_file(storage_root, name: str, *, hours_ago: float):
    folder = storage_root / UPLOADS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"[]")
    written = time.time() - hours_ago * 3600
    os.utime(path, (written, written))
    return path


def uploads(storage_root) -> set:
    folder = storage_root / UPLOADS_FOLDER
    return set(folder.iterdir()) if folder.exists() else set()
