"""What machines read from the pages: Highwire Press tags, JSON-LD, Open Graph, canonical
addresses, sitemap.xml and robots.txt. Published records only, whatever the data holds."""

import datetime
import json
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from archive import metadata
from archive.models import Authorship, Keyword, Publication, Status
from tests.factories import (
    add_author,
    add_event_publication,
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


@pytest.fixture(autouse=True)
def english_addresses():
    """Records' addresses in English: a request to a Chinese page leaves Chinese active."""
    with translation.override("en"):
        yield


DRAFT = Status.DRAFT
HOSTILE = '</script><script>alert(1)</script><!-- "quoted" \u2028 & \u2029 end'
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


class _Head(HTMLParser):
    """The meta and link tags of a page, and the text of its JSON-LD blocks."""

    def __init__(self):
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.links: list[dict] = []
        self.json_ld: list[str] = []
        self.scripts = 0
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and "content" in attributes:
            key = attributes.get("name") or attributes.get("property")
            self.meta.append((key, attributes["content"]))
        elif tag == "link":
            self.links.append(attributes)
        elif tag == "script":
            self.scripts += 1
            self._in_json_ld = attributes.get("type") == "application/ld+json"
            if self._in_json_ld:
                self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def head_of(client, url) -> _Head:
    response = client.get(url)
    assert response.status_code == 200
    parser = _Head()
    parser.feed(response.content.decode())
    return parser


def meta(head: _Head, name: str) -> list[str]:
    return [content for key, content in head.meta if key == name]


def json_ld_of(client, url) -> dict:
    head = head_of(client, url)
    assert len(head.json_ld) == 1
    return json.loads(head.json_ld[0])


def absolute(path: str) -> str:
    return f"http://testserver{path}"


@pytest.fixture
def article():
    journal = make_journal(name="Cold War History", issn_print="1468-2745")
    khrushchev = make_person("Nikita Khrushchev")
    visit = make_event("Khrushchev's visit to China", date="1954-09/1954-10", place="Beijing")
    publication = make_publication(
        "Unknown page of <i>history</i>",
        journal=journal,
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
        doi="10.1080/14682745.2022.2050698",
        publication_date="2022-06",
        abstract="In 1954 Khrushchev asked Mao to send workers.",
        pdf_url="https://example.org/article.pdf",
        is_open_access=True,
    )
    add_author(publication, make_person("Ji-Dong Gu"))
    add_author(publication, make_person("Olga Petrova"))
    add_author(publication, make_person("Anna Smith"), role=Authorship.Role.EDITOR)
    add_translated_title(publication, "历史上不为人知的一页")
    add_subject(publication, khrushchev, pages="437–440")
    add_event_publication(visit, publication, pages="441")
    return publication


# Highwire Press tags


def test_a_publication_page_carries_highwire_press_tags(client, article):
    head = head_of(client, article.get_absolute_url())
    assert meta(head, "citation_title") == ["Unknown page of history"]
    assert meta(head, "citation_author") == ["Gu, Ji-Dong", "Petrova, Olga"]
    assert meta(head, "citation_publication_date") == ["2022/06"]
    assert meta(head, "citation_journal_title") == ["Cold War History"]
    assert meta(head, "citation_issn") == ["1468-2745"]
    assert meta(head, "citation_volume") == ["22"]
    assert meta(head, "citation_issue") == ["1"]
    assert meta(head, "citation_firstpage") == ["437"]
    assert meta(head, "citation_lastpage") == ["457"]
    assert meta(head, "citation_doi") == ["10.1080/14682745.2022.2050698"]
    assert meta(head, "citation_language") == ["en"]
    assert meta(head, "citation_abstract_html_url") == [absolute(article.get_absolute_url())]
    assert meta(head, "citation_pdf_url") == ["https://example.org/article.pdf"]


def test_highwire_tags_leave_out_what_is_not_known(client):
    publication = make_publication(publication_date="2022", pdf_url="")
    head = head_of(client, publication.get_absolute_url())
    assert meta(head, "citation_publication_date") == ["2022"]
    for name in ("citation_journal_title", "citation_doi", "citation_pdf_url", "citation_author"):
        assert meta(head, name) == []


def test_highwire_tags_do_not_name_a_draft_journal(client):
    publication = make_publication(journal=make_journal(name="Secret", status=DRAFT))
    assert meta(head_of(client, publication.get_absolute_url()), "citation_journal_title") == []


def test_meta_tags_hold_hostile_values_as_text(client):
    printed = 'Smith"><script>alert(1)</script>, Anna'
    publication = make_publication(abstract="A &quot;quoted&quot; &lt;b&gt; abstract")
    add_author(publication, make_person(), name_as_printed=printed)
    head = head_of(client, publication.get_absolute_url())
    assert meta(head, "citation_author") == [printed]
    assert meta(head, "og:description") == ['A "quoted" <b> abstract']
    assert head.scripts == 1  # the JSON-LD data block alone


def test_only_publication_pages_carry_highwire_tags(client, article):
    person = article.authorships.first().person
    head = head_of(client, person.get_absolute_url())
    assert not [key for key, _ in head.meta if key and key.startswith("citation_")]


# JSON-LD


def test_a_publication_is_a_scholarly_article_linked_to_its_people_events_and_journal(
    client, article
):
    data = json_ld_of(client, article.get_absolute_url())
    gu, petrova, smith = (authorship.person for authorship in article.authorships.all())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ScholarlyArticle"
    assert data["@id"] == data["url"] == absolute(article.get_absolute_url())
    assert data["name"] == "Unknown page of history"
    assert data["alternativeHeadline"] == ["历史上不为人知的一页"]
    assert data["inLanguage"] == "en"
    assert data["datePublished"] == "2022-06"
    assert [author["url"] for author in data["author"]] == [
        absolute(gu.get_absolute_url()),
        absolute(petrova.get_absolute_url()),
    ]
    assert data["editor"] == [
        {"@type": "Person", "name": "Anna Smith", "url": absolute(smith.get_absolute_url())}
    ]
    assert (data["pageStart"], data["pageEnd"]) == ("437", "457")
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "DOI",
        "value": "10.1080/14682745.2022.2050698",
    }
    assert data["sameAs"] == "https://doi.org/10.1080/14682745.2022.2050698"
    assert data["isAccessibleForFree"] is True
    issue = data["isPartOf"]
    assert (issue["@type"], issue["issueNumber"]) == ("PublicationIssue", "1")
    volume = issue["isPartOf"]
    assert (volume["@type"], volume["volumeNumber"]) == ("PublicationVolume", "22")
    periodical = volume["isPartOf"]
    assert (periodical["@type"], periodical["name"]) == ("Periodical", "Cold War History")
    assert periodical["issn"] == ["1468-2745"]
    assert sorted(thing["@type"] for thing in data["about"]) == ["Event", "Person"]


