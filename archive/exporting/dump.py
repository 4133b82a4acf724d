"""The whole archive as four files, one per kind of record, for `export_records`.

Each file is written with the kind's resource (the one the admin imports and exports with) and
the neutralising export formats, a chunk of records at a time: CSV, TSV and JSON files are
streamed to disk chunk by chunk; an XLSX workbook is built whole, since it is one zip archive.
Reading the files back in the order of DUMP (journals, people, publications, events) restores
the archive, since each kind only names records of the kinds before it.
"""

from dataclasses import dataclass
from pathlib import Path

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
