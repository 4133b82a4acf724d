"""Reading the archive's own CSV, TSV and XLSX files, as django-import-export formats.

Cells come in as they are; the resources clean them, and undo the apostrophe that the export
formats put before a would-be formula (archive.exporting.formats.restore).

An XLSX formula is read as the text of the formula, never as a value: openpyxl does not
evaluate formulas, and the value a spreadsheet program cached for one is not taken either.
"""

import io
import zipfile

import tablib
from import_export.formats import base_formats

from archive.importing.formats import ImportFileError, decode_text


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
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise ImportFileError(
                "The file is not an Excel workbook (.xlsx). Save it as .xlsx, or as CSV."
            ) from error
        try:
            rows = workbook.active.iter_rows(values_only=True)
            headers = list(next(rows, ()))
            while headers and headers[-1] in (None, ""):
                headers.pop()
            dataset = tablib.Dataset(headers=[str(h) if h is not None else "" for h in headers])
            width = len(headers)
            for values in rows:
                cells = [_cell(value) for value in values[:width]]
                if all(cell in (None, "") for cell in cells):
                    continue
                dataset.append(cells + [None] * (width - len(cells)))
        finally:
            workbook.close()
        return dataset


def _cell(value):
    # An array formula comes as an object holding the formula's text.
    value = getattr(value, "text", value)
    if isinstance(value, str) and value.startswith("'\n"):
        # XML turns a carriage return into a line feed (XML 1.0 §2.11), so the neutralised
        # "'\r…" the export wrote reads back as "'\n…".
        return "'\r" + value[2:]
    return value


TABLE_FORMATS = [CSV, TSV, XLSX]
