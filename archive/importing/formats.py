"""File formats the admin import page and `import_records` accept, as django-import-export formats.

Each format is a thin adapter: `iter_rows(stream)` turns a file into canonical publication rows
(see canonical.py), one at a time, so a large file never has to be held in memory. Records that
are not records at all (a `null` in a Semantic Scholar batch answer) are skipped with a reason;
everything else becomes a row, and bad values are reported by the resource with their row and
column. One resource then does the matching, validation and preview for every format.
"""

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import tablib
from import_export.formats.base_formats import Format

from archive.importing import bibtex, booksci, canonical, crossref, ris, semanticscholar


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

    def rows_from(
        self,
        records: Iterable[tuple[int, object]],
        to_row: Callable[[object], dict],
        skip_reason: Callable[[object], str] | None = None,
    ) -> Iterator[dict]:
        """Rows of (number, record) pairs; records with a skip reason are noted, not imported."""
        for number, record in records:
            reason = skip_reason(record) if skip_reason else ""
            if reason:
                self.log.skipped.append(Skipped(number, reason))
                continue
            try:
                row = to_row(record)
            except (TypeError, AttributeError, ValueError) as error:
                # The adapters read odd values leniently; this is for records of another shape.
                raise ImportFileError(
                    f"Record {number} cannot be read as {self.title} ({error})."
                ) from error
            self.log.record_numbers.append(number)
            yield row

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


@contextmanager
def _file_errors(*errors: type[Exception]):
    """An adapter's complaint about the whole file, as the ImportFileError the callers expect."""
    try:
        yield
    except errors as error:
        raise ImportFileError(str(error)) from error


class SemanticScholarJSON(RecordFormat):
    """Semantic Scholar Graph API papers: one, an array (/paper/batch), JSON Lines or pages."""

    name = "semanticscholar"
    title = "Semantic Scholar JSON"
    extensions = ("json", "jsonl", "ndjson")
    content_type = "application/json"

    @classmethod
    def sniff(cls, file_name, head):
        return semanticscholar.looks_like(head)

    def iter_rows(self, stream):
        with _file_errors(semanticscholar.FormatError):
            yield from self.rows_from(
                semanticscholar.iter_records(stream),
                semanticscholar.to_row,
                semanticscholar.skip_reason,
            )


class CrossrefJSON(RecordFormat):
    """Crossref REST API works: a single-work answer, a list page, or bare work objects."""

    name = "crossref"
    title = "Crossref JSON"
    extensions = ("json", "jsonl", "ndjson")
    content_type = "application/json"

    @classmethod
    def sniff(cls, file_name, head):
        return crossref.looks_like(head)

    def iter_rows(self, stream):
        with _file_errors(crossref.FormatError):
            yield from self.rows_from(crossref.iter_records(stream), crossref.to_row)


class RIS(RecordFormat):
    """RIS, as reference managers and library catalogues export it."""

    name = "ris"
    title = "RIS"
    extensions = ("ris",)
    content_type = "application/x-research-info-systems"

    @classmethod
    def sniff(cls, file_name, head):
        return ris.looks_like(head)

    def iter_rows(self, stream):
        text = decode_text(stream.read())
        with _file_errors(ris.FormatError):
            yield from self.rows_from(ris.iter_records(text), ris.to_row)


class BibTeX(RecordFormat):
    """BibTeX (and biblatex) entries."""

    name = "bibtex"
    title = "BibTeX"
    extensions = ("bib", "bibtex")
    content_type = "application/x-bibtex"

    @classmethod
    def sniff(cls, file_name, head):
        return bibtex.looks_like(head)

    def iter_rows(self, stream):
        text = decode_text(stream.read())
        with _file_errors(bibtex.FormatError):
            yield from self.rows_from(bibtex.iter_records(text), bibtex.to_row, bibtex.skip_reason)


# Sniffing goes in this order: BookSci records carry Semantic Scholar fields inside them.
PUBLICATION_FORMATS: list[type[RecordFormat]] = [
    BookSciJSON,
    SemanticScholarJSON,
    CrossrefJSON,
    RIS,
    BibTeX,
]


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
