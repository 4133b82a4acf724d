"""What search engines, reference managers and link previews read from a record's page.

- Highwire Press `citation_*` meta tags on publication pages, as Google Scholar and Zotero read
  them (Google Scholar's inclusion guidelines).
- schema.org JSON-LD on every detail page: ScholarlyArticle (or Book, Chapter, Thesis, ...),
  Person, Event, Periodical, linked to each other by their pages' addresses.
- Open Graph (ogp.me) for link previews.

Only published records are named or linked: the builders read what the detail selectors fetched
(`published_journal`, `published_person`, `people_discussed`, ...), never a relation directly.
"""

import json

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, to_locale

from archive import dates, identifiers
from archive.exporting.csl import name_of, plain_text, web_address
from archive.models import Authorship, Event, Journal, Person, Publication, PublicationType

SCHEMA_ORG = "https://schema.org"
DESCRIPTION_WORDS = 60

SCHEMA_TYPES = {
    PublicationType.JOURNAL_ARTICLE: "ScholarlyArticle",
    PublicationType.REVIEW: "Review",
    PublicationType.BOOK: "Book",
    PublicationType.BOOK_CHAPTER: "Chapter",
    PublicationType.EDITED_BOOK: "Book",
    PublicationType.CONFERENCE_PAPER: "ScholarlyArticle",
    PublicationType.THESIS: "Thesis",
    PublicationType.REPORT: "Report",
    PublicationType.DATASET: "Dataset",
    PublicationType.OTHER: "CreativeWork",
}
SCHEMA_ROLES = {
    Authorship.Role.AUTHOR: "author",
    Authorship.Role.EDITOR: "editor",
    Authorship.Role.TRANSLATOR: "translator",
}
OPEN_GRAPH_TYPES = {Publication: "article", Person: "profile", Event: "website", Journal: "website"}

