"""File formats the admin import page and `import_records` accept, as django-import-export formats.

Each format is a thin adapter: `iter_rows(stream)` turns a file into canonical publication rows
(see canonical.py), one at a time, so a large file never has to be held in memory. Records that
are not records at all (a `null` in a Semantic Scholar batch answer) are skipped with a reason;
everything else becomes a row, and bad values are reported by the resource with their row and
column. One resource then does the matching, validation and preview for every format.

The bibliographic formats come first; the archive's own publication CSV, TSV and XLSX (read by
spreadsheets.py, their header checked here) come last.
"""

import copy
import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import partial

import orjson
import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export.formats.base_formats import Format

from archive.importing import bibtex, booksci, canonical, crossref, ris, semanticscholar
from archive.importing.reading import ImportFileError, decode_text, not_utf8
from archive.importing.spreadsheets import cell_text, iter_delimited, iter_workbook


@dataclass
class Skipped:
    """A record in the file that is deliberately not imported, and why."""

    number: int
    reason: str


# The dataset of the file read last, kept for the confirmation that follows its preview.
RECENT_SECONDS = 3600
_recent_datasets: dict[tuple, tuple[float, list[tuple], list[str], "ReadLog"]] = {}


class Source:
    """A record as read from the file, converted to its canonical row only when asked.

    `fingerprint` identifies the record's content (with the format and the version of its
    conversion): a record whose fingerprint is the one stored with a publication is what that
    publication was imported from, so an unchanged re-import need not convert it at all. Empty
    for formats that only give rows."""

    __slots__ = ("_convert", "_row", "fingerprint", "number")

    def __init__(self, number: int, fingerprint: str, convert: Callable[[], dict]):
        self.number = number
        self.fingerprint = fingerprint
        self._convert = convert
        self._row = None

    @classmethod
    def of_row(cls, number: int, row: dict) -> "Source":
        return cls(number, "", lambda: row)

    def row(self) -> dict:
        if self._row is None:
            self._row = self._convert()
        return self._row


def record_json(record) -> bytes:
    """A decoded JSON record as UTF-8 JSON with its keys sorted: the same record, the same bytes.
    orjson writes the 3 KB record of an aggregator several times faster than json does; json
    takes what orjson cannot (integers past 64 bits, an empty record kept as no record)."""
    if record:
        try:
            return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return canonical.dump_json(record).encode()


def json_fingerprint(salt: str, data: bytes) -> str:
    """The fingerprint of a record given as its JSON (record_json)."""
    return hashlib.sha256(salt.encode() + b"\n" + data).hexdigest()


