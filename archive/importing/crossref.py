"""Crossref REST API works (api.crossref.org/works), as the API answers them.

A file may hold one answer for a single work (`{"message": {...}}`), a page of a list
(`{"message": {"items": [...]}}`), or bare work objects (one, a JSON array, JSON Lines).

Quirks handled: `title` and `container-title` are lists; titles carry `<i>` and the newlines of
the publisher's XML; abstracts are JATS (`<jats:p>`, `<jats:sec>`, `<jats:title>`); a date is
`date-parts` of a year, a year and month, a full day or `[[null]]`; an author may have given and
family names, a family name only, or only a `name` (an organisation); a family name "-" marks a
person known by one name. A chapter's or proceedings paper's container is a book, not a journal:
it becomes the journal only when it has an ISSN (a book series). ORCIDs and affiliations cannot
be kept per author in a canonical row; they stay in the stored record.
"""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from archive import dates
from archive.identifiers import normalize_doi
from archive.importing import canonical, jsonstream
from archive.importing.cleaning import clean_abstract, clean_title
from archive.importing.jsonstream import array, obj, objects, text

PLATFORM = "Crossref"
_JOURNAL_TYPES = {"journal-article", "journal-issue", "journal-volume", "journal"}
# Crossref's work types (api.crossref.org/types) as the archive's; the rest are "other".
_TYPES = {
    "journal-article": "journal-article",
    "book": "book",
    "monograph": "book",
    "reference-book": "book",
    "edited-book": "edited-book",
    "proceedings": "edited-book",
    "book-chapter": "book-chapter",
    "book-section": "book-chapter",
    "book-part": "book-chapter",
    "proceedings-article": "conference-paper",
    "dissertation": "thesis",
    "report": "report",
    "report-component": "report",
    "dataset": "dataset",
    "database": "dataset",
}
_DATES = ("issued", "published-print", "published-online", "published")


class FormatError(ValueError):
    """The file as a whole cannot be read as Crossref works."""


def looks_like(head: bytes) -> bool:
    text = head.decode("utf-8", "ignore")
    return '"message-type"' in text or ('"DOI"' in text and '"container-title"' in text)


def iter_records(stream) -> Iterator[tuple[int, dict]]:
    """(number, work) for every work in the file."""
    try:
        for number, value in jsonstream.iter_records(stream, lists=("message.items",)):
            if isinstance(value, dict) and "message" in value:
                value = _message(value)
            if not isinstance(value, dict):
                raise FormatError(_("Record %(number)s is not a JSON object.") % {"number": number})
            if "DOI" not in value and not isinstance(value.get("title"), list):
                raise FormatError(
                    _(
                        "Record %(number)s is not a Crossref work: it has no DOI and no list of titles."
                    )
                    % {"number": number}
                )
            yield number, value
    except jsonstream.JSONFileError as error:
        raise FormatError(str(error)) from error


def _message(answer: dict) -> dict:
    message = answer["message"]
    if answer.get("status") not in (None, "ok") or not isinstance(message, dict):
        detail = text(objects(message)[0].get("message")) if objects(message) else ""
        if detail:
            raise FormatError(
                _("The file is an error message from Crossref, not works: “%(message)s”.")
                % {"message": detail[:200]}
            )
        raise FormatError(_("The file is an error message from Crossref, not works."))
    return message


def to_row(work: dict) -> dict:
    """One Crossref work as a canonical publication row."""
    work_type = text(work.get("type"))
    issns = _issns(work)
    containers = [text(title) for title in array(work.get("container-title"))]
    in_journal = work_type in _JOURNAL_TYPES or any(issns.values())
    first_page, last_page = canonical.split_pages(text(work.get("page")))
    doi = normalize_doi(text(work.get("DOI")))
    return canonical.row(
        doi=doi,
        title=_title(work),
        language=canonical.language_code(work.get("language")),
        abstract=clean_abstract(text(work.get("abstract"))),
        authors=canonical.join_list(_name(author) for author in objects(work.get("author"))),
        publication_type=_TYPES.get(work_type, "other" if work_type else ""),
        publication_date=_date(work),
        journal=next((name for name in containers if name), "") if in_journal else "",
        journal_issn_print=issns["print"],
        journal_issn_electronic=issns["electronic"],
        volume=text(work.get("volume")),
        issue=text(work.get("issue")),
        first_page=first_page or text(work.get("article-number")),
        last_page=last_page,
        url=text(obj(obj(work.get("resource")).get("primary")).get("URL")) or text(work.get("URL")),
        citation_count=canonical.whole_number(work.get("is-referenced-by-count")),
        citation_count_date=_indexed_on(work) if "is-referenced-by-count" in work else "",
        keywords=canonical.join_list(text(subject) for subject in array(work.get("subject"))),
        source_platform=PLATFORM,
        source_id=doi,
        raw_record=canonical.dump_json(work),
    )


def _title(work: dict) -> str:
    title = next((t for t in (text(t) for t in array(work.get("title"))) if t), "")
    subtitle = next((t for t in (text(t) for t in array(work.get("subtitle"))) if t), "")
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title.rstrip(' :')}: {subtitle}" if title else subtitle
    return clean_title(title)


def _name(author: dict) -> str:
    if text(author.get("name")):
        return text(author["name"])
    family = text(author.get("family"))
    if family.strip("-–") == "":
        family = ""
    return " ".join(part for part in (text(author.get("given")), family) if part)


def _issns(work: dict) -> dict[str, str]:
    typed = {"print": "", "electronic": ""}
    for item in objects(work.get("issn-type")):
        kind, value = text(item.get("type")), canonical.issns(item.get("value"))
        # Some publishers register one ISSN as both; it is kept once, as the type listed first.
        if kind in typed and value and not typed[kind] and value[0] not in typed.values():
            typed[kind] = value[0]
    if not any(typed.values()):
        # Untyped, the first ISSN is taken as the print one; journals match on either.
        untyped = [issn for value in array(work.get("ISSN")) for issn in canonical.issns(value)]
        typed["print"] = untyped[0] if untyped else ""
    return typed


def _date(work: dict) -> str:
    for key in _DATES:
        parts = array(obj(work.get(key)).get("date-parts"))
        numbers = []
        for part in array(parts[0]) if parts else []:
            if not text(part).isdecimal():
                break
            numbers.append(int(text(part)))
        if numbers:
            return dates.from_parts(*numbers[:3])
    return ""


def _indexed_on(work: dict) -> str:
    # The count is as of Crossref's last indexing of the work.
    return text(obj(work.get("indexed")).get("date-time"))[:10]
