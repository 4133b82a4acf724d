"""File formats the admin import page and `import_records` accept, as django-import-export formats.

Each turns a file into a tablib Dataset of canonical publication rows (see canonical.py), so one
resource does the matching, validation and preview for all of them.
"""

import tablib
from import_export.formats.base_formats import Format

from archive.importing import booksci, canonical


class ImportFileError(ValueError):
    """The file cannot be read at all; the message says why, for the curator."""


class BookSciJSON(Format):
    """BookSci records: a JSON object, a JSON array of objects or JSON Lines."""

    name = "booksci"

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "BookSci JSON"

    def get_extension(self):
        return "json"

    def get_content_type(self):
        return "application/json"

    def can_import(self):
        return True

    def create_dataset(self, in_stream):
        dataset = tablib.Dataset(headers=canonical.PUBLICATION_COLUMNS)
        try:
            for number, record in booksci.parse_records(in_stream):
                try:
                    row = booksci.to_row(record)
                except ValueError as error:
                    raise ImportFileError(f"Record {number}: {error}") from error
                dataset.append([row[column] for column in canonical.PUBLICATION_COLUMNS])
        except UnicodeDecodeError as error:
            raise ImportFileError(
                "The file is not UTF-8 text. Save it as UTF-8 (GBK and Big5 are not accepted)."
            ) from error
        except booksci.FormatError as error:
            raise ImportFileError(str(error)) from error
        return dataset


PUBLICATION_FORMATS = [BookSciJSON]
FORMATS_BY_NAME = {format_class.name: format_class for format_class in PUBLICATION_FORMATS}


def detect(file_name: str, head: bytes) -> type[Format]:
    """The format of a file from its extension and first bytes."""
    lowered = file_name.lower()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if lowered.endswith((".json", ".jsonl", ".ndjson", ".txt")) or start in (b"{", b"["):
        return BookSciJSON
    raise ImportFileError(
        f"Cannot tell the format of {file_name}; name it with --format "
        f"({', '.join(FORMATS_BY_NAME)})."
    )