@dataclass
class ReadLog:
    """What reading a file noticed besides rows: skipped records, source record numbers."""

    skipped: list[Skipped] = field(default_factory=list)
    record_numbers: list[int] = field(default_factory=list)


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

    def iter_sources(self, stream: io.BufferedIOBase) -> Iterator[Source]:
        """The records, each converted when its row is asked for. Formats that can fingerprint
        a record before converting it override this (and build iter_rows on it)."""
        for number, row in enumerate(self.iter_rows(stream), start=1):
            yield Source.of_row(number, row)

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
                    _("Record %(number)s cannot be read as %(format)s (%(error)s).")
                    % {"number": number, "format": self.title, "error": error}
                ) from error
            self.log.record_numbers.append(number)
            yield row

    def create_dataset(self, in_stream):
        """The file as one dataset of canonical rows. The admin reads its file twice, for the
        preview and for the confirmation; the second time the rows read the first time are
        reused when this process still has them (the same format, the same bytes)."""
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        key = (type(self).__name__, hashlib.sha256(data).hexdigest())
        kept = _recent_datasets.get(key)
        if kept is None or time.monotonic() - kept[0] > RECENT_SECONDS:
            dataset = self._read_dataset(data)
            rows = [tuple(row) for row in dataset]
            _recent_datasets.clear()  # one file at a time: its rows can take 100 MB
            kept = _recent_datasets[key] = (
                time.monotonic(),
                rows,
                dataset.source_fingerprints,
                self.log,
            )
        # A new dataset each time, so that what a caller changes in it is not kept.
        dataset = tablib.Dataset(*kept[1], headers=canonical.PUBLICATION_COLUMNS)
        dataset.source_fingerprints = list(kept[2])
        # Names the file's content, so that a confirmation can find its preview's verdicts.
        dataset.content_key = key
        self.log = copy.deepcopy(kept[3])
        return dataset

    def _read_dataset(self, data: bytes):
        if not data.strip():
            raise ImportFileError(_("The file is empty."))
        dataset = tablib.Dataset(headers=canonical.PUBLICATION_COLUMNS)
        # The resource stores these with the publications, for the next import of the records.
        dataset.source_fingerprints = []
        for source in self.iter_sources(io.BytesIO(data)):
            row = source.row()
            dataset.append([row.get(column, "") for column in canonical.PUBLICATION_COLUMNS])
            dataset.source_fingerprints.append(source.fingerprint)
        if not len(dataset):
            reasons = "; ".join(
                _("record %(number)s: %(reason)s") % {"number": s.number, "reason": s.reason}
                for s in self.log.skipped[:5]
            )
            if not reasons:
                raise ImportFileError(_("The file holds no records to import."))
            raise ImportFileError(
                _("The file holds no records to import (%(reasons)s).") % {"reasons": reasons}
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
        return _is_json(head) and any(
            f'"{key}"' in text for key in ("PeriodicalId", "resultStr", "ListUrlMain")
        )

    def iter_rows(self, stream):
        for source in self.iter_sources(stream):
            yield source.row()

    def iter_sources(self, stream):
        try:
            for number, record in booksci.iter_records(stream):
                # The JSON is both fingerprinted and kept as the record as received; an
                # unchanged record is never decoded to text.
                data = record_json(record)
                yield Source(
                    number,
                    json_fingerprint(booksci.CONVERSION, data),
                    partial(self._convert, number, record, data),
                )
        except UnicodeDecodeError as error:
            raise not_utf8() from error
        except booksci.FormatError as error:
            raise ImportFileError(str(error)) from error

    def _convert(self, number: int, record: dict, data: bytes) -> dict:
        try:
            row = booksci.to_row(record, raw_record=data.decode())
        except ValueError as error:
            raise ImportFileError(f"Record {number}: {error}") from error
        self.log.record_numbers.append(number)
        return row


def _is_json(head: bytes) -> bool:
    # A CSV export holds raw JSON records in a column, with the very keys sniffed for.
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


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
        return _is_json(head) and semanticscholar.looks_like(head)

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
        return _is_json(head) and crossref.looks_like(head)

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


class PublicationTable(RecordFormat):
    """The archive's own publication table: a header row naming canonical columns (any of them,
    as long as `title` is one; a column left out is read as empty), then one row per
    publication, with lists "; "-separated and translations and metrics as JSON in their cell."""

    def table_rows(self, stream) -> Iterator[Sequence]:
        """The file's rows, header first, as cells."""
        raise NotImplementedError

    def iter_rows(self, stream):
        with closing(self.table_rows(stream)) as rows:
            columns = _header(rows)
            for number, cells in enumerate(rows, start=1):
                values = [cell_text(cell) for cell in cells]
                if not any(value.strip() for value in values):
                    continue  # spreadsheets keep empty rows, as lines of commas in a CSV
                if any(value.strip() for value in values[len(columns) :]):
                    raise ImportFileError(
                        _(
                            "Row %(row)s has more cells than the header has columns "
                            "(%(columns)s); a cell holding the separator must be quoted."
                        )
                        % {"row": number, "columns": len(columns)}
                    )
                self.log.record_numbers.append(number)
                row = canonical.row(**dict(zip(columns, values, strict=False)))
                # None marks a column the file does not have: the importer leaves it alone,
                # where an empty cell in a column the file has clears the value.
                row.update(
                    {
                        column: None
                        for column in canonical.PUBLICATION_COLUMNS
                        if column not in columns
                    }
                )
                yield row


def _header(rows: Iterator[Sequence]) -> list[str]:
    """The publication columns the header row names, in order; one message for anything wrong."""
    for cells in rows:
        names = [cell_text(cell).strip() for cell in cells]
        while names and not names[-1]:
            names.pop()
        if names:
            break
    else:
        raise ImportFileError(_("The file is empty."))
    known = set(canonical.PUBLICATION_COLUMNS)
    unknown = [name for name in names if name not in known]
    repeated = sorted({name for name in names if name in known and names.count(name) > 1})
    problems = []
    if "title" not in names:
        problems.append(_("no title column"))
    if unknown:
        shown = ", ".join(f"“{name}”" if name else _("one without a name") for name in unknown[:5])
        if len(unknown) > 5:
            shown = _("%(shown)s and %(more)s more") % {"shown": shown, "more": len(unknown) - 5}
        problems.append(_("columns the archive does not know: %(columns)s") % {"columns": shown})
    if repeated:
        problems.append(
            ngettext(
                "the %(columns)s column more than once",
                "the %(columns)s columns more than once",
                len(repeated),
            )
            % {"columns": ", ".join(repeated)}
        )
    if not problems:
        return names
    found = problems[0]
    for problem in problems[1:]:
        found = _("%(first)s and %(second)s") % {"first": found, "second": problem}
    names_found = {"problems": found, "columns": ", ".join(canonical.PUBLICATION_COLUMNS)}
    if len(names) == 1 and any(separator in names[0] for separator in ",;\t"):
        raise ImportFileError(
            _(
                "The file has %(problems)s. The whole first line was read as one column: the file "
                "is separated by another character than the format chosen (CSV is "
                "comma-separated, TSV tab-separated). The publication columns are: %(columns)s "
                "(title is required; the others may be left out)."
            )
            % names_found
        )
    raise ImportFileError(
        _(
            "The file has %(problems)s. The publication columns are: %(columns)s (title is "
            "required; the others may be left out)."
        )
        % names_found
    )


class _Delimited(PublicationTable):
    delimiter = ","

    @classmethod
    def sniff(cls, file_name, head):
        text = head.decode("utf-8", "ignore").lstrip("\ufeff")
        first_line = text.splitlines()[0] if text else ""
        cells = next(csv.reader([first_line], delimiter=cls.delimiter), [])
        return {"title", "doi"} <= {cell.strip() for cell in cells}

    def table_rows(self, stream):
        return iter_delimited(stream, delimiter=self.delimiter)


class PublicationCSV(_Delimited):
    """Publications in the archive's own CSV, as the admin and `export_records` export them."""

    name = "csv"
    title = gettext_lazy("Archive CSV (publications)")
    extensions = ("csv",)
    content_type = "text/csv"


class PublicationTSV(_Delimited):
    """Publications in the archive's own columns, tab-separated."""

    name = "tsv"
    title = gettext_lazy("Archive TSV (publications)")
    extensions = ("tsv",)
    content_type = "text/tab-separated-values"
    delimiter = "\t"


class PublicationXLSX(PublicationTable):
    """Publications in the archive's own columns, on the active sheet of an Excel workbook."""

    name = "xlsx"
    title = gettext_lazy("Archive XLSX (publications)")
    extensions = ("xlsx",)
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    @classmethod
    def sniff(cls, file_name, head):
        return head.startswith(b"PK\x03\x04") and file_name.lower().endswith(".xlsx")

    def table_rows(self, stream):
        return iter_workbook(stream)


# Sniffing goes in this order: BookSci records carry Semantic Scholar fields inside them. The
# archive's own tables come last; their header row is unmistakable.
PUBLICATION_FORMATS: list[type[RecordFormat]] = [
    BookSciJSON,
    SemanticScholarJSON,
    CrossrefJSON,
    RIS,
    BibTeX,
    PublicationCSV,
    PublicationTSV,
    PublicationXLSX,
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
        _("Cannot tell the format of %(file)s; name it with --format (%(formats)s).")
        % {"file": file_name, "formats": ", ".join(formats_by_name())}
    )
