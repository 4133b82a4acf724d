"""The whole, unfiltered CSV of a kind, kept as a file until the archive changes.

Every reader of `/publications.csv` gets the same 240 MB until a record changes, and making it
costs seconds of processor time; so the first download after a change is streamed to its reader
and written beside, and later ones are served from the file. The file's name holds the archive's
content version (`archive.freshness.archive_version`), which every write changes, so a file
is never served once the archive has changed, and it is deleted when the next one is made.

A file is only ever seen complete: it is written under a temporary name of its own (two first
readers at once each write their own) and renamed into place, an atomic step, once the last line
is written and only if the archive did not change meanwhile. A download cut short, or failing,
leaves no file. The files are a cache, local to each app server: losing them costs one
generation.
"""

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from archive.freshness import archive_version

CONTENT_TYPE = "text/csv; charset=utf-8"
ABANDONED_AFTER = 24 * 3600  # seconds after which a temporary file is a dead process's

logger = logging.getLogger(__name__)


def directory() -> Path:
    return Path(settings.ARCHIVE_DOWNLOADS_DIR)


def kept_path(name: str, version: str) -> Path:
    stem, _, extension = name.rpartition(".")
    return directory() / f"{stem}-{version}.{extension}"


def whole_csv(request: HttpRequest, name: str, make: Callable[[], Iterator[bytes]]):
    """The response for the whole CSV called `name` ("publications.csv"): 304 when the reader
    holds the current one, the kept file when there is one, else `make()` streamed and kept."""
    version = archive_version()
    etag = f'"{version}"'
    path = kept_path(name, version)
    try:
        file = path.open("rb")
    except OSError:  # none yet, or a folder that cannot be read
        file = None
    last_modified = os.fstat(file.fileno()).st_mtime if file else None
    unchanged = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if unchanged is not None:
        if file:
            file.close()
        return unchanged
    if file:
        response = FileResponse(file, content_type=CONTENT_TYPE)
        response["Last-Modified"] = http_date(last_modified)
    elif "." in version:
        # A version of this connection's own uncommitted writes: nothing to keep it under.
        response = StreamingHttpResponse(make(), content_type=CONTENT_TYPE)
    else:
        try:
            discard_other_versions(name, keep=path)
        except OSError:
            logger.exception("Could not delete the older kept files of %s", name)
        response = StreamingHttpResponse(_kept(make(), path, version), content_type=CONTENT_TYPE)
    response["ETag"] = etag
    return response


def _kept(pieces: Iterator[bytes], path: Path, version: str) -> Iterator[bytes]:
    """The pieces, each written to a temporary file as it is handed on; the file takes the
    name `path` once the last piece is written, if the archive is still at `version`."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file = temporary.open("wb")
    except OSError:  # a folder it may not write to: the reader still gets the download
        logger.exception("Could not keep %s", path.name)
        yield from pieces
        return
    complete = False
    try:
        for piece in pieces:
            if file is not None:
                try:
                    file.write(piece)
                except OSError:  # a full disk: the reader still gets the whole download
                    logger.exception("Could not keep %s", path.name)
                    file.close()
                    file = None
                    temporary.unlink(missing_ok=True)
            yield piece
        complete = file is not None
    finally:
        if file is not None:
            file.close()
            if complete and archive_version() == version:
                os.replace(temporary, path)
            else:
                temporary.unlink(missing_ok=True)


def discard_other_versions(name: str, *, keep: Path) -> None:
    """Delete the kept files of `name` made at other versions, and temporary files left by
    processes that died while writing one."""
    stem, _, extension = name.rpartition(".")
    folder = directory()
    if not folder.is_dir():
        return
    for other in folder.glob(f"{stem}-*.{extension}"):
        if other != keep:
            other.unlink(missing_ok=True)
    abandoned = time.time() - ABANDONED_AFTER
    for part in folder.glob(f".{stem}-*.part"):
        try:
            if part.stat().st_mtime < abandoned:
                part.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
