"""Hostile requests: malformed filter parameters get a 400 or an empty list that says why, never a
server error, on every list, download and search; and no address, however odd, makes the
language switcher, the canonical address or the hreflang alternates point off the site.

The test client raises any exception a view lets through, so a server error fails the test
where it happens.
"""

from html.parser import HTMLParser
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import filters
from tests.factories import (
    add_journal_metric,
    add_participant,
    make_event,
    make_journal,
    make_person,
    make_publication,
)
from tests.test_drafts import LANGUAGE_PREFIXES, body, path

pytestmark = pytest.mark.django_db

# Every list, download and search, with the FilterSet that reads its parameters.
FILTERED = {
    "publication_list": filters.PublicationFilterSet,
    "publication_list_csv": filters.PublicationFilterSet,
    "publication_list_bibtex": filters.PublicationFilterSet,
    "publication_list_ris": filters.PublicationFilterSet,
    "publication_list_csljson": filters.PublicationFilterSet,
    "person_list": filters.PersonFilterSet,
    "person_list_csv": filters.PersonFilterSet,
    "event_list": filters.EventFilterSet,
    "event_list_csv": filters.EventFilterSet,
    "event_timeline": filters.EventFilterSet,
    "journal_list": filters.JournalFilterSet,
    "journal_list_csv": filters.JournalFilterSet,
}
SEARCH_PARAMETERS = ["q"]
# Raw query-string values, as a browser or a script would send them.
HOSTILE_VALUES = [
    "9" * 40,
    "99999",
    "-1",
    "-99999999999999999999",
    "0",
    "1e3",
    "1954.5",
    "%00",
    "a%00b",
    "a" * 10_000,
    "%ff",
    "%c0%af",
    "%ed%a0%80",
    "%fe%ff%00",
    "%E2%80%AE",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%27%3B+DROP+TABLE+archive_publication%3B--",
    "%25_%5C",
    "..%2F..%2Fetc%2Fpasswd",
    "nothing-of-that-name",
    "",
    "+",
]
PAGES = ["0", "-1", "999999", "abc", "1.5", "%00", "%ff", "9" * 40, "last", ""]


@pytest.fixture
def shelf():
    journal = make_journal(name="Cold War History")
    add_journal_metric(journal, year=2023, quartile="Q1", zone=None, category="HISTORY")
    author = make_person("Ji-Dong Gu")
    event = make_event("Khrushchev's visit to China", date="1954-09/1954-10", place="Beijing")
    add_participant(event, author, "observer")
    make_publication("Chinese workers", journal=journal, authors=[author], events=[event])
    make_publication("The Sino-Soviet split", publication_date="1998")


def parameters_of(name: str) -> list[str]:
    return list(FILTERED[name].base_filters) if name in FILTERED else SEARCH_PARAMETERS


def addresses() -> list[str]:
    return [*FILTERED, "search"]


def answer(client, address: str, query: str):
    """The response to `query` (a raw query string), which must be a page or a refusal."""
    response = client.get(f"{address}?{query}")
    assert response.status_code in (200, 400, 404), (address, query, response.status_code)
    if response.status_code == 404:
        # Only a page number that is not a page of the list is not found.
        assert "page=" in query, (address, query)
    if response.status_code == 400:
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert "These filters could not be used" in body(response), (address, query)
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert_refused_or_read(response, address, query)
    return response


def assert_refused_or_read(response, address, query):
    """A list whose filters could not be read shows why, and no records."""
    form = response.context.get("filter_form") or response.context.get("search_form")
    assert form is not None, address
    if form.errors:
        text = body(response)
        assert 'role="alert"' in text or 'class="errorlist' in text or "error" in text, address
        records = response.context.get("object_list")
        assert records is None or list(records) == [], (address, query)


def test_every_filtered_address_is_fuzzed():
    from archive import urls

    downloads_and_lists = {
        pattern.name
        for pattern in urls.urlpatterns
        if pattern.name.endswith(("_list", "_csv", "_bibtex", "_ris", "_csljson", "_timeline"))
        and "slug" not in pattern.pattern.converters
    }
    assert downloads_and_lists == set(FILTERED)


@pytest.mark.parametrize("name", addresses())
def test_every_parameter_with_hostile_values_gets_an_answer(client, shelf, name):
    address = path(name)
    for parameter in [*parameters_of(name), "unknown", "page"]:
        for value in HOSTILE_VALUES:
            answer(client, address, f"{parameter}={value}")


@pytest.mark.parametrize("name", addresses())
def test_repeated_and_array_parameters_get_an_answer(client, shelf, name):
    address = path(name)
    for parameter in parameters_of(name):
        for query in [
            f"{parameter}=1&{parameter}=2",
            f"{parameter}=1954&{parameter}=%ff",
            f"{parameter}[]=1&{parameter}[]=2",
            f"{parameter}[0]=1",
            f"{parameter}",
            f"{parameter}=&{parameter}=",
            "&".join(f"{parameter}={n}" for n in range(200)),
        ]:
            answer(client, address, query)


@pytest.mark.parametrize("name", addresses())
@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
def test_page_numbers_that_are_no_page_get_an_answer(client, shelf, name, prefix):
    for page in PAGES:
        answer(client, prefix + path(name), f"page={page}")
    answer(client, prefix + path(name), "page=1&page=2")


def test_unknown_sort_keys_are_refused_with_a_message(client, shelf):
    sorted_here = [name for name in FILTERED if "sort" in FILTERED[name].base_filters]
    assert len(sorted_here) == 10  # all but the journals
    for name in sorted_here:
        response = answer(client, path(name), "sort=-pk&sort=__class__")
        if name.endswith(("_list", "_timeline")):
            assert response.context["filter_form"].errors["sort"]
        else:
            assert response.status_code == 400


