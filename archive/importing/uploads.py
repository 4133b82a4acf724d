"""Uploaded import files that were previewed but never confirmed.

Between the preview and the confirmation, django-import-export keeps the uploaded file in the
private "import_export" storage (settings.STORAGES; MediaStorage's folder in it), and deletes it
once the import is confirmed. A preview nobody confirms leaves its file behind; this removes such
files once they are old enough that no curator can still be looking at the preview.
"""

import datetime

from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

# The folder django-import-export's MediaStorage keeps uploads in (its MEDIA_FOLDER).
UPLOADS_FOLDER = "django-import-export"
ABANDONED_AFTER = datetime.timedelta(hours=24)


def import_uploads_clear(*, older_than: datetime.timedelta = ABANDONED_AFTER) -> int:
    """Delete uploaded import files last written more than `older_than` ago; how many."""
    storage = storages["import_export" if "import_export" in settings.STORAGES else "default"]
    try:
        _, names = storage.listdir(UPLOADS_FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for name in names:
        path = f"{UPLOADS_FOLDER}/{name}"
        try:
            written = storage.get_modified_time(path)
            if timezone.is_naive(written):
                written = timezone.make_aware(written)
            if written < cutoff:
                storage.delete(path)
                removed += 1
        except FileNotFoundError:
            continue  # confirmed, and so deleted, meanwhile
    return removed
