"""Semantic Scholar Graph API papers (api.semanticscholar.org/graph/v1), as the API answers them.

A file may hold one paper, a JSON array of papers (the /paper/batch answer, where `null` stands
for an id Semantic Scholar does not know), JSON Lines, or result pages `{"data": [...]}` from
search, /author/{id}/papers, /paper/{id}/citations and /paper/{id}/references, whose items wrap
the paper as `citingPaper` or `citedPaper`.

Quirks handled: `journal.volume` may hold volume and issue ("92 5") or a Roman numeral ("LIX");
`journal.pages` may be padded with newlines or read "286:1-286:12"; a paper known only by its year
has `publicationDate` YYYY-01-01, so that day is read as the year alone; authors, journal, dates
and counts may all be null. The journal is `journal.name`, else `publicationVenue` when it is a
journal, else `venue` unless the paper is a conference paper, a book or a chapter. The citing and cited papers a paper may carry (`citations`,
`references`) are other works: they are not imported, and are left out of the stored record.
"""

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from archive.identifiers import normalize_doi
from archive.importing import canonical, jsonstream
from archive.importing.cleaning import clean_abstract, clean_title
from archive.importing.jsonstream import array, obj, objects, text

PLATFORM = "Semantic Scholar"
NOT_FOUND = gettext_noop("Semantic Scholar found no paper for this id")
WRAPPERS = ("citingPaper", "citedPaper")
_NOT_STORED = ("citations", "references", "embedding")
# Their `venue` is a conference or a book: it is not made a journal.
_NOT_IN_A_JOURNAL = {"conference-paper", "book-chapter", "book"}
# In order of precedence. "Review" comes late: Semantic Scholar's classifier gives it to many
# articles that are not reviews, beside "JournalArticle".
_TYPES = {
    "BookSection": "book-chapter",
    "JournalArticle": "journal-article",
    "Conference": "conference-paper",
    "Book": "book",
    "Review": "review",
    "Dataset": "dataset",
}


class FormatError(ValueError):
    """The file as a whole cannot be read as Semantic Scholar papers."""


def looks_like(head: bytes) -> bool:
    text = head.decode("utf-8", "ignore")
    return any(f'"{key}"' in text for key in ("paperId", "externalIds", *WRAPPERS))


def iter_records(stream) -> Iterator[tuple[int, dict | None]]:
    """(number, paper) for every paper in the file; the paper is None where the API found none."""
    try:
        for number, value in jsonstream.iter_records(stream, lists=("data",)):
            for wrapper in WRAPPERS:
                if isinstance(value, dict) and wrapper in value:
                    value = value[wrapper]
            if value is not None and not isinstance(value, dict):
                raise FormatError(_("Record %(number)s is not a JSON object.") % {"number": number})
            if value is not None and "paperId" not in value and "title" not in value:
                message = text(value.get("error")) or text(value.get("message"))
                if message:
                    raise FormatError(
                        _(
                            "The file is an error message from Semantic Scholar, not papers: “%(message)s”."
                        )
                        % {"message": message[:200]}
                    )
                raise FormatError(
                    _(
                        "Record %(number)s is not a Semantic Scholar paper: it has neither a "
                        "paperId nor a title."
                    )
                    % {"number": number}
                )
            yield number, value
    except jsonstream.JSONFileError as error:
        raise FormatError(str(error)) from error


def skip_reason(paper: dict | None) -> str:
    return _(NOT_FOUND) if paper is None else ""


def to_row(paper: dict) -> dict:
    """One Graph API paper as a canonical publication row."""
    publication_type = _publication_type(paper.get("publicationTypes"))
    journal = obj(paper.get("journal"))
    venue = obj(paper.get("publicationVenue"))
    journal_name = text(journal.get("name"))
    if not journal_name and text(venue.get("type")) == "journal":
        journal_name = text(venue.get("name"))
    if not journal_name and publication_type not in _NOT_IN_A_JOURNAL:
        journal_name = text(paper.get("venue"))
    same_venue = journal_name.casefold() == text(venue.get("name")).casefold()
    volume, _, issue = text(journal.get("volume")).partition(" ")
    first_page, last_page = canonical.split_pages(text(journal.get("pages")))
    pdf = obj(paper.get("openAccessPdf"))
    return canonical.row(
        doi=normalize_doi(text(obj(paper.get("externalIds")).get("DOI"))),
        title=clean_title(text(paper.get("title"))),
        abstract=clean_abstract(text(paper.get("abstract"))),
        authors=canonical.join_list(text(a.get("name")) for a in objects(paper.get("authors"))),
        publication_type=publication_type,
        publication_date=_date(paper),
        journal=journal_name,
        journal_issn_print=next(iter(canonical.issns(venue.get("issn"))), "") if same_venue else "",
        volume=volume,
        issue=issue.strip(),
        first_page=first_page,
        last_page=last_page,
        url=text(paper.get("url")),
        is_open_access=canonical.flag(paper.get("isOpenAccess")),
        pdf_url=text(pdf.get("url")),
        citation_count=canonical.whole_number(paper.get("citationCount")),
        keywords=canonical.join_list(_keywords(paper)),
        source_platform=PLATFORM,
        source_id=text(paper.get("paperId")),
        raw_record=canonical.dump_json(
            {key: value for key, value in paper.items() if key not in _NOT_STORED}
        ),
    )


def _date(paper: dict) -> str:
    date = text(paper.get("publicationDate"))
    if len(date) == 10 and not date.endswith("-01-01"):
        return date
    year = date[:4] if date else canonical.whole_number(paper.get("year"))
    return year if year.isdigit() else ""


def _publication_type(value) -> str:
    listed = [text(item) for item in array(value)]
    for source_type, archive_type in _TYPES.items():
        if source_type in listed:
            return archive_type
    return "other" if any(listed) else ""


def _keywords(paper: dict) -> list[str]:
    fields = [text(field) for field in array(paper.get("fieldsOfStudy"))]
    fields += [text(field.get("category")) for field in objects(paper.get("s2FieldsOfStudy"))]
    return list(dict.fromkeys(field for field in fields if field))
