"""BibTeX files, and the biblatex fields reference managers add, read by bibtexparser 2.

Quirks handled: `author` is "Last, First and First Last and {Corporate Name}", and each name
stays one name as written; LaTeX is decoded to Unicode ({\\"o} -> ö, `--` -> –), \\emph and
\\textit become <i>, and the braces that protect capitals are dropped; values may be braced,
quoted or @string abbreviations; `pages` "437--457"; `month` a number, "jun" or "June"; `doi`
may be a resolver link. URLs and DOIs are read verbatim, since LaTeX takes "%" for a comment. An
entry repeating the key of an earlier one is skipped, as BibTeX itself does. Editors, publisher,
ISBN and the book a chapter or paper appeared in (`booktitle`) have no place in a canonical row;
they stay in the stored record.
"""

import re
from collections.abc import Iterator

import bibtexparser
from bibtexparser.middlewares import NormalizeFieldKeys, SeparateCoAuthors
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)
from django.utils.translation import gettext as _
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexWalkerError

from archive import dates
from archive.identifiers import normalize_doi
from archive.importing import canonical
from archive.importing.cleaning import clean_abstract, clean_text, clean_title

_HEAD = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_VERBATIM_ESCAPE = re.compile(r"\\([_%&#$~])")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ARTICLE_TYPES = {"article", "periodical", "suppperiodical"}
_TYPES = {
    "article": "journal-article",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "inbook": "book-chapter",
    "incollection": "book-chapter",
    "bookinbook": "book-chapter",
    "collection": "edited-book",
    "proceedings": "edited-book",
    "inproceedings": "conference-paper",
    "conference": "conference-paper",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "dataset": "dataset",
}


class FormatError(ValueError):
    """The file as a whole cannot be read as BibTeX."""


def _latex_decoder() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    context.add_context_category(
        "archive",
        prepend=True,
        macros=[
            MacroTextSpec("emph", simplify_repl="<i>%s</i>"),
            MacroTextSpec("textit", simplify_repl="<i>%s</i>"),
            MacroTextSpec("textbf", simplify_repl="<b>%s</b>"),
            MacroTextSpec("url", simplify_repl="%s"),
        ],
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_LATEX = _latex_decoder()


def looks_like(head: bytes) -> bool:
    text = head.decode("utf-8", "ignore").lstrip("\ufeff")
    return not text.lstrip().startswith(("{", "[")) and bool(_HEAD.search(text))


def iter_records(text: str) -> Iterator[tuple[int, Entry | DuplicateBlockKeyBlock]]:
    """(number, entry) for every entry; a repeated key comes as a DuplicateBlockKeyBlock."""
    # Months are read by _month(): bibtexparser's MonthIntMiddleware fails on one such as "¹".
    library = bibtexparser.parse_string(
        text, append_middleware=[NormalizeFieldKeys(), SeparateCoAuthors()]
    )
    number = 0
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            if isinstance(block.ignore_error_block, Entry):
                number += 1
                yield number, block
        elif isinstance(block, ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", "") or str(block.error)
            if isinstance(block, DuplicateFieldKeyBlock):
                reason = _("it gives %(fields)s more than once") % {
                    "fields": ", ".join(sorted(block.duplicate_keys))
                }
            raise FormatError(
                _("The entry starting on line %(line)s cannot be read as BibTeX: %(reason)s.")
                % {
                    "line": (block.start_line or 0) + 1,
                    "reason": clean_text(reason)[:200] or _("it is not well formed"),
                }
            )
        elif isinstance(block, Entry):
            number += 1
            yield number, block
    if not number:
        raise FormatError(
            _("The file holds no BibTeX entries: none starts with @article{, @book{ or the like.")
        )


def skip_reason(entry: Entry | DuplicateBlockKeyBlock) -> str:
    if isinstance(entry, DuplicateBlockKeyBlock):
        earlier = (entry.previous_block.start_line or 0) + 1
        return _(
            "the entry on line %(line)s repeats the key “%(key)s” of the entry on line "
            "%(earlier)s; like BibTeX, the archive reads the first one only"
        ) % {"line": (entry.start_line or 0) + 1, "key": entry.key, "earlier": earlier}
    return ""


def to_row(entry: Entry) -> dict:
    """One BibTeX entry as a canonical publication row."""
    fields = {field.key: field.value for field in entry.fields}
    kind = entry.entry_type.lower()
    authors = [_decode(name) for name in _names(fields.get("author"))]
    if kind == "book" and not authors and fields.get("editor"):
        kind = "collection"
    first_page, last_page = canonical.split_pages(_decode(fields.get("pages")))
    issns = canonical.issns(_decode(fields.get("issn")))
    keywords = _decode(fields.get("keywords"))
    return canonical.row(
        doi=normalize_doi(_verbatim(fields.get("doi"))),
        title=clean_title(_decode(fields.get("title"))),
        language=canonical.language_code(_decode(fields.get("language"))),
        abstract=clean_abstract(_decode(fields.get("abstract"))),
        authors=canonical.join_list(authors),
        publication_type=_TYPES.get(kind, "other"),
        publication_date=_date(fields),
        journal=_decode(fields.get("journal")) or _decode(fields.get("journaltitle")),
        journal_issn_print=issns[0] if issns else "",
        journal_issn_electronic=issns[1] if len(issns) > 1 else "",
        volume=_decode(fields.get("volume")),
        issue=_decode(fields.get("number") if kind in _ARTICLE_TYPES else fields.get("issue")),
        first_page=first_page,
        last_page=last_page,
        url=_verbatim(fields.get("url")),
        keywords=canonical.join_list(
            re.split(r"\s*;\s*" if ";" in keywords else r"\s*,\s*", keywords)
        ),
        raw_record=canonical.dump_json({"ENTRYTYPE": entry.entry_type, "ID": entry.key, **fields}),
    )


def _date(fields: dict) -> str:
    """From biblatex `date` ("2018-04-25", "2018-04"), else `year`, `month` and `day`."""
    given = _decode(fields.get("date")).split("/")[0]
    if re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", given):
        return given
    year = re.match(r"\d{4}(?!\d)", _decode(fields.get("year")))  # "2018", "2018a"
    if not year:
        return ""
    month = _month(fields.get("month"))
    day = _decode(fields.get("day"))
    return dates.from_parts(int(year[0]), month, int(day) if month and day.isdecimal() else None)


def _month(value) -> int | None:
    if isinstance(value, int):
        return value if 1 <= value <= 12 else None
    text = _decode(value).lower()
    if text.isdecimal():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTHS.index(text[:3]) + 1 if text[:3] in _MONTHS else None


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [name for name in value or [] if isinstance(name, str) and name.strip()]


def _decode(value) -> str:
    """LaTeX as one line of Unicode text."""
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        text = _LATEX.latex_to_text(value)
    except LatexWalkerError:
        text = value
    return clean_text(text.replace("\xa0", " "))


def _verbatim(value) -> str:
    """A URL or DOI as written, without the braces and escapes BibTeX asks for."""
    if not isinstance(value, str):
        return ""
    text = re.sub(r"^\\url\{(.*)\}$", r"\1", value.strip())
    return clean_text(_VERBATIM_ESCAPE.sub(r"\1", text).replace("{", "").replace("}", ""))
