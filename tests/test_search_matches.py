"""A search's matches read once and handed to the list's queries: the same publications, in the
same order, as asking the full-text table in each query or reading every row, on both
databases; never stale after a write; drafts left out."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive import search_index
from archive.models import Publication, Status
from archive.search import search_terms
from archive.views import PublicationListView
from tests.factories import add_translated_title, make_publication

pytestmark = pytest.mark.django_db

LIST = reverse("archive:publication_list")


def read_every_row(query) -> set[str]:
    terms = search_terms(query)
    return {
        publication.title
        for publication in Publication.objects.filter(status=Status.PUBLISHED)
        if all(term in publication.search_text for term in terms)
    }


def listed(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [publication.title for publication in response.context["page_obj"].object_list]


@pytest.fixture
def shelf():
    for year, title, chinese in [
        (1950, "Soviet famine reports", "苏联饥荒"),
        (1955, "Soviet experts in Harbin", "苏联专家在哈尔滨"),
        (1958, "Famine and the Great Leap", "大跃进"),
        (1961, "Soviet withdrawal and famine relief", "苏联撤走专家"),
        (1962, "Harbin trams", "哈尔滨电车"),
        (1970, "Soviet radio", "苏联电台"),
    ]:
        add_translated_title(make_publication(title, publication_date=f"{year}-05-01"), chinese)
    hidden = make_publication("Soviet famine, a draft", status=Status.DRAFT)
    add_translated_title(hidden, "苏联饥荒草稿")


@pytest.fixture(params=["sought by id", "checked in order", "asked in each query"])
def way(request, monkeypatch):
    """The three ways each database hands a search's matches to the list, chosen here by how
    many there are: SQLite's full-text matches, PostgreSQL's postings."""
    few, most = {"sought by id": (3_000, 20_000), "checked in order": (0, 20_000)}.get(
        request.param, (0, 0)
    )
    monkeypatch.setattr(search_index, "FEW_MATCHES_SOUGHT", few)
    monkeypatch.setattr(search_index, "MOST_MATCHES_READ", most)
    monkeypatch.setattr(search_index, "FEW_POSTINGS", few)
    monkeypatch.setattr(search_index, "FEW_POSTINGS_COUNTED", few)
    monkeypatch.setattr(search_index, "MOST_POSTINGS_NAMED", most)
    kept = (search_index._matches, search_index._looked_up, search_index._held_by_all)
    for function in kept:
        function.cache_clear()
    yield request.param
    for function in kept:
        function.cache_clear()


@pytest.mark.parametrize(
    "query",
    ["soviet famine", "famine soviet", "soviet 苏联", "苏联 harbin", "苏联专家", "harbin zzzyx"],
)
def test_every_word_of_a_search_must_match_whichever_way_the_matches_are_handed_over(
    shelf, client, way, query
):
    titles = listed(client, q=query, sort="date")

    assert set(titles) == read_every_row(query)
    assert "Soviet famine, a draft" not in titles
    years = [Publication.objects.get(title=title).year for title in titles]
    assert years == sorted(years)


def test_the_facets_and_total_of_a_search_count_its_matches_whichever_way(shelf, client, way):
    response = client.get(LIST, {"q": "soviet", "year_min": 1950, "year_max": 1961})

    assert response.context["paginator"].count == 3
    years = {
        value["label"]: value["count"]
        for facet in response.context["facets"]
        if facet["name"] == "year"
        for value in facet["values"]
    }
    # Each facet counts under the other filters: every year of the search, not only 1950-61.
    assert years == {"1950": 1, "1955": 1, "1961": 1}


def test_the_pages_of_a_search_follow_one_another_whichever_way(shelf, client, way, monkeypatch):
    whole = listed(client, q="soviet", sort="date")
    monkeypatch.setattr(PublicationListView, "paginate_by", 2)

    pages = [listed(client, q="soviet", sort="date", page=page) for page in (1, 2)]

    assert len(whole) == 4
    assert pages[0] + pages[1] == whole


def test_a_publication_written_after_a_search_is_found_by_the_same_search(shelf, client):
    assert set(listed(client, q="trams")) == {"Harbin trams"}

    make_publication("Trams of Dalian")
    Publication.objects.filter(title="Harbin trams").update(status=Status.DRAFT)

    assert set(listed(client, q="trams")) == {"Trams of Dalian"}


def test_a_search_page_counted_afresh_asks_the_full_text_table_once(shelf, client):
    with CaptureQueriesContext(connection) as queries:
        titles = listed(client, q="soviet famine", year_min=1950, year_max=1965)

    assert set(titles) == {"Soviet famine reports", "Soviet withdrawal and famine relief"}
    if connection.vendor == "sqlite":
        asked = [query["sql"] for query in queries.captured_queries if " MATCH " in query["sql"]]
        # Both words in one phrase query, read once for the counts and the page's keys.
        assert len(asked) == 1
        assert search_index.SEARCH_TABLE in asked[0]


@pytest.mark.parametrize(
    ("kind", "years"),
    [
        ("book", {"1955": 1, "1961": 1}),  # a minority of the list: grouped by `+year` on SQLite
        ("journal-article", {"1950": 1, "1958": 2, "1962": 1}),  # most of it: in the index's order
    ],
)
def test_the_years_of_a_type_are_counted_alike_however_common_the_type(client, kind, years):
    for year, chosen in [
        (1950, "journal-article"),
        (1955, "book"),
        (1958, "journal-article"),
        (1958, "journal-article"),
        (1961, "book"),
        (1962, "journal-article"),
    ]:
        make_publication(
            publication_type=chosen, publication_date=f"{year}-01-01", is_open_access=False
        )
    make_publication(publication_type="book", publication_date="1956-01-01", status=Status.DRAFT)

    response = client.get(LIST, {"publication_type": kind, "open_access": "false"})

    counted = {
        value["label"]: value["count"]
        for facet in response.context["facets"]
        if facet["name"] == "year"
        for value in facet["values"]
    }
    assert counted == years
    assert response.context["paginator"].count == sum(years.values())
