"""Export formats whose text cells cannot run as spreadsheet formulae.

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"); such cells get a leading apostrophe,
which spreadsheets show as text. django-import-export's own setting only strips a leading "=".
"""

from import_export.formats import base_formats
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value, made inert if it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_dataset(dataset):
    for index in range(len(dataset)):
        row = dataset[index]
        if any(isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES) for cell in row):
            dataset[index] = [neutralise(cell) for cell in row]
    return dataset


class _Neutralising:
    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralise_dataset(dataset), **kwargs)

    def _escape_formulae(self, dataset):
        """Replaced by neutralise_dataset, which also handles +, -, @, tab and CR."""


class SafeCSV(_Neutralising, base_formats.CSV):
    pass


class SafeTSV(_Neutralising, base_formats.TSV):
    pass


class SafeXLSX(_Neutralising, base_formats.XLSX):
    """A workbook is XML 1.0, which cannot hold the C0 control characters other than tab, line
    feed and carriage return: openpyxl refuses the whole file for one of them in one cell. They
    are dropped from the cells (CSV, TSV and JSON keep them)."""

    def export_data(self, dataset, **kwargs):
        for index in range(len(dataset)):
            row = dataset[index]
            if any(isinstance(cell, str) and ILLEGAL_CHARACTERS_RE.search(cell) for cell in row):
                dataset[index] = [
                    ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
                    for cell in row
                ]
        return super().export_data(dataset, **kwargs)


class SafeJSON(base_formats.JSON):
    """JSON is read by programs, not spreadsheets: values are exported as they are."""

    def _escape_formulae(self, dataset):
        """Not done: django-import-export's would drop a leading "=" from the text and turn
        every value into text (None into "None")."""


EXPORT_FORMATS = [SafeCSV, SafeXLSX, SafeJSON, SafeTSV]


def restore(value: str) -> str:
    """Read back a cell written by `neutralise`: "'=1+1" -> "=1+1"; other text unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value
