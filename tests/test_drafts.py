"""Nothing unpublished leaks: a published record linked to drafts of every kind, and every public
surface asked for them.

Every draft's name, title, place, note and identifier holds a token starting with `zqx` that no
published record holds, so a page or file that shows a draft in any way (its name, its slug in a
link, its place in a choice, its category in a filter) holds `zqx`. Every public address is
walked from the URL configuration, so a page or download added later is checked without a change
here.
"""

import csv
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import translation

from archive import urls as archive_urls
from archive.models import (
    Event,
    FormerSlug,
    Journal,
    Keyword,
    Person,
    Publication,
    PublicationAbstract,
    Status,
)
from tests.factories import (
    add_author,
    add_event_publication,
    add_event_title,
    add_journal_identifier,
    add_journal_metric,
    add_journal_name,
    add_participant,
    add_person_name,
    add_subject,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db

DRAFT = Status.DRAFT
MARKER = "zqx"
LANGUAGE_PREFIXES = ["", "/zh-hans"]
DRAFT_YEARS = {1066, 1067}

# Which published records a URL name's `slug` takes, by the start of its name.
SLUG_KINDS = {
    "publication_": "publication",
    "person_": "person",
    "event_": "event",
    "journal_": "journal",
}

# Addresses outside archive/urls.py that the public reads, with their sections.
SITE_ADDRESSES = [
    "/robots.txt",
    "/sitemap.xml",
    *(
        f"/sitemap-{section}.xml"
        for section in ("pages", "publications", "people", "events", "journals")
    ),
]


@pytest.fixture
def archive():
    """Published records of each kind, each linked to drafts of every kind, and drafts of every
    kind linked to published records."""
    journal = make_journal(name="Cold War History", issn_print="1468-2745")
    author = make_person("Ji-Dong Gu")
    subject = make_person("Nikita Khrushchev", birth_date="1894", death_date="1971")
    visit = make_event("Khrushchev's visit to China", date="1954-09/1954-10", place="Beijing")
    add_participant(visit, subject, "visitor")

    draft_journal = make_journal(
        name="Zqxjournal Quarterly",
        status=DRAFT,
        issn_print="0317-8471",
        publisher="Zqxpublisher",
        homepage="https://zqxhomepage.example/",
    )
    add_journal_name(draft_journal, "Zqxjournalname Review")
    add_journal_identifier(draft_journal, "booksci", "zqxbooksci")
    add_journal_metric(
        draft_journal, year=2023, impact_factor="9.999", quartile="Q1", category="ZQXCATEGORY"
    )
    draft_author = make_person(
        "Zqxauthor Person",
        status=DRAFT,
        orcid="0000-0002-1825-0097",
        biography="Zqxbiography",
    )
    add_person_name(draft_author, "Zqxvariant")
    draft_subject = make_person("Zqxsubject Person", status=DRAFT, birth_date="1066")
    draft_delegate = make_person("Zqxdelegate Person", status=DRAFT)
    draft_event = make_event("Zqxevent Congress", status=DRAFT, date="1956", place="Zqxeventplace")
    add_event_title(draft_event, "Zqxeventtitle", language="zh")
    draft_parent = make_event("Zqxparent Summit", status=DRAFT, date="1950/1960", place="Zqxplace")
    draft_part = make_event("Zqxpart Banquet", status=DRAFT, parent=visit, date="1954-10-01")
    draft_related = make_event("Zqxrelated Treaty", status=DRAFT, date="1955")
    visit.parent = draft_parent
    visit.save()
    visit.related.add(draft_related)
    add_participant(visit, draft_delegate, "zqxrole")

    # A published article in a draft journal, by a published and a draft author, about a
    # published and a draft person, discussing a published and a draft event.
    article = make_publication(
        "Chinese workers in the Soviet Far East",
        journal=draft_journal,
        doi="10.1080/14682745.2022.2050698",
        publication_date="2022-06-21",
        abstract="Labour and the Cold War.",
    )
    add_author(article, author)
    add_author(article, draft_author, name_as_printed="A. N. Other")
    add_subject(article, subject, pages="440")
    add_subject(article, draft_subject, pages="zqxpages")
    add_event_publication(visit, article, pages="437")
    add_event_publication(draft_event, article, pages="zqxeventpages")
    # A published book in the published journal, which has drafts of its own.
    book = make_publication(
        "The Sino-Soviet split",
        journal=journal,
        publication_date="1998",
        publication_type="book",
        authors=[author],
        about=[subject],
        events=[visit],
    )

    draft_in_journal = make_publication(
        "Zqxarticle in the published journal",
        status=DRAFT,
        journal=journal,
        publication_date="1066",
        publication_type="thesis",
        doi="10.5555/zqxdoi",
        url="https://zqxurl.example/",
    )
    add_translated_title(draft_in_journal, "Zqxtranslated", language="ru")
    PublicationAbstract.objects.create(publication=draft_in_journal, language="ru", text="Zqxabs")
    draft_in_journal.keywords.add(Keyword.objects.create(name="zqxkeyword"))
    draft_by_author = make_publication(
        "Zqxwork on the visit",
        status=DRAFT,
        publication_date="1067-05",
        publication_type="thesis",
        authors=[author],
        about=[subject],
        events=[visit],
    )
    FormerSlug.objects.create(
        kind=FormerSlug.Kind.PUBLICATION, slug="zqxformer", target_id=draft_by_author.pk
    )
    return {
        "published": {
            "publication": [article, book],
            "person": [author, subject],
            "event": [visit],
            "journal": [journal],
        },
        "drafts": {
            "publication": [draft_in_journal, draft_by_author],
            "person": [draft_author, draft_subject, draft_delegate],
            "event": [draft_event, draft_parent, draft_part, draft_related],
            "journal": [draft_journal],
        },
    }


def path(name: str, **kwargs) -> str:
    """The English address of a URL name, whatever language the last request left active."""
    with translation.override("en"):
        return reverse(f"archive:{name}", kwargs=kwargs or None)


def url_of(record) -> str:
    with translation.override("en"):
        return record.get_absolute_url()


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_no_draft(response, address, statuses=(200,)):
    assert response.status_code in statuses, address
    text = body(response)
    found = [match.group() for match in re.finditer(rf"\w*{MARKER}\w*", text, re.IGNORECASE)]
    assert not found, f"{address} shows drafts: {sorted(set(found))}"
    return text


def kind_of(url_name: str) -> str:
    kind = next((kind for start, kind in SLUG_KINDS.items() if url_name.startswith(start)), None)
    assert kind, f"no kind of record for the slug of {url_name}: add it to SLUG_KINDS"
    return kind


def public_url_names() -> list[tuple[str, list[str]]]:
    """(name, its arguments) of every address of archive/urls.py."""
    names = []
    for pattern in archive_urls.urlpatterns:
        assert isinstance(pattern, URLPattern), "a nested include: walk it here too"
        names.append((pattern.name, list(pattern.pattern.converters)))
    return names


def public_addresses(archive) -> list[str]:
    """Every public address in both languages, with each published record's slug where the
    address takes one."""
    addresses = []
    for name, arguments in public_url_names():
        assert arguments in ([], ["slug"]), f"{name} takes {arguments}: say what to give it"
        if arguments:
            paths = [path(name, slug=record.slug) for record in archive["published"][kind_of(name)]]
        else:
            paths = [path(name)]
        addresses += [prefix + path for prefix in LANGUAGE_PREFIXES for path in paths]
    return addresses + SITE_ADDRESSES


# --- every address --------------------------------------------------------------------------


def test_the_walk_covers_every_public_address_of_the_site():
    walked = {name for name, _arguments in public_url_names()}
    # The site's own addresses outside the archive's URL configuration, but the admin and the
    # health probe (which shows no records), are listed in SITE_ADDRESSES.
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            continue
        if pattern.name in ("robots", "sitemap-index", "healthz"):
            continue
        assert pattern.name == "django.contrib.sitemaps.views.sitemap", pattern
    assert {"home", "search", "publication_list_csv", "publication_bibtex"} <= walked


def test_no_public_address_shows_a_draft_in_either_language(client, archive):
    for address in public_addresses(archive):
        assert_no_draft(client.get(address), address)


@pytest.mark.parametrize(
    "query",
    [
        {"q": "cold"},
        {"q": "soviet"},
        {"sort": "title"},
        {"page": "2"},
        {"year_min": "1000", "year_max": "2100"},
    ],
)
def test_no_list_search_or_download_shows_a_draft_whatever_it_is_asked(client, archive, query):
    for name, arguments in public_url_names():
        if arguments:
            continue
        for prefix in LANGUAGE_PREFIXES:
            address = prefix + path(name)
            response = client.get(address, query)
            # 404: past the last page; 400: a filter this kind of download does not offer.
            assert_no_draft(response, f"{address}?{query}", statuses=(200, 400, 404))


@pytest.mark.parametrize(
    ("name", "parameter", "kind"),
    [
        ("publication_list", "journal", "journal"),
        ("publication_list", "author", "person"),
        ("publication_list", "about", "person"),
        ("publication_list", "event", "event"),
        ("publication_list_csv", "author", "person"),
        ("publication_list_ris", "journal", "journal"),
        ("event_list", "person", "person"),
        ("event_timeline", "person", "person"),
        ("event_list_csv", "person", "person"),
    ],
)
def test_filtering_by_a_published_record_shows_no_draft_linked_to_it(
    client, archive, name, parameter, kind
):
    for record in archive["published"][kind]:
        for prefix in LANGUAGE_PREFIXES:
            address = prefix + path(name)
            assert_no_draft(client.get(address, {parameter: record.slug}), address)


def test_filtering_by_a_draft_finds_nothing(client, archive):
    drafts = archive["drafts"]
    for parameter, record in [
        ("journal", drafts["journal"][0]),
        ("author", drafts["person"][0]),
        ("about", drafts["person"][1]),
        ("event", drafts["event"][0]),
    ]:
        response = client.get(reverse("archive:publication_list"), {parameter: record.slug})
        assert list(response.context["object_list"]) == [], parameter
        download = client.get(reverse("archive:publication_list_csv"), {parameter: record.slug})
        assert len(list(csv.reader(io.StringIO(body(download))))) == 1, parameter  # the header
    response = client.get(reverse("archive:event_list"), {"person": drafts["person"][2].slug})
    assert list(response.context["object_list"]) == []


# --- detail addresses -------------------------------------------------------------------------


def test_every_address_of_a_draft_is_not_found_in_either_language(client, archive):
    checked = 0
    for name, arguments in public_url_names():
        if not arguments:
            continue
        for record in archive["drafts"][kind_of(name)]:
            address = path(name, slug=record.slug)
            for prefix in LANGUAGE_PREFIXES:
                response = client.get(prefix + address)
                assert response.status_code == 404, prefix + address
                checked += 1
    assert checked >= 2 * (2 + 3 + 4 + 1)


def test_a_former_address_of_a_draft_does_not_lead_to_it(client, archive):
    for prefix in LANGUAGE_PREFIXES:
        response = client.get(f"{prefix}/publications/zqxformer/")
        assert response.status_code == 404


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name in ("href", "src") and value]


