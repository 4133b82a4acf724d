"""The canonical publication row: the columns of the archive's own CSV, which every format becomes.

Lists in a cell are separated by "; " (authors, keywords). Translations and journal metrics are
JSON in their cell, since a title can hold any punctuation.
"""

import json
import re

import orjson
from django.utils.translation import gettext as _

PUBLICATION_COLUMNS = [
    "doi",
    "title",
    "language",
    "title_translations",
    "abstract",
    "abstract_translations",
    "authors",
    "publication_type",
    "publication_date",
    "journal",
    "journal_issn_print",
    "journal_issn_electronic",
    "journal_ids",
    "journal_metrics",
    "volume",
    "issue",
    "first_page",
    "last_page",
    "url",
    "is_open_access",
    "pdf_url",
    "citation_count",
    "citation_count_date",
    "keywords",
    "source_platform",
    "source_id",
    "raw_record",
]

LIST_SEPARATOR = "; "
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def may_hold_long_integer(data: bytes) -> bool:
    """Whether JSON has 19 digits in a row: maybe an integer past 64 bits, which orjson reads as a
    float where json and ijson read it exactly (or ijson refuses it). Checked by translation and
    a substring search, ten times faster than a regular expression over a 3 KB record."""
    return b"0000000000000000000" in data.translate(_DIGITS_AS_ZERO)


def join_list(values) -> str:
    return LIST_SEPARATOR.join(value for value in values if value)


def split_list(cell) -> list[str]:
    if not cell:
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def dump_json(value) -> str:
    if value in (None, "", [], {}):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def load_json(cell, *, column: str):
    if cell in (None, ""):
        return None
    if isinstance(cell, (dict, list)):
        return cell
    if type(cell) is str:
        # orjson reads a record's 3 KB several times faster; json takes what it refuses (NaN,
        # text that is no UTF-8) and what it would read otherwise (long integers).
        try:
            data = cell.encode()
            if not may_hold_long_integer(data):
                return orjson.loads(data)
        except ValueError:  # UnicodeEncodeError and orjson.JSONDecodeError
            pass
    try:
        return json.loads(cell)
    except (TypeError, ValueError) as error:
        raise ValueError(
            _("%(column)s must be JSON, e.g. %(example)s")
            % {"column": column, "example": JSON_EXAMPLES[column]}
        ) from error


JSON_EXAMPLES = {
    "title_translations": '[{"language": "zh", "title": "…", "machine_translation": true}]',
    "abstract_translations": '[{"language": "zh", "text": "…", "machine_translation": true}]',
    "journal_metrics": '[{"system": "jcr", "impact_factor": "0.4", "quartile": "Q1", '
    '"category": "HISTORY"}]',
    "raw_record": '{"title": "…"}',
}


# --- building a row: the small conversions every format needs -------------------------------

_ISSN = re.compile(r"(?<![\dXx-])(\d{4})-?(\d{3}[\dXx])(?![\dXx-])")
_SPACED_DASH = re.compile(r"\s+[-‐‑–—]+\s+")
_LONG_DASH = re.compile(r"\s*(?:[–—]+|--+)\s*")
# ISO 639-2 codes that library exports (RIS, MARC-derived BibTeX) use for the archive's languages.
_ISO_639_2 = {
    "eng": "en", "chi": "zh", "zho": "zh", "rus": "ru", "jpn": "ja", "kor": "ko", "ger": "de",
    "deu": "de", "fre": "fr", "fra": "fr", "spa": "es", "por": "pt", "ita": "it", "pol": "pl",
    "cze": "cs", "ces": "cs", "hun": "hu", "mon": "mn", "vie": "vi",
}  # fmt: skip


def row(**cells) -> dict:
    """A complete canonical row: every column present, "" where the source says nothing."""
    unknown = set(cells) - set(PUBLICATION_COLUMNS)
    if unknown:
        raise KeyError(f"Not canonical columns: {', '.join(sorted(unknown))}")
    return {column: cells.get(column) or "" for column in PUBLICATION_COLUMNS}


def split_pages(value) -> tuple[str, str]:
    """(first, last) page as printed: "437-457", "437--457", "e941209-1 - e941209-4", "e88528"."""
    text = " ".join(str(value or "").split())
    for separator in (_SPACED_DASH, _LONG_DASH):
        first, dash, last = _partition(separator, text)
        if dash:
            return first, last
    if text.count("-") == 1:
        first, _, last = text.partition("-")
        return first.strip(), last.strip()
    return text, ""


def _partition(pattern: re.Pattern, text: str) -> tuple[str, str, str]:
    match = pattern.search(text)
    if not match:
        return text, "", ""
    return text[: match.start()].strip(), match.group(0), text[match.end() :].strip()


def flag(value) -> str:
    """A yes or no as "true" or "false"; "" when the source does not say."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return {"true": "true", "false": "false"}.get(value.strip().lower(), "")
    return str(bool(value)).lower()


def whole_number(value) -> str:
    """A count as digits; "" when absent or not a number."""
    if isinstance(value, bool) or value is None:
        return ""
    try:
        return str(int(float(str(value).strip())))
    except ValueError:
        return ""


def issns(value) -> list[str]:
    """Every ISSN in a cell ("0028-0836", "2050084X", "ISSN 0028-0836; 1476-4687"), hyphenated.
    ISBNs and other numbers in the same cell are left out."""
    found = [f"{left}-{right.upper()}" for left, right in _ISSN.findall(str(value or ""))]
    return list(dict.fromkeys(found))


def language_code(value) -> str:
    """The archive's code for a language given as a code or an English name ("en", "eng",
    "en-GB", "English"); "" for languages the archive does not list, so the row imports as
    undetermined instead of failing."""
    from archive.models.base import Language  # models are ready only once Django is set up

    text = str(value or "").strip()
    if not text:
        return ""
    codes = {code.lower(): code for code in Language.values}
    names = {member.name.lower(): member.value for member in Language}
    lowered = text.lower().replace("_", "-")
    return (
        codes.get(lowered)
        or names.get(lowered)
        or _ISO_639_2.get(lowered)
        or codes.get(lowered.split("-")[0], "")
    )
