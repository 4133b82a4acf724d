"""File formats the admin import page and `import_records` accept, as django-import-export formats.

Each format is a thin adapter: `iter_rows(stream)` turns a file into canonical publication rows
(see canonical.py), one at a time, so a large file never has to be held in memory. Records that
are not records at all (a `null` in a Semantic Scholar batch answer) are skipped with a reason;
everything else becomes a row, and bad values are reported by the resource with their row and
column. One resource then does the matching, validation and preview for every format.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import tablib
from import_export.formats.base_formats import Format

from archive.importing import booksci, canonical


class ImportFileError(ValueError):
    """The file cannot be read at all; the message says why, in the curator's words."""


@dataclass
class Skipped:
    """A record in the file that is deliberately not imported, and why."""

    number: int
    reason: str


@dataclass
class ReadLog:
    """What reading a file noticed besides rows: skipped records, source record numbers."""

    skipped: list[Skipped] = field(default_factory=list)
    record_numbers: list[int] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; anything else is refused clearly."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). Save it as "
            "UTF-8; files in GBK, Big5 or other legacy encodings are not accepted."
        ) from error


class RecordFormat(Format):
    """Base of the archive's import formats."""

    name = ""
    title = ""
    extensions: tuple[str, ...] = ()
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        self.encoding = encoding
        self.log = ReadLog()

    def get_title(self):
        return self.title

    def get_extension(self):
        return self.extensions[0] if self.extensions else ""

    def get_content_type(self):
        return self.content_type

    def can_import(self):
        return True

    @classmethod
    def sniff(cls, file_name: str, head: bytes) -> bool:
        """Whether a file with this name and these first bytes looks like this format."""
        return False

    def iter_rows(self, stream: io.BufferedIOBase) -> Iterator[dict]:
        """Canonical rows, one per record; append to self.log.skipped for skipped records."""
        raise NotImplementedError

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        if not data.strip():
            raise ImportFileError("The file is empty.")
        dataset = tablib.Dataset(headers=canonical.PUBLICATION_COLUMNS)
        for row in self.iter_rows(io.BytesIO(data)):
            dataset.append([row.get(column, "") for column in canonical.PUBLICATION_COLUMNS])
        if not len(dataset):
            reasons = "; ".join(f"record {s.number}: {s.reason}" for s in self.log.skipped[:5])
            raise ImportFileError(
                f"The file holds no records to import{f' ({reasons})' if reasons else ''}."
            )
        return dataset


class BookSciJSON(RecordFormat):
    """BookSci records: a JSON object, a JSON array of objects or JSON Lines."""

    name = "booksci"
    title = "BookSci JSON"
    extensions = ("json", "jsonl", "ndjson")
    content_type = "application/json"

    @classmethod
    def sniff(cls, file_name, head):
        text = head.decode("utf-8", "ignore")
        return '"PeriodicalId"' in text or '"resultStr"' in text or '"ListUrlMain"' in text

    def iter_rows(self, stream):
        try:
            for number, record in booksci.iter_records(stream):
                try:
                    row = booksci.to_row(record)
                except ValueError as error:
                    raise ImportFileError(f"Record {number}: {error}") from error
                self.log.record_numbers.append(number)
                yield row
        except UnicodeDecodeError as error:
            raise ImportFileError(
                "The file is not UTF-8 text. Save it as UTF-8; files in GBK, Big5 or other "
                "legacy encodings are not accepted."
            ) from error
        except booksci.FormatError as error:
            raise ImportFileError(str(error)) from error


PUBLICATION_FORMATS: list[type[RecordFormat]] = [BookSciJSON]


def formats_by_name() -> dict[str, type[RecordFormat]]:
    return {format_class.name: format_class for format_class in PUBLICATION_FORMATS}


def detect(file_name: str, head: bytes) -> type[RecordFormat]:
    """The format of a file from its first bytes, then its extension."""
    for format_class in PUBLICATION_FORMATS:
        if format_class.sniff(file_name, head):
            return format_class
    extension = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    for format_class in PUBLICATION_FORMATS:
        if extension in format_class.extensions:
            return format_class
    raise ImportFileError(
        f"Cannot tell the format of {file_name}; name it with --format "
        f"({', '.join(formats_by_name())})."
    )