@pytest.mark.parametrize("name", ["year_min", "year_max"])
def test_a_year_out_of_range_is_refused_on_the_list_and_its_download(client, shelf, name):
    for value in ("0", "-1", "10000", "9" * 40):
        listed = answer(client, path("publication_list"), f"{name}={value}")
        assert listed.context["filter_form"].errors[name]
        assert list(listed.context["object_list"]) == []
        assert answer(client, path("publication_list_csv"), f"{name}={value}").status_code == 400


def test_a_journals_page_number_that_is_no_page_shows_its_first_page(client, shelf):
    journal_page = path("journal_detail", slug="cold-war-history")
    for page in PAGES:
        response = client.get(journal_page, {"page": page})
        assert response.status_code == 200


def percent_encoded(raw: bytes) -> str:
    return quote(raw, safe="")


FILTER_NAMES = sorted(
    {name for filterset in set(FILTERED.values()) for name in filterset.base_filters}
)
parameter_names = st.sampled_from([*FILTER_NAMES, "page", "unknown", "q[]", ""])
raw_values = st.one_of(
    st.binary(max_size=40).map(percent_encoded),
    st.text(max_size=40).map(lambda text: quote(text.encode("utf-8", "surrogatepass"), safe="")),
    st.integers().map(str),
    st.sampled_from(HOSTILE_VALUES),
)
queries = st.lists(st.tuples(parameter_names, raw_values), max_size=6).map(
    lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(addresses()), query=queries)
def test_any_query_string_gets_a_page_or_a_refusal(client, shelf, name, query):
    # The shelf is read and never written, so every example may share it.
    answer(client, path(name), query)


# --- the language switcher and the addresses built from the request -------------------------


OFF_SITE_PATHS = [
    "//evil.example/x",
    "//evil.example",
    "///evil.example/x",
    "/%2F%2Fevil.example",
    "/%2F%2Fevil.example/publications/",
    "/%5Cevil.example",
    "/\\evil.example",
    "/\\\\evil.example/",
    "/zh-hans//evil.example/x",
    "/zh-hans/%2F%2Fevil.example",
    "//evil.example/publications/",
    "/publications/?next=//evil.example/&q=%22%3E%3Cscript%3E",
    "/publications/?q=https://evil.example/",
    "/%09/evil.example",
    "/%0d%0aLocation:%20https://evil.example/",
]


class AddressCollector(HTMLParser):
    """The addresses a page links or points to, by where they are."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.switcher: list[str] = []
        self.canonical: list[str] = []
        self.alternates: list[str] = []
        self.links: list[str] = []
        self.in_switcher = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "language-switcher" in (attrs.get("class") or ""):
            self.in_switcher = True
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs.get("href") or "")
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates.append(attrs.get("href") or "")
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
            if self.in_switcher:
                self.switcher.append(attrs["href"])
        if tag == "meta" and attrs.get("property") == "og:url":
            self.canonical.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_switcher = False


def on_site(address: str) -> bool:
    """A reference within this page, a local path, or an absolute address on this site. Browsers
    read a backslash as a slash and `//host` or `///host` as another host."""
    cleaned = address.strip().replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and parts.netloc == "testserver"
    if cleaned.startswith(("#", "?")):
        return True
    return cleaned.startswith("/") and not cleaned.startswith("//")


def raw_get(client, address: str):
    """GET `address` as a server passes it on: the path percent-decoded, the query as sent. (The
    test client would read `//host/x` as another host and ask for `/x`.)"""
    path_part, _, query = address.partition("?")
    path_info = unquote_to_bytes(path_part).decode("iso-8859-1")
    return client.get("/", PATH_INFO=path_info, QUERY_STRING=query)


@pytest.mark.parametrize("address", OFF_SITE_PATHS)
def test_no_address_built_from_the_request_leaves_the_site(client, shelf, address):
    response = raw_get(client, address)
    assert response.status_code in (200, 301, 302, 404), address
    if response.status_code in (301, 302):
        assert on_site(response["Location"]), response["Location"]
        return
    page = AddressCollector()
    page.feed(body(response))
    assert len(page.switcher) == 2, address
    for found in page.switcher + page.canonical + page.alternates + page.links:
        assert on_site(found), (address, found)


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
def test_the_switcher_of_an_odd_address_leads_to_a_page_of_this_site(client, shelf, prefix):
    response = raw_get(client, prefix + "//evil.example/x")
    assert response.wsgi_request.path == prefix + "//evil.example/x"
    page = AddressCollector()
    page.feed(body(response))
    assert [urlsplit(link).netloc for link in page.switcher] == ["", ""]
    assert all(link.startswith("/") and not link.startswith("//") for link in page.switcher)


def test_the_switcher_keeps_an_ordinary_page_and_its_query(client, shelf):
    response = client.get("/publications/", {"q": "cold", "page": "1"})
    page = AddressCollector()
    page.feed(body(response))
    assert page.switcher == ["/publications/?q=cold&page=1", "/zh-hans/publications/?q=cold&page=1"]


def test_setting_the_language_never_redirects_off_the_site(client):
    try:
        address = reverse("set_language")
    except NoReverseMatch:
        # Not routed: the address alone decides the language. Django's usual address is not found.
        response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "//evil.example/"})
        assert response.status_code == 404
        return
    for next_address in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(address, {"language": "zh-hans", "next": next_address})
        assert on_site(response.get("Location", "/")), next_address
