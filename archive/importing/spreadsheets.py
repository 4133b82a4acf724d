"""Reading the archive's own CSV, TSV and XLSX files.

The readers here stream a table a row at a time (the publication formats in formats.py use
them); the django-import-export formats at the end read the people, event and journal files.
Cells come in as they are and `cell_text` turns them into the text they show, undoing the
apostrophe that the export formats put before a would-be formula
(archive.exporting.formats.restore).

An XLSX formula is read as the text of the formula, never as a value: openpyxl does not
evaluate formulas, and the value a spreadsheet program cached for one is not taken either.
openpyxl parses a workbook's XML with defusedxml (installed for it), which refuses entity
declarations, or with lxml's parser that does not expand entities: a "billion laughs" workbook is
an ImportFileError, not exhausted memory.
"""

import csv
import datetime
import io
import sys
import zipfile
from collections.abc import Iterator
from contextlib import suppress

import tablib
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from import_export.formats import base_formats

from archive.exporting.formats import restore
from archive.importing.reading import ImportFileError, decode_text, not_utf8

# A cell may hold a whole record as received (raw_record); the csv module's default limit of
# 128 KB is less than some Crossref records with their reference lists.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def cell_text(value) -> str:
    """A cell as the text it shows: spreadsheets hand over numbers and dates, not text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return restore(str(value))


def iter_delimited(stream, *, delimiter: str) -> Iterator[list[str]]:
    """The rows of a CSV or TSV file, a line at a time; a UTF-8 byte-order mark (which Excel
    writes) is dropped, and any other encoding than UTF-8 is refused."""
    buffered = stream if isinstance(stream, io.BufferedIOBase) else io.BufferedReader(stream)
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from reader
    except UnicodeDecodeError as error:
        raise not_utf8(_offset(buffered, error)) from error
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)s cannot be read (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from error
    finally:
        # The caller owns the stream: leave it open (unless it was closed already).
        with suppress(ValueError):
            text.detach()


def _offset(buffered, error: UnicodeDecodeError) -> int | None:
    # The decoder was given the bytes read last, which end where the stream now stands.
    try:
        return buffered.tell() - len(error.object) + error.start
    except (OSError, ValueError, AttributeError):
        return None


def iter_workbook(stream) -> Iterator[tuple]:
    """The rows of an .xlsx workbook's active sheet, as cell values; a formula as its text."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True)
    except (*_XML_REFUSED, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        if _xml_refused(error):
            raise ImportFileError(_(XML_REFUSED_MESSAGE)) from error
        raise ImportFileError(
            _("The file is not an Excel workbook (.xlsx). Save it as .xlsx, or as CSV.")
        ) from error
    try:
        for values in workbook.active.iter_rows(values_only=True):
            yield tuple(_cell(value) for value in values)
    except _XML_REFUSED as error:  # a sheet is parsed only as its rows are read
        raise ImportFileError(_(XML_REFUSED_MESSAGE)) from error
    finally:
        workbook.close()


# defusedxml refuses entity declarations; lxml and ElementTree raise a SyntaxError (for an entity
# expanding too far, or malformed XML). openpyxl wraps some of these in a ValueError.
_XML_REFUSED = (DefusedXmlException, SyntaxError)
XML_REFUSED_MESSAGE = gettext_noop(
    "The workbook's XML declares entities or is malformed; the archive does not read it, as "
    "entities can make a small file expand beyond any memory. Save it again from a spreadsheet "
    "program, or as CSV."
)


def _xml_refused(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, _XML_REFUSED):
            return True
        error = error.__cause__ or error.__context__
    return False


def _cell(value):
    # An array formula comes as an object holding the formula's text.
    value = getattr(value, "text", value)
    if isinstance(value, str) and value.startswith("'\n"):
        # XML turns a carriage return into a line feed (XML 1.0 §2.11), so the neutralised
        # "'\r…" the export wrote reads back as "'\n…".
        return "'\r" + value[2:]
    return value


# --- people, events and journals: django-import-export formats --------------------------------


class _Text:
    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = decode_text(in_stream)
        dataset = super().create_dataset(in_stream.lstrip("\ufeff"), **kwargs)
        # A spreadsheet saved as CSV keeps its empty rows as lines of commas.
        for index in reversed(range(len(dataset))):
            if all(cell in (None, "") for cell in dataset[index]):
                del dataset[index]
        return dataset


class CSV(_Text, base_formats.CSV):
    name = "csv"


class TSV(_Text, base_formats.TSV):
    name = "tsv"


class XLSX(base_formats.XLSX):
    name = "xlsx"

    def create_dataset(self, in_stream):
        rows = iter_workbook(io.BytesIO(in_stream))
        headers = list(next(rows, ()))
        while headers and headers[-1] in (None, ""):
            headers.pop()
        dataset = tablib.Dataset(headers=[str(h) if h is not None else "" for h in headers])
        width = len(headers)
        for values in rows:
            cells = list(values[:width])
            if all(cell in (None, "") for cell in cells):
                continue
            dataset.append(cells + [None] * (width - len(cells)))
        return dataset


TABLE_FORMATS = [CSV, TSV, XLSX]