def test_a_person_is_a_person_with_names_dates_and_identifiers(client):
    person = make_person(
        "Mao Zedong",
        family_name="Mao",
        given_names="Zedong",
        birth_date="1893-12-26",
        death_date="1976~",
        wikidata="Q5816",
        orcid="0000-0002-1825-0097",
    )
    add_person_name(person, "毛泽东", language="zh-Hans")
    data = json_ld_of(client, person.get_absolute_url())
    assert data["@type"] == "Person"
    assert (data["name"], data["familyName"], data["givenName"]) == ("Mao Zedong", "Mao", "Zedong")
    assert data["alternateName"] == ["毛泽东"]
    assert data["birthDate"] == "1893-12-26"
    assert "deathDate" not in data  # "about 1976" is no ISO date
    assert data["sameAs"] == [
        "https://orcid.org/0000-0002-1825-0097",
        "https://www.wikidata.org/wiki/Q5816",
    ]


def test_an_event_is_an_event_with_its_dates_place_people_and_publications(client, article):
    summit = make_event("The summit")
    visit = article.event_links.get().event
    visit.parent = summit
    visit.save()
    mao = make_person("Mao Zedong")
    add_participant(visit, mao, "host")
    add_participant(visit, make_person("Draft Visitor", status=DRAFT), "guest")
    data = json_ld_of(client, visit.get_absolute_url())
    assert data["@type"] == "Event"
    assert (data["startDate"], data["endDate"]) == ("1954-09", "1954-10")
    assert data["location"] == {"@type": "Place", "name": "Beijing"}
    assert data["superEvent"]["url"] == absolute(summit.get_absolute_url())
    assert [person["name"] for person in data["attendee"]] == ["Mao Zedong"]
    assert data["subjectOf"][0]["url"] == absolute(article.get_absolute_url())


