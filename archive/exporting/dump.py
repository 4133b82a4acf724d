"""The whole archive as files, for `export_records`: spreadsheets to read, or a full dump to restore.

`archive_export` writes four files, one per kind of record, with the kind's resource (the one the
admin imports and exports with) and the neutralising export formats, a chunk of records at a
time: CSV, TSV and JSON files are streamed to disk chunk by chunk; an XLSX workbook is built
whole, since it is one zip archive. Reading the files back in the order of DUMP (journals, people,
publications, events) brings the records back, since each kind only names records of the kinds
before it; ids, import batches and former slugs are not in them.

`archive_dump` writes everything the archive app holds, row for row with its id, as Django's
JSON Lines serialisation (every field of every table, drafts and import batches included), and
`archive_restore` loads it into an empty database, checked against the manifest the dump wrote
last: Django's deserializer reads each row back into the model's values (natural keys resolved),
and the rows are written as they are, a batch at a time with one prepared statement per table
(`loaddata` saves them one by one, about ten times slower). The accounts that ran imports are named in the dump by username only;
a restore creates the ones the database lacks as inactive accounts without a password.
"""

import datetime
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from archive.exporting.formats import SafeCSV, SafeJSON, SafeTSV, SafeXLSX
from archive.importing.events import EventResource
from archive.importing.journals import JournalResource
from archive.importing.people import PersonResource
from archive.importing.resources import PublicationResource
from archive.models import Event, Journal, Person, Publication

FORMATS = {"csv": SafeCSV, "tsv": SafeTSV, "xlsx": SafeXLSX, "json": SafeJSON}
CHUNK_SIZE = 500  # records per query; under SQLite's limit on bound parameters

DUMP = [
    ("journals", Journal, JournalResource),
    ("people", Person, PersonResource),
    ("publications", Publication, PublicationResource),
    ("events", Event, EventResource),
]


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    rows: int