# Inside <script>, "</script>" or "<!--" would end or change the element whatever the JSON
# says; "&" is escaped as Django's json_script does. U+2028 and U+2029 are valid in JSON but end
# a line in older JavaScript parsers. Each becomes a \u escape, which JSON reads back the same.
_SCRIPT_SAFE = str.maketrans(
    {
        "<": "\\u003C",
        ">": "\\u003E",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def description(record) -> str:
    """A short text about the record: its abstract, biography or description, else ''."""
    text = {
        Publication: lambda: record.abstract,
        Person: lambda: record.biography,
        Event: lambda: record.description,
        Journal: lambda: "",
    }[type(record)]()
    return Truncator(plain_text(text)).words(DESCRIPTION_WORDS)


def title(record) -> str:
    if isinstance(record, Publication):
        return plain_text(record.title)
    if isinstance(record, Person):
        return record.display_name
    if isinstance(record, Event):
        return record.title
    return record.name


# Highwire Press tags


def highwire_tags(publication: Publication, request: HttpRequest) -> list[tuple[str, str]]:
    """(name, content) pairs, in the order Google Scholar lists them; one tag per author."""
    tags = [("citation_title", plain_text(publication.title))]
    tags += [
        ("citation_author", name_of(authorship).inverted)
        for authorship in publication.authorships.all()
        if authorship.role == Authorship.Role.AUTHOR
    ]
    if dates.precision(publication.publication_date):
        # Google Scholar reads YYYY/MM/DD, or the year alone; never a day that is not known.
        tags.append(("citation_publication_date", publication.publication_date.replace("-", "/")))
    journal = publication.published_journal
    if journal:
        tags.append(("citation_journal_title", journal.name))
        tags += [
            ("citation_issn", issn)
            for issn in (journal.issn_print, journal.issn_electronic)
            if issn
        ]
    tags += [
        ("citation_volume", publication.volume),
        ("citation_issue", publication.issue),
        ("citation_firstpage", publication.first_page),
        ("citation_lastpage", publication.last_page),
        ("citation_doi", publication.doi),
        ("citation_language", publication.language if publication.language != "und" else ""),
        ("citation_abstract_html_url", absolute(request, publication.get_absolute_url())),
        ("citation_pdf_url", web_address(publication.pdf_url)),
    ]
    return [(name, content) for name, content in tags if content]


# Open Graph


def open_graph(record, request: HttpRequest, *, site_name: str) -> list[tuple[str, str]]:
    """(property, content) pairs for a record's page."""
    language = get_language()
    tags = [
        ("og:type", OPEN_GRAPH_TYPES[type(record)]),
        ("og:site_name", site_name),
        ("og:title", title(record)),
        ("og:url", absolute(request, record.get_absolute_url())),
        ("og:description", description(record)),
        ("og:locale", _open_graph_locale(language)),
    ]
    tags += [
        ("og:locale:alternate", _open_graph_locale(code))
        for code in ("en", "zh-hans")
        if code != language
    ]
    if isinstance(record, Publication):
        tags.append(("article:published_time", record.publication_date))
        tags += [
            ("article:author", absolute(request, authorship.published_person.get_absolute_url()))
            for authorship in record.authorships.all()
            if authorship.role == Authorship.Role.AUTHOR and authorship.published_person
        ]
    return [(name, content) for name, content in tags if content]


def _open_graph_locale(language: str) -> str:
    # Open Graph wants language_TERRITORY: en_US, zh_CN.
    return {"en": "en_US", "zh-hans": "zh_CN"}.get(language, to_locale(language))


# schema.org JSON-LD


def json_ld(record, request: HttpRequest) -> dict:
    build = {
        Publication: _publication,
        Person: _person,
        Event: _event,
        Journal: _periodical,
    }[type(record)]
    return {"@context": SCHEMA_ORG, **build(record, request)}


def json_ld_script(data: dict) -> SafeString:
    """A JSON-LD data block that stays valid JSON and inert whatever the data holds."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def _compact(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def _reference(kind: str, record, request: HttpRequest) -> dict:
    """A short node for a related record: its type, address and name."""
    url = absolute(request, record.get_absolute_url())
    return {"@type": kind, "@id": url, "url": url, "name": title(record)}


def _publication(publication: Publication, request: HttpRequest) -> dict:
    url = absolute(request, publication.get_absolute_url())
    data = {
        "@type": SCHEMA_TYPES.get(publication.publication_type, "CreativeWork"),
        "@id": url,
        "url": url,
        "name": plain_text(publication.title),
        "headline": plain_text(publication.title),
        "inLanguage": publication.language if publication.language != "und" else "",
        "alternativeHeadline": [
            plain_text(translation.title) for translation in publication.translated_titles.all()
        ],
        "datePublished": publication.publication_date,
        "pageStart": publication.first_page,
        "pageEnd": publication.last_page,
        "abstract": plain_text(publication.abstract),
        "keywords": [keyword.name for keyword in publication.keywords.all()],
        "isAccessibleForFree": publication.is_open_access,
        "isPartOf": _where_published(publication, request),
        "about": [
            _reference("Person", subject.person, request)
            for subject in publication.people_discussed
        ]
        + [_reference("Event", link.event, request) for link in publication.events_discussed],
    }
    for authorship in publication.authorships.all():
        person = authorship.published_person
        node = {"@type": "Person", "name": authorship.name_as_printed}
        if person:
            node["url"] = absolute(request, person.get_absolute_url())
        data.setdefault(SCHEMA_ROLES[authorship.role], []).append(node)
    if publication.doi:
        data["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "DOI",
            "value": publication.doi,
        }
        data["sameAs"] = publication.doi_url
    return _compact(data)


def _where_published(publication: Publication, request: HttpRequest) -> dict:
    """The issue in the volume in the periodical, as far as they are known."""
    journal = publication.published_journal
    if not journal:
        return {}
    container = _compact(
        {
            **_reference("Periodical", journal, request),
            "issn": [issn for issn in (journal.issn_print, journal.issn_electronic) if issn],
        }
    )
    if publication.volume:
        container = {
            "@type": "PublicationVolume",
            "volumeNumber": publication.volume,
            "isPartOf": container,
        }
    if publication.issue:
        container = {
            "@type": "PublicationIssue",
            "issueNumber": publication.issue,
            "isPartOf": container,
        }
    return container


def _iso_date(value: str) -> str:
    """A date schema.org can read (ISO 8601: 1954, 1954-09, 1954-09-30); '' for uncertain ones."""
    return value if dates.precision(value) else ""


def _person(person: Person, request: HttpRequest) -> dict:
    url = absolute(request, person.get_absolute_url())
    links = [
        identifiers.orcid_url(person.orcid),
        identifiers.wikidata_url(person.wikidata),
        identifiers.viaf_url(person.viaf),
    ]
    return _compact(
        {
            "@type": "Person",
            "@id": url,
            "url": url,
            "name": person.display_name,
            "familyName": person.family_name,
            "givenName": person.given_names,
            "alternateName": [name.name for name in person.names.all()],
            "birthDate": _iso_date(person.birth_date),
            "deathDate": _iso_date(person.death_date),
            "description": plain_text(person.biography),
            "sameAs": [link for link in links if link],
        }
    )


def _event(event: Event, request: HttpRequest) -> dict:
    url = absolute(request, event.get_absolute_url())
    start, _, end = event.date.partition("/")
    data = {
        "@type": "Event",
        "@id": url,
        "url": url,
        "name": event.title,
        "alternateName": [translation.title for translation in event.translations.all()],
        "startDate": _iso_date(start),
        "endDate": _iso_date(end),
        "location": {"@type": "Place", "name": event.place} if event.place else {},
        "description": plain_text(event.description),
        "superEvent": (
            _reference("Event", event.published_parent, request) if event.published_parent else {}
        ),
        "subEvent": [_reference("Event", part, request) for part in event.published_parts],
        "attendee": [
            _reference("Person", participation.person, request)
            for participation in event.people_taking_part
        ],
        "subjectOf": [
            _reference(
                SCHEMA_TYPES.get(link.publication.publication_type, "CreativeWork"),
                link.publication,
                request,
            )
            for link in event.discussed_in
        ],
    }
    return _compact(data)


def _periodical(journal: Journal, request: HttpRequest) -> dict:
    url = absolute(request, journal.get_absolute_url())
    return _compact(
        {
            "@type": "Periodical",
            "@id": url,
            "url": url,
            "name": journal.name,
            "alternateName": [name.name for name in journal.other_names.all()],
            "issn": [issn for issn in (journal.issn_print, journal.issn_electronic) if issn],
            "publisher": (
                {"@type": "Organization", "name": journal.publisher} if journal.publisher else {}
            ),
            "sameAs": web_address(journal.homepage),
        }
    )