def test_a_journal_is_a_periodical_with_its_issns_and_publisher(client):
    journal = make_journal(
        name="Cold War History",
        issn_print="1468-2745",
        issn_electronic="1743-7962",
        publisher="Taylor & Francis",
        homepage="https://www.tandfonline.com/toc/fcwh20/current",
    )
    data = json_ld_of(client, journal.get_absolute_url())
    assert data["@type"] == "Periodical"
    assert data["issn"] == ["1468-2745", "1743-7962"]
    assert data["publisher"] == {"@type": "Organization", "name": "Taylor & Francis"}
    assert data["sameAs"] == "https://www.tandfonline.com/toc/fcwh20/current"


def test_json_ld_names_no_draft(client):
    publication = make_publication(
        journal=make_journal(name="Secret Journal", status=DRAFT),
        authors=[make_person("Draft Author", status=DRAFT)],
        about=[make_person("Draft Subject", status=DRAFT)],
        events=[make_event("Draft Event", status=DRAFT)],
    )
    data = json_ld_of(client, publication.get_absolute_url())
    # An author's name is printed on the publication; a draft's page is not linked.
    assert data["author"] == [{"@type": "Person", "name": "Draft Author"}]
    assert "isPartOf" not in data
    assert "about" not in data


def hostile_publication():
    publication = make_publication("Pravda &amp; co" + HOSTILE, abstract=HOSTILE)
    add_author(publication, make_person(), name_as_printed=HOSTILE)
    publication.keywords.add(Keyword.objects.create(name=HOSTILE))
    return publication


@pytest.mark.parametrize("kind", ["publication", "person", "event", "journal"])
def test_json_ld_stays_valid_and_inert_whatever_the_data_holds(client, kind):
    record = {
        "publication": lambda: hostile_publication(),
        "person": lambda: make_person(HOSTILE, biography=HOSTILE),
        "event": lambda: make_event(HOSTILE, description=HOSTILE, place=HOSTILE),
        "journal": lambda: make_journal(name=HOSTILE, publisher=HOSTILE),
    }[kind]()
    response = client.get(record.get_absolute_url())
    content = response.content.decode()
    head = _Head()
    head.feed(content)
    assert head.scripts == 1  # the data block; nothing the data held became a script
    assert "alert(1)</script>" not in content
    assert "\u2028" not in content.split('type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(head.json_ld[0])
    record.refresh_from_db()
    # The JSON reads back as exactly what the page shows of the record.
    assert data["name"] == metadata.title(record)
    if kind == "publication":
        # Titles are markup: tags and what a script held are dropped, the text stays.
        assert data["name"] == "Pravda & co"
        assert data["author"][0]["name"] == HOSTILE
        assert data["keywords"] == [HOSTILE]
    elif kind == "event":
        assert data["name"] == data["location"]["name"] == HOSTILE
    else:
        assert "</script><script>alert(1)</script><!--" in data["name"]


# Open Graph and canonical addresses


def test_a_publication_page_has_open_graph_tags(client, article):
    head = head_of(client, article.get_absolute_url())
    assert meta(head, "og:type") == ["article"]
    assert meta(head, "og:title") == ["Unknown page of history"]
    assert meta(head, "og:url") == [absolute(article.get_absolute_url())]
    assert meta(head, "og:description") == ["In 1954 Khrushchev asked Mao to send workers."]
    assert meta(head, "og:locale") == ["en_US"]
    assert meta(head, "og:locale:alternate") == ["zh_CN"]
    assert meta(head, "og:site_name") == ["Cold War Archive"]


def test_the_chinese_page_has_its_own_canonical_address_and_locale(client, article):
    english = article.get_absolute_url()
    head = head_of(client, "/zh-hans" + english)
    canonical = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert canonical == [absolute("/zh-hans" + english)]
    assert meta(head, "og:locale") == ["zh_CN"]
    assert meta(head, "og:url") == canonical
    data = json.loads(head.json_ld[0])
    assert data["url"] == canonical[0]
    alternates = {link["hreflang"]: link["href"] for link in head.links if "hreflang" in link}
    assert alternates == {"en": absolute(english), "zh-hans": absolute("/zh-hans" + english)}


@pytest.mark.parametrize("kind", ["publication", "person", "event", "journal"])
def test_a_detail_page_is_canonical_without_stray_query_parameters(client, kind):
    record = {
        "publication": make_publication,
        "person": make_person,
        "event": make_event,
        "journal": make_journal,
    }[kind]()
    head = head_of(client, record.get_absolute_url() + "?utm_source=newsletter")
    canonical = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert canonical == [absolute(record.get_absolute_url())]


def test_a_later_page_of_a_journal_keeps_its_number_in_the_canonical_address(client):
    journal = make_journal()
    for _ in range(30):
        make_publication(journal=journal)
    head = head_of(client, journal.get_absolute_url() + "?page=2")
    canonical = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert canonical == [absolute(journal.get_absolute_url() + "?page=2")]


# sitemap.xml and robots.txt


def sitemap_entries(client, section: str) -> dict[str, dict[str, str]]:
    response = client.get(f"/sitemap-{section}.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")
        }
        for url in root.iter(f"{SITEMAP}url")
    }