def archive_export(
    directory: Path,
    *,
    format_name: str = "csv",
    include_drafts: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> list[WrittenFile]:
    """Write publications, people, events and journals to `directory`; published records only
    unless `include_drafts`."""
    directory.mkdir(parents=True, exist_ok=True)
    file_format = FORMATS[format_name]()
    written = []
    for name, model, resource_class in DUMP:
        if resource_class is PublicationResource:
            resource = PublicationResource()
        else:
            resource = resource_class(published_only=not include_drafts)
        queryset = model.objects.all() if include_drafts else model.objects.published()
        path = directory / f"{name}.{file_format.get_extension()}"
        rows = _write(path, resource, queryset, file_format, chunk_size)
        written.append(WrittenFile(path, rows))
    return written


def _write(path: Path, resource, queryset, file_format, chunk_size: int) -> int:
    ids = list(queryset.values_list("pk", flat=True))
    chunks = [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]
    writer_class = _WorkbookWriter if file_format.is_binary() else _TextWriter
    with writer_class(path, file_format) as writer:
        for chunk in chunks or [[]]:
            writer.add(
                resource.export(
                    queryset.filter(pk__in=chunk), force_native_type=file_format.is_binary()
                )
            )
    return len(ids)


class _TextWriter:
    """CSV and TSV: the header once, then each chunk's rows; JSON: one array of all chunks."""

    def __init__(self, path: Path, file_format):
        self.path = path
        self.format = file_format
        self.chunks = 0

    def __enter__(self):
        self.handle = self.path.open("w", encoding="utf-8", newline="")
        if self.is_json:
            self.handle.write("[")
        return self

    @property
    def is_json(self) -> bool:
        return isinstance(self.format, SafeJSON)

    def add(self, dataset) -> None:
        text = self.format.export_data(dataset)
        if self.is_json:
            items = text.strip()[1:-1].strip()
            if items:
                self.handle.write((", " if self.chunks else "") + items)
                self.chunks += 1
            return
        # Column names never hold a line break, so the header is the first line.
        self.handle.write(text if not self.chunks else text.partition("\n")[2])
        self.chunks += 1

    def __exit__(self, *exc_info):
        if self.is_json:
            self.handle.write("]")
        self.handle.close()


class _WorkbookWriter:
    def __init__(self, path: Path, file_format):
        self.path = path
        self.format = file_format
        self.dataset = None

    def __enter__(self):
        return self

    def add(self, dataset) -> None:
        if self.dataset is None:
            self.dataset = dataset
        else:
            for row in dataset:
                self.dataset.append(row)

    def __exit__(self, exc_type, *exc_info):
        if exc_type is None:
            self.path.write_bytes(self.format.export_data(self.dataset))


# --- the full dump: every row of the archive, restorable exactly ---------------------------------

RECORDS_FILE = "archive.jsonl"
ACCOUNTS_FILE = "accounts.jsonl"
MANIFEST_FILE = "manifest.json"
DUMP_FORMAT = "cold-war-archive-dump"
DUMP_VERSION = 1
DUMP_CHUNK_SIZE = 2000


class RestoreError(Exception):
    """The dump cannot be restored; the message says why. Nothing has been written."""


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds: it cuts times to milliseconds (ECMA-262)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def _dumped_models() -> list:
    """Every table of the archive app; many-to-many tables travel with the model declaring them."""
    return list(apps.get_app_config("archive").get_models())


def _label(model) -> str:
    return model._meta.label_lower


def _queryset(model):
    """All rows in id order, with what serialising each row would otherwise query for."""
    by_natural_key = [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and hasattr(field.related_model, "natural_key")
    ]
    automatic_m2m = [
        field.name
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    queryset = model._default_manager.order_by("pk")
    if by_natural_key:
        queryset = queryset.select_related(*by_natural_key)
    if automatic_m2m:
        queryset = queryset.prefetch_related(*automatic_m2m)
    return queryset


def _referenced_accounts() -> list:
    """The accounts the archive's rows point to (who ran or undid an import, and the like)."""
    user_model = get_user_model()
    ids = set()
    for model in _dumped_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                ids.update(
                    model._default_manager.exclude(**{f"{field.attname}__isnull": True})
                    .values_list(field.attname, flat=True)
                    .distinct()
                )
    return list(user_model._default_manager.filter(pk__in=ids).order_by("pk"))


def _applied_migrations() -> list[str]:
    return sorted(
        name for app, name in MigrationRecorder(connection).applied_migrations() if app == "archive"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _replacing(path: Path) -> Iterator:
    """A text file written beside `path` and moved into place only once it is whole."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _counted(rows: Iterable, counts: dict, label: str) -> Iterator:
    counts[label] = 0
    for row in rows:
        counts[label] += 1
        yield row


def archive_dump(directory: Path) -> dict:
    """Write every row of the archive to `directory` as a dump `archive_restore` can load;
    returns the manifest, which holds how many rows of each table were written."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One snapshot for every table, so an import committing meanwhile is all in or all
            # out. (On SQLite the transaction holds the write lock, which does the same.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        migrations = _applied_migrations()
        with _replacing(directory / RECORDS_FILE) as handle:
            for model in _dumped_models():
                serializers.serialize(
                    "jsonl",
                    _counted(
                        _queryset(model).iterator(chunk_size=DUMP_CHUNK_SIZE), counts, _label(model)
                    ),
                    stream=handle,
                    cls=_ExactEncoder,
                    use_natural_foreign_keys=True,
                )
        user_model = get_user_model()
        with _replacing(directory / ACCOUNTS_FILE) as handle:
            for user in _referenced_accounts():
                account = {
                    "username": user.get_username(),
                    "first_name": getattr(user, "first_name", ""),
                    "last_name": getattr(user, "last_name", ""),
                }
                handle.write(json.dumps(account, ensure_ascii=False) + "\n")
    manifest = {
        "format": DUMP_FORMAT,
        "version": DUMP_VERSION,
        "written_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": migrations,
        "counts": counts,
        "accounts_model": user_model._meta.label_lower,
        "files": {
            name: {"sha256": _sha256(directory / name), "bytes": (directory / name).stat().st_size}
            for name in (RECORDS_FILE, ACCOUNTS_FILE)
        },
    }
    # Written last: a dump without its manifest is one that did not finish.
    with _replacing(directory / MANIFEST_FILE) as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return manifest


def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST_FILE
    if not directory.is_dir():
        raise RestoreError(f"{directory} is not a folder.")
    if not path.is_file():
        raise RestoreError(
            f"{directory} holds no {MANIFEST_FILE}: it is not a full dump, or its writing did not "
            "finish (export_records DIRECTORY --full writes one)."
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RestoreError(f"{path} cannot be read ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != DUMP_FORMAT:
        raise RestoreError(f"{path} is not the manifest of an archive dump.")
    if manifest.get("version") != DUMP_VERSION:
        raise RestoreError(
            f"The dump is of version {manifest.get('version')}; this archive reads version "
            f"{DUMP_VERSION}."
        )
    for name, expected in manifest["files"].items():
        if not (directory / name).is_file():
            raise RestoreError(f"The dump is incomplete: {directory / name} is missing.")
        if _sha256(directory / name) != expected["sha256"]:
            raise RestoreError(
                f"{directory / name} is not the file the dump wrote (its SHA-256 differs from "
                "the manifest's): it has been changed or cut short."
            )
    missing = sorted(set(manifest["migrations"]) - set(_applied_migrations()))
    if missing:
        raise RestoreError(
            "The dump was written by a newer version of the archive: this database lacks the "
            f"migration(s) {', '.join(missing)}. Update the code and run migrate, then restore."
        )
    return manifest


def _occupied_tables() -> list[str]:
    return [
        f"{model._meta.verbose_name_plural} ({model._default_manager.count():,})"
        for model in _dumped_models()
        if model._default_manager.exists()
    ]


def _restore_accounts(path: Path) -> None:
    """Create the accounts the dump names that this database lacks: inactive, no password."""
    user_model = get_user_model()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            account = json.loads(line)
            username = account.pop("username")
            user, was_created = user_model._default_manager.get_or_create(
                **{user_model.USERNAME_FIELD: username},
                defaults={"is_active": False, **account},
            )
            if was_created:
                user.set_unusable_password()
                user.save(update_fields=["password"])


def _insert(model, fields, rows: list[list]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})", rows
        )


def _write_rows(batch: list) -> None:
    """Rows of one model as deserialised, as they are (no save(), no auto_now), with their
    many-to-many links."""
    model = type(batch[0].object)
    fields = model._meta.concrete_fields
    _insert(
        model,
        fields,
        [
            [
                field.get_db_prep_save(getattr(item.object, field.attname), connection)
                for field in fields
            ]
            for item in batch
        ],
    )
    for name in {name for item in batch for name in item.m2m_data}:
        field = model._meta.get_field(name)
        through = field.remote_field.through._meta
        _insert(
            field.remote_field.through,
            [
                through.get_field(field.m2m_field_name()),
                through.get_field(field.m2m_reverse_field_name()),
            ],
            [[item.object.pk, pk] for item in batch for pk in item.m2m_data.get(name, [])],
        )


def _load(path: Path) -> None:
    batch: list = []
    with path.open(encoding="utf-8") as handle:
        for item in serializers.deserialize("jsonl", handle):
            if batch and (
                type(item.object) is not type(batch[0].object) or len(batch) >= DUMP_CHUNK_SIZE
            ):
                _write_rows(batch)
                batch = []
            batch.append(item)
    if batch:
        _write_rows(batch)
    models = _dumped_models()
    # As loaddata does: every reference checked now (they are deferred to the commit), and the
    # sequences moved past the ids written, so that new records get new ids.
    connection.check_constraints(
        table_names=[
            model._meta.db_table
            for model in apps.get_app_config("archive").get_models(include_auto_created=True)
        ]
    )
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def archive_restore(directory: Path) -> dict[str, int]:
    """Load a dump written by `archive_dump` into a database holding no archive records, all in
    one transaction; returns how many rows of each table it restored. Raises RestoreError."""
    manifest = _read_manifest(directory)
    with transaction.atomic():
        occupied = _occupied_tables()
        if occupied:
            raise RestoreError(
                "A dump is restored into an empty archive, and this database already holds "
                f"{', '.join(occupied[:4])}{' and more' if len(occupied) > 4 else ''}. Restore "
                "into a new database (after migrate)."
            )
        _restore_accounts(directory / ACCOUNTS_FILE)
        try:
            _load(directory / RECORDS_FILE)
        except (DeserializationError, DatabaseError, ObjectDoesNotExist, ValueError) as error:
            raise RestoreError(
                f"The dump could not be loaded, and nothing was restored: {error}"
            ) from error
        counts = {
            _label(model): model._default_manager.count()
            for model in _dumped_models()
            if _label(model) in manifest["counts"]
        }
        if counts != manifest["counts"]:
            differences = [
                f"{label}: {counts.get(label, 0):,} of {expected:,}"
                for label, expected in manifest["counts"].items()
                if counts.get(label, 0) != expected
            ]
            raise RestoreError(
                "The restored rows do not add up to the dump's, and nothing was restored: "
                + "; ".join(differences)
            )
    return counts
