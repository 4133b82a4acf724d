"""Export formats whose text cells cannot run as spreadsheet formulae.

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"); such cells get a leading apostrophe,
which spreadsheets show as text. django-import-export's own setting only strips a leading "=".
"""

from import_export.formats import base_formats

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
    pass


class SafeJSON(base_formats.JSON):
    """JSON is read by programs, not spreadsheets: values are exported as they are."""


EXPORT_FORMATS = [SafeCSV, SafeXLSX, SafeJSON, SafeTSV]


def restore(value: str) -> str:
    """Read back a cell written by `neutralise`: "'=1+1" -> "=1+1"; other text unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value