def test_the_sitemap_index_lists_a_sitemap_per_kind(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    locations = [element.text for element in root.iter(f"{SITEMAP}loc")]
    assert locations == [
        absolute(f"/sitemap-{section}.xml")
        for section in ("pages", "publications", "people", "events", "journals")
    ]


@pytest.mark.parametrize(
    ("section", "make"),
    [
        ("publications", make_publication),
        ("people", make_person),
        ("events", make_event),
        ("journals", make_journal),
    ],
)
def test_the_sitemap_lists_published_records_in_both_languages(client, section, make):
    published = make()
    draft = make(status=DRAFT)
    entries = sitemap_entries(client, section)
    english = absolute(published.get_absolute_url())
    chinese = absolute("/zh-hans" + published.get_absolute_url())
    assert set(entries) == {english, chinese}
    alternates = {"en": english, "zh-hans": chinese, "x-default": english}
    assert entries[english] == entries[chinese] == alternates
    assert draft.slug not in client.get(f"/sitemap-{section}.xml").content.decode()


def test_the_sitemap_index_dates_each_kind_by_its_latest_published_change(client):
    old = make_publication()
    newer = make_publication()
    make_publication(status=DRAFT)
    Publication.objects.filter(pk=old.pk).update(
        updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    Publication.objects.filter(pk=newer.pk).update(
        updated_at=datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
    )
    Publication.objects.filter(status=DRAFT).update(
        updated_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    dated = {
        sitemap.findtext(f"{SITEMAP}loc"): sitemap.findtext(f"{SITEMAP}lastmod")
        for sitemap in root.iter(f"{SITEMAP}sitemap")
    }
    assert dated[absolute("/sitemap-publications.xml")].startswith("2024-05-01T12:00:00")


def test_the_sitemap_lists_the_home_page_and_the_lists(client):
    entries = sitemap_entries(client, "pages")
    for name in ("home", "publication_list", "person_list", "event_list", "journal_list"):
        assert absolute(reverse(f"archive:{name}")) in entries
        assert absolute("/zh-hans" + reverse(f"archive:{name}")) in entries


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /publications.bib" in lines
    assert "Disallow: /zh-hans/publications.csv" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(re.fullmatch(r"Disallow: /(zh-hans/)?publications/", line) for line in lines)
