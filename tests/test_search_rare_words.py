"""A rare word's publications named to the list by their ids, and a long Chinese word looked up
by its rarest pair of characters: the same results as reading every row, on both databases,
with drafts left out."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive import search_index
from archive.models import Publication, Status
from tests.factories import add_translated_title, make_publication
from tests.test_search_index import found, read_every_row

pytestmark = pytest.mark.django_db


def listed_with_keys_query(client, query: str):
    """The publication list searched for `query`, and the SQL of the queries reading its page's
    keys."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("archive:publication_list"), {"q": query})
    keys = [
        captured["sql"]
        for captured in queries.captured_queries
        if captured["sql"].startswith('SELECT "archive_publication"."id" AS "pk"')
    ]
    return response, keys


@pytest.fixture
def shelf(monkeypatch):
    # Three postings make a word common here, so that a handful of publications holds both
    # rare and common words (100,000 publications and FEW_POSTINGS do the same).
    monkeypatch.setattr(search_index, "FEW_POSTINGS", 3)
    monkeypatch.setattr(search_index, "FEW_POSTINGS_COUNTED", 3)
    monkeypatch.setattr(search_index, "MOST_POSTINGS_NAMED", 4)
    for title, chinese in [
        ("Radio Moscow in Harbin", "苏联专家在哈尔滨"),
        ("Radio Peking", "苏联的专家"),
        ("Radio Free Europe", "专家与苏联"),
        ("Radio days in Manchuria", "苏联铁路"),
        ("Harbin trams", "哈尔滨电车"),
        ("Manchurian railway", "苏联专家与铁路"),
    ]:
        add_translated_title(make_publication(title), chinese)
    hidden = make_publication("Radio Harbin, a draft", status=Status.DRAFT)
    add_translated_title(hidden, "苏联专家的草稿")


@pytest.mark.parametrize(
    "query",
    [
        "harbin",  # rare: named by id
        "radio",  # common: the postings as a subquery
        "radio harbin",  # a common word and a rare one together
        "manchuria",
        "moscow peking",  # two rare words, nothing in common
        "苏联专家",  # a long Chinese word: its rarest pair, then the text
        "苏联专家与",
        "联专家在哈",
        "专家的",
        "苏联",  # a common pair
        "尔滨电车",
        "专家苏联",  # every pair is held, never together
        "苏维埃",  # a pair no text holds
    ],
)
def test_a_search_finds_what_reading_every_row_finds(shelf, query):
    assert found(query) == read_every_row(query)


@pytest.mark.parametrize("query", ["苏联专家", "专家与苏联", "苏联专家与铁路"])
def test_a_long_chinese_word_held_by_many_words_finds_what_reading_every_row_finds(
    shelf, monkeypatch, query
):
    # As when more words than the vocabulary lists hold it (each run of Chinese is one word).
    monkeypatch.setattr(search_index, "MOST_WORDS_LOOKED_UP", 0)
    assert found(query) == read_every_row(query)


@pytest.mark.parametrize("query", ["harbin", "radio harbin", "苏联专家"])
def test_a_rare_word_lists_no_draft(shelf, client, query):
    response = client.get(reverse("archive:publication_list"), {"q": query})

    titles = {publication.title for publication in response.context["page_obj"].object_list}
    assert "Radio Harbin, a draft" not in titles
    assert response.context["paginator"].count == len(titles)
    assert titles == set(
        Publication.objects.filter(
            pk__in=read_every_row(query), status=Status.PUBLISHED
        ).values_list("title", flat=True)
    )


def test_a_rare_word_is_looked_up_by_the_ids_of_its_publications(shelf, client):
    response, keys = listed_with_keys_query(client, "harbin")

    assert response.context["paginator"].count == 2
    assert len(keys) == 1
    if connection.vendor == "postgresql":
        # The ids read beforehand, not the postings as a subquery the planner misjudges.
        assert '"archive_publication"."id" = ANY(' in keys[0]
        assert search_index.POSTINGS_TABLE not in keys[0]


def test_a_common_word_is_looked_up_in_its_postings(shelf, client):
    response, keys = listed_with_keys_query(client, "radio")

    assert response.context["paginator"].count == 4
    assert len(keys) == 1
    if connection.vendor == "postgresql":
        assert search_index.POSTINGS_TABLE in keys[0]


def test_a_middling_word_is_checked_against_its_publications_ids(shelf, client, monkeypatch):
    monkeypatch.setattr(search_index, "FEW_POSTINGS", 1)
    monkeypatch.setattr(search_index, "MOST_POSTINGS_NAMED", 100)
    response, keys = listed_with_keys_query(client, "harbin radio")

    titles = {publication.title for publication in response.context["page_obj"].object_list}
    assert titles == {"Radio Moscow in Harbin"}
    assert len(keys) == 1
    if connection.vendor == "postgresql":
        # Not sought by key: the list walks its order index and checks each entry.
        assert '("archive_publication"."id" + 0) = ANY(' in keys[0]
