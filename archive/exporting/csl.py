"""The CSL item a publication is cited from (CSL-JSON, the Citation Style Language's data model):
its names, date, pages and journal, read from what the selectors fetched (published relations
only). The formatted citation, the CSL-JSON download and the BibTeX and RIS files
(`archive.exporting.citations`) and the pages' metadata (`archive.metadata`) all start here.

Names: the name as printed, "Family, Given" when printed with a comma; otherwise the person's
own family and given names when the printed name is their display name; otherwise split as
`names.split` does. A name in Han characters stays whole (a CSL `literal`), since citeproc-py
would write it as "Family, Given".
"""

import html
import re
from dataclasses import dataclass

import nh3

from archive import dates, names
from archive.models import Authorship, Publication, PublicationType

CSL_TYPES = {
    PublicationType.JOURNAL_ARTICLE: "article-journal",
    PublicationType.REVIEW: "review",
    PublicationType.BOOK: "book",
    PublicationType.BOOK_CHAPTER: "chapter",
    PublicationType.EDITED_BOOK: "book",
    PublicationType.CONFERENCE_PAPER: "paper-conference",
    PublicationType.THESIS: "thesis",
    PublicationType.REPORT: "report",
    PublicationType.DATASET: "dataset",
    PublicationType.OTHER: "document",
}
# For these the journal is where the work appeared; for the others it is a series.
IN_A_JOURNAL = {PublicationType.JOURNAL_ARTICLE, PublicationType.REVIEW}

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_INLINE_TAGS = {"i", "em", "b", "strong", "sub", "sup"}
INLINE_TAG = re.compile(r"(</?(?:i|em|b|strong|sub|sup)>)")
_CSL_TAGS = {"em": "i", "strong": "b"}


# Names


@dataclass(frozen=True)
class Name:
    """A creator's name as a citation needs it: family and given, or a literal kept whole."""

    family: str = ""
    given: str = ""
    literal: str = ""

    @property
    def inverted(self) -> str:
        """ "Gu, Ji-Dong"; a literal or a lone family name as it is."""
        if self.literal:
            return self.literal
        return f"{self.family}, {self.given}" if self.given else self.family


def name_of(authorship: Authorship) -> Name:
    printed = names.normalize(authorship.name_as_printed)
    person = getattr(authorship, "published_person", None)
    if not printed:
        printed = person.display_name if person else ""
    if _HAN.search(printed) or not printed:
        return Name(literal=printed)
    family, comma, given = printed.partition(",")
    if comma and family.strip() and given.strip():
        return Name(family=family.strip(), given=given.strip())
    if person and person.display_name == printed and person.family_name:
        return Name(family=person.family_name, given=person.given_names)
    family, given = names.split(printed)
    return Name(family=family, given=given)


def credits(publication: Publication) -> dict[str, list[Name]]:
    """Names by role ("author", "editor", "translator"), each in the order printed."""
    found: dict[str, list[Name]] = {role: [] for role in Authorship.Role.values}
    # Prefetched in CREDIT_ORDER: by role, then by position.
    for authorship in publication.authorships.all():
        found[authorship.role].append(name_of(authorship))
    return found


# Shared pieces


def plain_text(value: str) -> str:
    """Stored markup as one line of plain text; a script's or style's content goes with it."""
    return " ".join(html.unescape(nh3.clean(value or "", tags=set())).split())


def inline_markup(value: str) -> str:
    """Stored markup reduced to italics, bold, sub- and superscripts (well-formed, escaped)."""
    return nh3.clean(" ".join((value or "").split()), tags=_INLINE_TAGS, attributes={})


def date_parts(publication: Publication) -> list[int]:
    """[2022], [2022, 6] or [2022, 6, 21]: as precise as the date is known."""
    if not dates.precision(publication.publication_date):
        return []
    return [int(part) for part in publication.publication_date.split("-")]


def published_journal(publication: Publication):
    return getattr(publication, "published_journal", None)


def issns(publication: Publication) -> list[str]:
    journal = published_journal(publication)
    if not journal:
        return []
    return [issn for issn in (journal.issn_print, journal.issn_electronic) if issn]


def keywords(publication: Publication) -> list[str]:
    return [keyword.name for keyword in publication.keywords.all()]


def web_address(value: str) -> str:
    return value if value.lower().startswith(("http://", "https://")) else ""


# CSL-JSON


def _csl_name(name: Name) -> dict:
    if name.literal:
        return {"literal": name.literal}
    return {"family": name.family, "given": name.given} if name.given else {"family": name.family}


def retagged(value: str, *, escaped: bool) -> str:
    """Stored markup with CSL's tags only (<i>, <b>, <sub>, <sup>); the text HTML-escaped or not."""
    pieces = []
    for piece in INLINE_TAG.split(inline_markup(value)):
        if INLINE_TAG.fullmatch(piece):
            tag = piece.strip("</>")
            pieces.append(piece.replace(tag, _CSL_TAGS.get(tag, tag)))
        else:
            pieces.append(piece if escaped else html.unescape(piece))
    return "".join(pieces)


def csl_item(publication: Publication) -> dict:
    """The publication as a CSL-JSON item (CSL 1.0.2); the title keeps its italics as <i>."""
    item: dict = {
        "id": publication.slug,
        "type": CSL_TYPES.get(publication.publication_type, "document"),
        "title": retagged(publication.title, escaped=False),
    }
    for role, people in credits(publication).items():
        if people:
            item[role] = [_csl_name(name) for name in people]
    journal = published_journal(publication)
    optional = {
        "container-title"
        if publication.publication_type in IN_A_JOURNAL
        else "collection-title": journal.name if journal else "",
        "ISSN": ", ".join(issns(publication)),
        "volume": publication.volume,
        "issue": publication.issue,
        "page": "-".join(
            page for page in dict.fromkeys((publication.first_page, publication.last_page)) if page
        ),
        "DOI": publication.doi,
        "URL": web_address(publication.url),
        "language": publication.language if publication.language != "und" else "",
        "abstract": plain_text(publication.abstract),
        "keyword": ", ".join(keywords(publication)),
    }
    item.update({key: value for key, value in optional.items() if value})
    if parts := date_parts(publication):
        item["issued"] = {"date-parts": [parts]}
    return item