def test_every_link_of_a_published_page_leads_to_a_published_record(client, archive):
    published_slugs = {
        kind: {record.slug for record in records} for kind, records in archive["published"].items()
    }
    followed = 0
    for address in public_addresses(archive):
        response = client.get(address)
        if response.get("Content-Type", "").split(";")[0] != "text/html":
            continue
        links = Links()
        links.feed(body(response))
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.netloc not in ("", "testserver"):
                continue
            try:
                match = resolve(parts.path)
            except Resolver404:
                continue
            if "slug" in match.kwargs and match.url_name in dict(public_url_names()):
                kind = kind_of(match.url_name)
                assert match.kwargs["slug"] in published_slugs[kind], f"{address} -> {href}"
                followed += 1
    assert followed > 20


# --- what the pages hold ----------------------------------------------------------------------


def json_ld_of(text: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    return json.loads(block)


def addresses_in(data) -> set[str]:
    if isinstance(data, dict):
        return {address for value in data.values() for address in addresses_in(value)}
    if isinstance(data, list):
        return {address for value in data for address in addresses_in(value)}
    return {data} if isinstance(data, str) and data.startswith("http://testserver/") else set()


def test_json_ld_links_only_published_records(client, archive):
    published = {
        f"http://testserver{prefix}{url_of(record)}"
        for records in archive["published"].values()
        for record in records
        for prefix in LANGUAGE_PREFIXES
    }
    for records in archive["published"].values():
        for record in records:
            for prefix in LANGUAGE_PREFIXES:
                data = json_ld_of(body(client.get(prefix + url_of(record))))
                assert addresses_in(data) <= published
                assert MARKER not in json.dumps(data, ensure_ascii=False).lower()


def test_the_article_in_a_draft_journal_names_no_journal_anywhere(client, archive):
    article = archive["published"]["publication"][0]
    page = body(client.get(article.get_absolute_url()))
    assert 'name="citation_journal_title"' not in page
    assert "0317-8471" not in page  # the draft journal's ISSN
    for name in ("bibtex", "ris", "csljson"):
        cited = body(client.get(reverse(f"archive:publication_{name}", args=[article.slug])))
        assert "0317-8471" not in cited
    (row,) = [
        row
        for row in csv.DictReader(io.StringIO(body(client.get("/publications.csv"))))
        if row["doi"] == article.doi
    ]
    assert row["journal"] == row["journal_issn_print"] == row["journal_metrics"] == ""


def test_a_draft_authors_printed_name_stays_but_not_their_page(client, archive):
    # The name printed on a publication is the publication's; the person's record is not shown.
    article = archive["published"]["publication"][0]
    page = body(client.get(article.get_absolute_url()))
    assert "A. N. Other" in page
    assert json_ld_of(page)["author"][1] == {"@type": "Person", "name": "A. N. Other"}


# --- counts, facets, charts ---------------------------------------------------------------


def test_the_home_page_counts_charts_and_lists_only_published_records(client, archive):
    for prefix in LANGUAGE_PREFIXES:
        context = client.get(prefix + "/").context
        assert context["counts"] == {"publications": 2, "people": 2, "events": 1, "journals": 1}
        assert context["publications_per_year"] == {1998: 1, 2022: 1}
        assert [event.title for event in context["timeline_events"]] == [
            "Khrushchev's visit to China"
        ]
        assert {publication.title for publication in context["recent_additions"]} == {
            publication.title for publication in archive["published"]["publication"]
        }


def test_facets_count_only_published_records(client, archive):
    for prefix in LANGUAGE_PREFIXES:
        facets = {
            facet["name"]: {value["label"]: value["count"] for value in facet["values"]}
            for facet in client.get(prefix + "/publications/").context["facets"]
        }
        assert facets["journal"] == {"Cold War History": 1}
        # By decade (as the years span more than twenty), not the 1060s of the drafts.
        assert [(label[:4], count) for label, count in sorted(facets["year"].items())] == [
            ("1990", 1),
            ("2020", 1),
        ]
        assert sum(facets["publication_type"].values()) == 2
        assert len(facets["publication_type"]) == 2  # no thesis: both theses are drafts


def test_list_counts_are_of_published_records(client, archive):
    expected = {"publication_list": 2, "person_list": 2, "event_list": 1, "journal_list": 1}
    for name, count in expected.items():
        assert client.get(path(name)).context["paginator"].count == count
    (journal,) = client.get(reverse("archive:journal_list")).context["object_list"]
    assert journal.publication_count == 1
    authors = client.get(reverse("archive:person_list"), {"role": "author"})
    assert [person.display_name for person in authors.context["object_list"]] == ["Ji-Dong Gu"]


def test_a_journal_page_counts_and_charts_only_its_published_publications(client, archive):
    journal = archive["published"]["journal"][0]
    context = client.get(journal.get_absolute_url()).context
    assert context["publications_per_year"] == {1998: 1}
    assert context["publications_page"].paginator.count == 1


def test_the_timeline_shows_only_published_events(client, archive):
    for prefix in LANGUAGE_PREFIXES:
        context = client.get(prefix + path("event_timeline")).context
        assert [event.title for event in context["event_list"]] == ["Khrushchev's visit to China"]


def test_the_draft_years_are_on_no_chart(client, archive):
    for address in ("/", "/publications/", archive["published"]["journal"][0].get_absolute_url()):
        text = body(client.get(address))
        for year in DRAFT_YEARS:
            assert f"year_min={year}" not in text, address


# --- search -----------------------------------------------------------------------------------


def draft_words(archive) -> dict[str, list[str]]:
    """Each kind's drafts' own first words (their `zqx` tokens), by kind."""
    return {
        kind: [str(record).split()[0] for record in records]
        for kind, records in archive["drafts"].items()
    }


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
def test_searching_for_a_draft_finds_no_draft(client, archive, prefix):
    draft_urls = [url_of(record) for records in archive["drafts"].values() for record in records]
    kinds = {
        "publication": "publications",
        "person": "people",
        "event": "events",
        "journal": "journals",
    }
    for kind, words in draft_words(archive).items():
        for word in words:
            response = client.get(f"{prefix}/search/", {"q": word})
            assert response.context["results"][kinds[kind]].count == 0, word
            text = body(response)
            assert not [url for url in draft_urls if url in text], word
            listed = client.get(f"{prefix}{path(kind + '_list')}", {"q": word})
            assert list(listed.context["object_list"]) == [], word
            download = client.get(f"{prefix}{path(kind + '_list_csv')}", {"q": word})
            assert len(list(csv.reader(io.StringIO(body(download))))) == 1, word


def test_the_search_across_everything_finds_published_records_only(client, archive):
    for prefix in LANGUAGE_PREFIXES:
        response = client.get(
            f"{prefix}/search/", {"q": "i"}
        )  # in a name of every published record
        results = response.context["results"]
        assert {kind: found.count for kind, found in results.items()} == {
            "publications": 2,
            "people": 2,
            "events": 1,
            "journals": 1,
        }
        assert_no_draft(response, "/search/?q=i")


def test_the_fixture_holds_drafts_of_every_kind(archive):
    for model, kind in [
        (Publication, "publication"),
        (Person, "person"),
        (Event, "event"),
        (Journal, "journal"),
    ]:
        assert set(model.objects.drafts()) == set(archive["drafts"][kind])
        assert all(MARKER in record.slug for record in archive["drafts"][kind])
