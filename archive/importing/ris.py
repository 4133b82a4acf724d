"""RIS files (the Research Information Systems tagged format), as reference managers export them.

Lines are read by rispy; records are cut here, so that a bad line can be named and a last record
without `ER` is not lost. Quirks handled: a tag line with odd spacing (`TY -  BOOK`) is still a
tag line; lines before the first `TY` (export headers such as "Provider: JSTOR") are ignored;
authors are one per `AU`/`A1` line, often "Family, Given", and stay one name each; dates are
`YYYY`, `YYYY/MM/DD/other` or `YYYY///`; `SN` holds an ISSN or an ISBN, and only ISSNs are kept.
Editors (`A2`, `ED`), publisher and place, ISBNs and notes (`N1`) have no place in a canonical
row; they stay in the stored record.
"""

import re
from collections.abc import Iterator

import rispy
from django.utils.translation import gettext as _

from archive import dates
from archive.identifiers import normalize_doi
from archive.importing import canonical
from archive.importing.cleaning import clean_abstract, clean_text, clean_title

# The standard tag line is "TY  - value"; exports also write "TY -  value" for the tags they know.
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*)|)$")
_LOOSE_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,3}-(?: +(.*)|)$")
_HEAD = re.compile(r"^\s*TY {1,3}-", re.MULTILINE)
_DOI_LINK = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_TYPES = {
    "JOUR": "journal-article",
    "EJOUR": "journal-article",
    "JFULL": "journal-article",
    "INPR": "journal-article",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "edited-book",
    "CHAP": "book-chapter",
    "ECHAP": "book-chapter",
    "CONF": "conference-paper",
    "CPAPER": "conference-paper",
    "THES": "thesis",
    "RPRT": "report",
    "DATA": "dataset",
    "DBASE": "dataset",
}
# For these, T2 (secondary title) is the journal; for a chapter it is the book, for a paper the
# conference.
_JOURNAL_TYPES = {
    kind for kind, archive_type in _TYPES.items() if archive_type == "journal-article"
}


class FormatError(ValueError):
    """The file as a whole cannot be read as RIS."""


class _Parser(rispy.RisParser):
    """rispy's parser, keeping every SN line and reading tag lines with odd spacing."""

    DEFAULT_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "SN"]

    def parse_line(self, line):
        line = line.rstrip()
        match = _TAG_LINE.match(line)
        loose = _LOOSE_TAG_LINE.match(line)
        if not match and loose and loose.group(1) in self.mapping:
            match = loose
        if match:
            return match.group(1), (match.group(2) or "").strip()
        return None, line.strip()


def looks_like(head: bytes) -> bool:
    return bool(_HEAD.search(head.decode("utf-8", "ignore").lstrip("\ufeff")))


def iter_records(text: str) -> Iterator[tuple[int, dict]]:
    """(number, record) for every record, in the order of the file."""
    parser = _Parser()
    lines: list[str] = []
    number = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        tag, content = parser.parse_line(line)
        if tag == "TY":
            if lines:
                number += 1
                yield number, _parse(parser, lines)
            lines = [line]
        elif not lines:
            continue
        elif tag == "ER":
            number += 1
            yield number, _parse(parser, [*lines, line])
            lines = []
        elif tag is None and content and len(lines) == 1:
            raise FormatError(
                _(
                    "Line %(line)s: “%(content)s” is not a RIS tag line; a record's lines start "
                    "with a tag such as “TI  - ”."
                )
                % {"line": line_number, "content": content[:60]}
            )
        else:
            lines.append(line)
    if lines:
        number += 1
        yield number, _parse(parser, lines)
    if not number:
        raise FormatError(_("The file holds no RIS records: no line starts with “TY  - ”."))


def _parse(parser: _Parser, lines: list[str]) -> dict:
    ending = [] if parser.parse_line(lines[-1])[0] == "ER" else ["ER  - "]
    return parser.parse("\n".join(line for line in [*lines, *ending] if line.strip()))[0]


def to_row(record: dict) -> dict:
    """One RIS record as a canonical publication row."""
    kind = _text(record.get("type_of_reference")).upper()
    journal_tags = ["alternate_title3", "journal_name", "alternate_title2", "alternate_title1"]
    if kind in _JOURNAL_TYPES:
        journal_tags.insert(1, "secondary_title")
    first_page, last_page = _text(record.get("start_page")), _text(record.get("end_page"))
    if first_page and not last_page:
        first_page, last_page = canonical.split_pages(first_page)
    issns = [issn for value in _all(record, "issn") for issn in canonical.issns(value)]
    urls = _all(record, "urls")
    doi = normalize_doi(_text(record.get("doi")))
    if not doi:
        doi = next((normalize_doi(url) for url in urls if _DOI_LINK.match(url)), "")
    return canonical.row(
        doi=doi,
        title=clean_title(_first(record, "title", "primary_title", "short_title")),
        language=canonical.language_code(_first(record, "language")),
        abstract=clean_abstract(_first(record, "abstract", "notes_abstract")),
        authors=canonical.join_list(
            dict.fromkeys([*_all(record, "authors"), *_all(record, "first_authors")])
        ),
        publication_type=_TYPES.get(kind, "other" if kind else ""),
        publication_date=_date(record),
        journal=_first(record, *journal_tags),
        journal_issn_print=issns[0] if issns else "",
        journal_issn_electronic=issns[1] if len(issns) > 1 else "",
        volume=_text(record.get("volume")),
        issue=_text(record.get("number")),
        first_page=first_page,
        last_page=last_page,
        url=next((url for url in urls if not _DOI_LINK.match(url)), ""),
        keywords=canonical.join_list(_all(record, "keywords")),
        source_platform=_first(record, "database_provider", "name_of_database"),
        raw_record=canonical.dump_json(record),
    )


def _date(record: dict) -> str:
    """The most precise of PY, DA and Y1 ("2018", "2018/4/25", "2018///", "2018-04-25")."""
    found = []
    for key in ("year", "date", "publication_year"):
        parts = re.split(r"[/-]", _text(record.get(key)))
        numbers = []
        for part in parts[:3]:
            # ASCII digits only: str.isdigit() also accepts "¹", which int() refuses.
            if not re.fullmatch(r"[0-9]+", part.strip()) or not int(part):
                break
            numbers.append(int(part))
        if numbers and len(parts[0].strip()) == 4:
            found.append(dates.from_parts(*numbers))
    year = found[0][:4] if found else ""
    return max((d for d in found if d.startswith(year)), key=len, default="")


def _text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return clean_text(value) if isinstance(value, str) else ""


def _all(record: dict, key: str) -> list[str]:
    value = record.get(key)
    values = value if isinstance(value, list) else [value]
    return [clean_text(item) for item in values if isinstance(item, str) and item.strip()]


def _first(record: dict, *keys: str) -> str:
    return next((_text(record.get(key)) for key in keys if _text(record.get(key))), "")
