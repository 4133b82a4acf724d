"""Narrowing the public lists, through HTTP: every filter, bad parameters, and the queries it takes."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from archive.models import Journal, JournalMetric, Publication, PublicationType, Status
from archive.search import search_filter, search_terms
from archive.search_index import POSTINGS_TABLE, cjk_grams
from tests.factories import (
    add_journal_metric,
    add_participant,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db

CAS = JournalMetric.System.CAS


def get(client, name, **params):
    response = client.get(reverse(f"archive:{name}"), params)
    assert response.status_code == 200
    return response


def shown(client, name, **params):
    return [str(record) for record in get(client, name, **params).context["page_obj"].object_list]


# Publications


@pytest.fixture
def shelf():
    """Three publications that differ in every way a reader can filter by."""
    gu = make_person("Ji-Dong Gu")
    mao = make_person("Mao Zedong")
    visit = make_event("Khrushchev's visit")
    cwh = make_journal(name="Cold War History")
    make_publication(
        "An old article",
        publication_date="1990-05",
        journal=cwh,
        authors=[gu],
        citation_count=3,
    )
    make_publication(
        "A Chinese book",
        publication_date="2005",
        publication_type=PublicationType.BOOK,
        language="zh",
        about=[mao],
        is_open_access=True,
        citation_count=40,
    )
    make_publication("A new article", publication_date="2022-06-21", journal=cwh, events=[visit])
    return {"gu": gu}


OLD, BOOK, NEW = "An old article (1990)", "A Chinese book (2005)", "A new article (2022)"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [NEW, BOOK, OLD]),
        ({"journal": "cold-war-history"}, [NEW, OLD]),
        ({"year_min": "2000"}, [NEW, BOOK]),
        ({"year_max": "2005"}, [BOOK, OLD]),
        ({"year_min": "2000", "year_max": "2010"}, [BOOK]),
        ({"publication_type": "book"}, [BOOK]),
        ({"language": "zh"}, [BOOK]),
        ({"open_access": "true"}, [BOOK]),
        ({"open_access": "false"}, []),
        ({"author": "ji-dong-gu"}, [OLD]),
        ({"about": "mao-zedong"}, [BOOK]),
        ({"event": "khrushchevs-visit"}, [NEW]),
        ({"q": "article", "journal": "cold-war-history", "year_min": "2000"}, [NEW]),
        ({"sort": "date"}, [OLD, BOOK, NEW]),
        ({"sort": "-date"}, [NEW, BOOK, OLD]),
        ({"sort": "title"}, [BOOK, NEW, OLD]),
        ({"sort": "-citations"}, [BOOK, OLD, NEW]),
    ],
)
def test_publications_are_filtered_and_sorted(client, shelf, params, expected):
    assert shown(client, "publication_list", **params) == expected


def test_a_publication_filter_by_a_draft_person_finds_nothing(client, shelf):
    shelf["gu"].status = Status.DRAFT
    shelf["gu"].save()
    assert shown(client, "publication_list", author="ji-dong-gu") == []


def test_an_author_credited_twice_lists_the_publication_once(client):
    from tests.factories import add_author

    gu = make_person("Ji-Dong Gu")
    publication = make_publication("Edited and written", authors=[gu], publication_date="2020")
    add_author(publication, gu, role="editor")
    assert shown(client, "publication_list", author="ji-dong-gu") == ["Edited and written (2020)"]


def test_the_form_keeps_the_values_chosen_and_a_chosen_journal_travels_hidden(client, shelf):
    response = get(client, "publication_list", journal="cold-war-history", year_min="2000")
    assertContains(response, '<form method="get" class="filters" role="search"')
    assertContains(response, 'name="year_min" value="2000"')
    assertContains(response, '<input type="hidden" name="journal" value="cold-war-history"')
    # No <select> of every journal: the journal facet offers those of the results.
    assertNotContains(response, '<select name="journal"')


def test_every_visible_filter_has_a_label(client, shelf):
    for name in ("publication_list", "person_list", "event_list", "journal_list"):
        form = get(client, name).context["filter_form"]
        html = get(client, name).content.decode()
        for field in form.visible_fields():
            assert f'<label for="{field.id_for_label}">{field.label}</label>' in html


def test_a_filter_in_use_is_named_as_a_reader_knows_it_with_a_link_that_removes_it(client, shelf):
    response = get(client, "publication_list", author="ji-dong-gu", q="old", page="1")
    assert [(f["label"], f["value"]) for f in response.context["active_filters"]] == [
        ("Search", "old"),
        ("Author", "Ji-Dong Gu"),
    ]
    assertContains(
        response, 'href="?q=old">Remove<span class="visually-hidden"> Author: Ji-Dong Gu'
    )
    assertContains(
        response, 'href="?author=ji-dong-gu">Remove<span class="visually-hidden"> Search'
    )
    assertContains(response, '<input type="hidden" name="author" value="ji-dong-gu"')


def test_pagination_keeps_the_filters(client):
    for number in range(30):
        make_publication(f"Article {number}", publication_date="2000")
    response = get(client, "publication_list", year_min="1999", q="article")
    assertContains(response, 'href="?year_min=1999&amp;q=article&amp;page=2"')


def test_no_match_suggests_what_to_loosen(client, shelf):
    response = get(client, "publication_list", q="nothing-like-this")
    assertContains(response, "0 publications")
    assertContains(response, "No publications match these filters.")
    assertContains(response, "a wider range of years")
    assertContains(
        response, f'<a href="{reverse("archive:publication_list")}">Clear all filters</a>'
    )


def test_no_match_offers_to_remove_each_filter_in_use(client, shelf):
    response = get(
        client, "publication_list", journal="cold-war-history", publication_type="book", page="1"
    )
    assert response.context["paginator"].count == 0
    assertContains(
        response, '<a href="?publication_type=book">Remove Journal: Cold War History</a>', html=True
    )
    assertContains(response, '<a href="?journal=cold-war-history">Remove Type: Book</a>', html=True)
    # Each link leads to a list that is no longer empty.
    assert shown(client, "publication_list", publication_type="book") == [BOOK]
    assert shown(client, "publication_list", journal="cold-war-history") == [NEW, OLD]


# Malformed parameters


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("publication_list", {"year_min": "abc"}, "From year"),
        ("publication_list", {"year_max": "1954.5"}, "To year"),
        ("publication_list", {"year_min": "99999999999999999999"}, "From year"),
        ("publication_list", {"journal": "not/a/slug"}, "Journal"),
        ("publication_list", {"q": "x" * 201}, "Search"),
        ("publication_list", {"q": "cold\x00war"}, "Search"),
        ("publication_list", {"publication_type": "pamphlet"}, "Type"),
        ("publication_list", {"open_access": "maybe"}, None),
        ("publication_list", {"author": "not a slug!"}, "Author"),
        ("publication_list", {"sort": "-title; drop table"}, "Sort by"),
        ("person_list", {"born_min": "0"}, "Born from"),
        ("person_list", {"role": "spy"}, "Role"),
        ("event_list", {"year_max": "10000"}, "To year"),
        ("event_list", {"place": "Atlantis"}, "Place"),
        ("journal_list", {"zone": "5"}, "CAS zone"),
        ("journal_list", {"quartile": "Q9"}, "JCR quartile"),
    ],
)
def test_a_malformed_parameter_shows_its_error_and_no_records(client, shelf, name, params, field):
    make_event(place="Beijing")
    response = get(client, name, **params)
    records = response.context["page_obj"].object_list
    if field is None:  # a value a yes/no filter cannot read is ignored
        assert len(records) == 3
        return
    assert list(records) == []
    assertContains(response, 'role="alert"')
    assertContains(response, field)


def test_an_invalid_year_is_described_next_to_its_field(client, shelf):
    response = get(client, "publication_list", year_min="abc")
    assertContains(response, 'aria-invalid="true" aria-describedby="id_year_min_error"')
    assertContains(response, '<p class="error" id="id_year_min_error">Enter a whole number.</p>')


def test_unknown_slugs_match_nothing(client, shelf):
    assert shown(client, "publication_list", journal="no-such-journal") == []
    assert shown(client, "publication_list", author="nobody") == []
    assert shown(client, "publication_list", event="nothing") == []
    assert shown(client, "event_list", person="nobody") == []


def test_an_unknown_parameter_is_ignored(client, shelf):
    assert len(shown(client, "publication_list", colour="red")) == 3


# People


@pytest.fixture
def people():
    author = make_person("Ji-Dong Gu", birth_date="1965")
    make_publication(authors=[author])
    make_publication(authors=[author], status=Status.DRAFT)  # an author with a draft too
    draft_author = make_person("Drafty Writer", family_name="Writer", birth_date="1930")
    make_publication(authors=[draft_author], status=Status.DRAFT)
    make_person(
        "Nikita Khrushchev", family_name="Khrushchev", birth_date="1894~", death_date="1971"
    )
    make_person("Mao Zedong", family_name="Mao", birth_date="1893-12-26", death_date="1976-09")
    return author


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Ji-Dong Gu", "Nikita Khrushchev", "Mao Zedong", "Drafty Writer"]),
        ({"role": "author"}, ["Ji-Dong Gu"]),
        ({"role": "figure"}, ["Nikita Khrushchev", "Mao Zedong", "Drafty Writer"]),
        # About 1894 may be as early as 1893 or as late as 1895.
        ({"born_min": "1895"}, ["Ji-Dong Gu", "Nikita Khrushchev", "Drafty Writer"]),
        ({"born_max": "1893"}, ["Nikita Khrushchev", "Mao Zedong"]),
        ({"born_min": "1900", "born_max": "1940"}, ["Drafty Writer"]),
        ({"died_min": "1972"}, ["Mao Zedong"]),
        ({"died_max": "1971"}, ["Nikita Khrushchev"]),
        ({"sort": "-name"}, ["Drafty Writer", "Mao Zedong", "Nikita Khrushchev", "Ji-Dong Gu"]),
        ({"q": "mao", "role": "figure"}, ["Mao Zedong"]),
    ],
)
def test_people_are_filtered_and_sorted(client, people, params, expected):
    assert shown(client, "person_list", **params) == expected


# Events


@pytest.fixture
def calendar():
    mao = make_person("Mao Zedong")
    visit = make_event("The visit", date="1954-09/1954-10", place="Beijing")
    add_participant(visit, mao, "host")
    make_event("The dispatch", date="1954/1957", place="Siberia")
    make_event("The conference", date="1957-11", place="Moscow")
    make_event("Undated talks")
    return mao


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["The dispatch", "The visit", "The conference", "Undated talks"]),
        # An event may have happened in the range when its span of possible days meets it.
        ({"year_min": "1955", "year_max": "1956"}, ["The dispatch"]),
        ({"year_min": "1957"}, ["The dispatch", "The conference"]),
        ({"year_max": "1954"}, ["The dispatch", "The visit"]),
        ({"person": "mao-zedong"}, ["The visit"]),
        ({"place": "Siberia"}, ["The dispatch"]),
        ({"q": "the", "place": "Moscow"}, ["The conference"]),
    ],
)
def test_events_are_filtered_by_when_they_may_have_happened_who_and_where(
    client, calendar, params, expected
):
    titles = [title.split(" (")[0] for title in shown(client, "event_list", **params)]
    assert titles == expected


def test_the_place_filter_offers_places_of_published_events_only(client, calendar):
    make_event("Secret meeting", place="Area 51", status=Status.DRAFT)
    response = get(client, "event_list")
    assertContains(response, '<option value="Siberia">Siberia</option>', html=True)
    assertNotContains(response, "Area 51")


# Journals


@pytest.fixture
def ranked():
    rising = make_journal(name="Rising Journal")
    add_journal_metric(rising, year=2022, quartile="Q3", category="HISTORY")
    add_journal_metric(rising, year=2023, quartile="Q1", category="AREA STUDIES")
    add_journal_metric(rising, system=CAS, zone=4, category="历史学", year=2022)
    add_journal_metric(
        rising,
        system=CAS,
        zone=2,
        category="历史学",
        year=2024,
        recorded_on=datetime.date(2025, 1, 1),
    )
    steady = make_journal(name="Steady Journal")
    add_journal_metric(steady, year=2023, quartile="Q3", category="HISTORY")
    make_journal(name="Unranked Journal")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Rising Journal", "Steady Journal", "Unranked Journal"]),
        ({"quartile": "Q1"}, ["Rising Journal"]),
        ({"quartile": "Q3"}, ["Steady Journal"]),
        ({"zone": "2"}, ["Rising Journal"]),
        ({"zone": "4"}, []),
        ({"category": "HISTORY"}, ["Steady Journal"]),
        ({"category": "AREA STUDIES"}, ["Rising Journal"]),
        ({"category": "历史学"}, ["Rising Journal"]),
        ({"q": "journal", "quartile": "Q3"}, ["Steady Journal"]),
    ],
)
def test_journals_are_filtered_by_their_latest_ranking(client, ranked, params, expected):
    assert shown(client, "journal_list", **params) == expected


# Query counts


@pytest.fixture
def thirty_of_each():
    people = [make_person(f"Author {n}", birth_date="1900", death_date="1980") for n in range(30)]
    events = [make_event(f"Event {n}", date="1954", place="Beijing") for n in range(30)]
    journals = [make_journal(name=f"Journal {n}") for n in range(30)]
    for number, journal in enumerate(journals):
        add_journal_metric(journal, year=2023, quartile="Q2", category="HISTORY")
        add_journal_metric(journal, system=CAS, zone=2, category="历史学")
        make_publication(
            f"Article {number}",
            authors=[people[number], people[(number + 1) % 30], people[(number + 2) % 30]],
            about=[people[0]],
            events=[events[0]],
            journal=journal,
            publication_date="1990",
            is_open_access=True,
        )
        add_participant(events[number], people[0], "host")
    return people[0]


# The publication list, counted afresh: the counts by journal, year and type and the journals
# they name (4), the names of the person, event and journal filtered by (one each), the total,
# the keys of the page, its rows, and their journals, authorships and authors (6). Counted
# before (the counts are kept a few minutes per filter state), it leaves out the first four.
FILTERED_PAGES = [
    (
        "publication_list",
        {
            "q": "article",
            "journal": "journal-0",
            "year_min": "1950",
            "year_max": "2000",
            "publication_type": "journal-article",
            "language": "en",
            "open_access": "true",
            "about": "author-0",
            "event": "event-0",
            "sort": "-citations",
        },
        13,
    ),
    ("publication_list", {"q": "article", "author": "author-1", "sort": "title"}, 11),
    # The other lists: a count, the keys of the page and its rows, the choices of a filter
    # (places, categories) and the name of a person filtered by.
    (
        "person_list",
        {"q": "author", "role": "author", "born_min": "1890", "died_max": "1990", "sort": "-name"},
        3,
    ),
    ("event_list", {"q": "event", "year_min": "1950", "person": "author-0", "place": "Beijing"}, 5),
    ("journal_list", {"q": "journal", "quartile": "Q2", "zone": "2", "category": "HISTORY"}, 4),
]


@pytest.mark.parametrize(("name", "params", "queries"), FILTERED_PAGES)
def test_a_filtered_list_uses_a_few_queries_however_many_records(
    client, django_assert_max_num_queries, thirty_of_each, name, params, queries
):
    with django_assert_max_num_queries(queries):
        response = get(client, name, **params)
    assert response.context["page_obj"].object_list


def test_a_second_page_of_publications_reuses_the_counts(
    client, django_assert_max_num_queries, thirty_of_each
):
    for number in range(30, 60):
        make_publication(f"Article {number}", publication_date="1990")
    get(client, "publication_list", q="article")
    # PostgreSQL first reads which words of its vocabulary hold the search word.
    vocabulary = 1 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(6 + vocabulary):
        response = get(client, "publication_list", q="article", page="2")
    assert response.context["paginator"].count == 60
    assert len(response.context["page_obj"].object_list) == 25


# Counts by journal, year and type


def facet(response, name) -> dict:
    """A facet of the page as {label: (count, url, chosen)}."""
    (found,) = [f for f in response.context["facets"] if f["name"] == name]
    return {v["label"]: (v["count"], v["url"], v["selected"]) for v in found["values"]}


@pytest.fixture
def library():
    cwh = make_journal(name="Cold War History")
    jcws = make_journal(name="Journal of Cold War Studies")
    hidden = make_journal(name="Hidden Journal", status=Status.DRAFT)
    for year in (1954, 1957, 1957, 1990):
        make_publication(f"Article {year}", publication_date=str(year), journal=cwh)
    make_publication("A book", publication_date="1957", publication_type=PublicationType.BOOK)
    make_publication("Elsewhere", publication_date="2001", journal=jcws)
    make_publication("In a draft journal", publication_date="2001", journal=hidden)
    make_publication("A draft", publication_date="1957", journal=cwh, status=Status.DRAFT)


def test_the_publication_list_counts_its_records_by_journal_decade_and_type(client, library):
    response = get(client, "publication_list")

    assert facet(response, "journal") == {
        "Cold War History": (4, "?journal=cold-war-history", False),
        "Journal of Cold War Studies": (1, "?journal=journal-of-cold-war-studies", False),
    }
    assert facet(response, "year") == {
        "1950s": (4, "?year_min=1950&year_max=1959", False),
        "1990s": (1, "?year_min=1990&year_max=1999", False),
        "2000s": (2, "?year_min=2000&year_max=2009", False),
    }
    assert {
        label: count for label, (count, _, _) in facet(response, "publication_type").items()
    } == {
        "Journal article": 6,
        "Book": 1,
    }
    assertContains(response, "7 publications")


def test_each_facet_counts_under_the_other_filters_but_not_its_own(client, library):
    response = get(
        client, "publication_list", journal="cold-war-history", year_min="1950", year_max="1959"
    )

    # Other journals stay offered with their counts for these years; the chosen one is marked
    # and its link removes it.
    assert facet(response, "journal") == {
        "Cold War History": (3, "?year_min=1950&year_max=1959", True),
    }
    # Within a decade the years are counted one by one.
    assert facet(response, "year") == {
        "1954": (1, "?journal=cold-war-history&year_min=1954&year_max=1954", False),
        "1957": (2, "?journal=cold-war-history&year_min=1957&year_max=1957", False),
    }
    assert {
        label: count for label, (count, _, _) in facet(response, "publication_type").items()
    } == {"Journal article": 3}
    assertContains(response, "3 publications")
    assertContains(response, 'aria-current="true"')


@pytest.fixture
def articles(library):
    """`article` in the library's four Cold War History articles, and in a book holding it
    twice as two words of the text (`article.`, `article`), an undated article, and a draft."""
    make_publication(
        "Article. Another article", publication_date="1957", publication_type=PublicationType.BOOK
    )
    make_publication("Undated article", publication_date="")
    cwh = Journal.objects.get(name="Cold War History")
    make_publication("Draft article", publication_date="1957", journal=cwh, status=Status.DRAFT)


def counts(response) -> dict:
    """Every facet's counts by label; a facet with nothing to count is left out of the page."""
    found = {name: {} for name in ("journal", "year", "publication_type")}
    for shown in response.context["facets"]:
        found[shown["name"]] = {value["label"]: value["count"] for value in shown["values"]}
    return found


@pytest.mark.parametrize(
    ("params", "expected", "total"),
    [
        (
            {},
            {
                "journal": {"Cold War History": 4},
                "year": {"1950s": 4, "1990s": 1},
                "publication_type": {"Journal article": 5, "Book": 1},
            },
            6,
        ),
        (
            {"journal": "cold-war-history", "year_min": "1950", "year_max": "1959"},
            {
                "journal": {"Cold War History": 3},
                "year": {"1954": 1, "1957": 2},
                "publication_type": {"Journal article": 3},
            },
            3,
        ),
        (
            {"publication_type": "book"},
            {
                "journal": {},
                "year": {"1957": 1},
                "publication_type": {"Journal article": 5, "Book": 1},
            },
            1,
        ),
    ],
)
def test_a_search_counts_each_published_match_once_under_the_other_filters(
    client, articles, params, expected, total
):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = get(client, "publication_list", q="ARTICLE", **params)

    assert counts(response) == expected
    assert response.context["paginator"].count == total
    assert_counted_from_postings(queries)


def assert_counted_from_postings(queries) -> None:
    """On PostgreSQL, a search's counts come from its words' postings, which hold each
    publication's facet columns (migration 0015), not from the publications."""
    if connection.vendor == "postgresql":
        (counting,) = [query["sql"] for query in queries if "GROUPING" in query["sql"]]
        assert POSTINGS_TABLE in counting
        assert f'FROM "{Publication._meta.db_table}"' not in counting


def test_a_search_of_two_words_counts_the_publications_holding_both(client, articles):
    from django.test.utils import CaptureQueriesContext

    cwh = Journal.objects.get(name="Cold War History")
    make_publication("Another article, in a journal", publication_date="1990", journal=cwh)
    make_publication("Another draft article", publication_date="1990", status=Status.DRAFT)
    make_publication("Another book", publication_date="1990")

    with CaptureQueriesContext(connection) as queries:
        response = get(client, "publication_list", q="another ARTICLE")

    assert counts(response) == {
        "journal": {"Cold War History": 1},
        "year": {"1950s": 1, "1990s": 1},
        "publication_type": {"Book": 1, "Journal article": 1},
    }
    assert response.context["paginator"].count == 2
    assert_counted_from_postings(queries)


def test_a_search_with_another_filter_counts_from_the_publications(client, articles):
    response = get(client, "publication_list", q="article", language="en")
    assert counts(response) == {
        "journal": {"Cold War History": 4},
        "year": {"1950s": 4, "1990s": 1},
        "publication_type": {"Journal article": 5, "Book": 1},
    }


def test_the_counts_the_list_and_its_total_are_current_after_a_change(client, library):
    get(client, "publication_list", publication_type="book")
    make_publication("Another book", publication_date="1957", publication_type="book")

    response = get(client, "publication_list", publication_type="book")

    assert response.context["paginator"].count == 2
    assert len(response.context["page_obj"].object_list) == 2
    assert facet(response, "publication_type")["Book"][0] == 2


def test_paging_through_a_search_counts_it_once_under_a_content_version(client, library):
    from django.test.utils import CaptureQueriesContext

    first = get(client, "publication_list", q="article")
    with CaptureQueriesContext(connection) as queries:
        again = get(client, "publication_list", q="article", page="1", sort="title")

    assert again.context["paginator"].count == first.context["paginator"].count > 0
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]

    make_publication("One more article", publication_date="1958")
    after = get(client, "publication_list", q="article", sort="title")
    assert after.context["paginator"].count == first.context["paginator"].count + 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"journal": "cold-war-history"},
        {"journal": "no-such-journal"},
        {"year_min": "1950", "year_max": "1959"},
        {"year_min": "2000"},
        {"publication_type": "book", "year_max": "1960"},
        {"journal": "cold-war-history", "year_min": "1957", "publication_type": "journal-article"},
        {"q": "article", "journal": "cold-war-history"},
    ],
)
def test_counting_by_groups_together_or_apart_gives_the_same_counts(library, params):
    # With a search the counts are taken in one grouped query, without one in three.
    from archive import selectors
    from archive.filters import PublicationFilterSet

    filterset = PublicationFilterSet(params, queryset=selectors.publication_list())
    assert filterset.is_valid()
    journal = filterset.chosen("journal")
    chosen_pk = (
        Journal.objects.filter(slug=journal).values_list("pk", flat=True).first()
        if journal
        else None
    )
    assert filterset._counted_together(chosen_pk) == filterset._counted_apart()
    assert filterset.fresh_total == filterset.qs.count()


def test_facet_links_keep_the_other_filters_and_leave_the_page(client, library):
    response = get(client, "publication_list", q="article", sort="title", page="1")
    _, url, _ = facet(response, "journal")["Cold War History"]
    assert url == "?q=article&sort=title&journal=cold-war-history"


def test_a_journal_is_offered_however_far_down_the_counts_it_is_when_chosen(client):
    journals = [make_journal(name=f"Journal {n:02}") for n in range(12)]
    for number, journal in enumerate(journals):
        for _ in range(12 - number):
            make_publication(journal=journal)
    shown_first = facet(get(client, "publication_list"), "journal")
    chosen = facet(get(client, "publication_list", journal="journal-11"), "journal")

    assert list(shown_first) == [f"Journal {n:02}" for n in range(10)]
    assert chosen["Journal 11"] == (1, "?", True)


# Bad or hostile parameters never break a page


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        "page=99999",
        "page=1.5",
        "sort=title&sort=-date",
        "q=%27%3B+DROP+TABLE+archive_publication%3B--",
        "q=%25%25%25_",
        "q=" + "a+" * 99,
        "year_min=2000&year_max=1900",
        "year_min=%EF%BC%91%EF%BC%99%EF%BC%95%EF%BC%94",
        "journal=%00",
        "author=" + "a" * 500,
        "open_access=%FF",
        "publication_type[]=book",
        "q=%ED%A0%80",
    ],
)
@pytest.mark.parametrize("name", ["publication_list", "person_list", "event_list", "journal_list"])
def test_a_hostile_query_gets_an_answer_never_a_server_error(client, shelf, name, query):
    response = client.get(f"{reverse(f'archive:{name}')}?{query}")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        records = response.context["page_obj"].object_list
        assert response.context["filter_form"].errors or len(records) <= 3


def test_an_impossible_year_range_finds_nothing_and_says_so(client, shelf):
    response = get(client, "publication_list", year_min="2000", year_max="1900")
    assertContains(response, "No publications match these filters.")


def test_a_page_past_the_end_is_not_found(client, shelf):
    assert client.get(reverse("archive:publication_list"), {"page": "2"}).status_code == 404


# The events in time order


def test_events_are_shown_in_time_order_under_the_year_they_began(client, calendar):
    response = get(client, "event_list")
    html = response.content.decode()
    assert response.context["chronological"]
    headings = [
        html.index(f'class="year-heading" id="year-{n}">{year}<')
        for n, year in ((1, "1954"), (2, "1957"))
    ]
    assert headings == sorted(headings)
    assert html.index("The dispatch") < headings[1] < html.index("The conference")
    assertContains(response, "Undated</h2>")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["The dispatch", "The visit", "The conference", "Undated talks"]),
        ("-date", ["The dispatch", "The conference", "The visit", "Undated talks"]),
        ("title", ["The conference", "The dispatch", "The visit", "Undated talks"]),
    ],
)
def test_events_can_be_ordered_latest_first_or_by_title(client, calendar, sort, expected):
    titles = [title.split(" (")[0] for title in shown(client, "event_list", sort=sort)]
    assert titles == expected


# Links between lists


def test_each_journal_links_to_its_publications_in_the_filtered_list(client, shelf):
    response = get(client, "journal_list")
    url = reverse("archive:publication_list") + "?journal=cold-war-history"
    assertContains(response, f'<a href="{url}">2 publications</a>', html=True)
    assert shown(client, "publication_list", journal="cold-war-history") == [NEW, OLD]


def test_every_filtered_list_has_a_permalink_without_its_page(client, shelf):
    response = get(client, "publication_list", q="article", year_min="1980", page="1")
    permalink = "http://testserver/publications/?q=article&amp;year_min=1980"
    assertContains(response, f'<a href="{permalink}" rel="bookmark">')


# Search through SQLite's trigram index (migration 0006) finds what reading every row finds


TRICKY_TERMS = [
    "khr",
    "khrushchev",
    "shchev workers",
    "苏联",
    "苏联工人",
    "联工",
    "苏",
    "人在",
    "西",
    "冷战 苏联",
    "x苏",
    "o'neill",
    '"quoted"',
    "100%",
    "a_b",
    "Гомулка",
    "ＣＯＬＤ",
    "cold war",
    "ab",
    "x",
]


@pytest.fixture
def varied():
    texts = [
        ("Khrushchev and the workers", "苏联工人在西伯利亚"),
        ('O\'Neill on the "quoted" cold war', "冷战"),
        ("A 100% rise in a_b tests", "苏联专家"),
        ("Władysław Gomułka and Гомулка", ""),
        ("Abstracts about abacus", "工人"),
    ]
    for title, chinese in texts:
        publication = make_publication(title)
        if chinese:
            add_translated_title(publication, chinese)


@pytest.mark.parametrize("query", TRICKY_TERMS)
def test_a_search_finds_what_reading_every_row_finds(varied, query):
    terms = search_terms(query)
    expected = {
        p.pk for p in Publication.objects.all() if all(term in p.search_text for term in terms)
    }
    found = set(search_filter(Publication.objects.all(), query).values_list("pk", flat=True))
    assert found == expected


def test_chinese_japanese_and_korean_text_is_indexed_by_character_and_pair():
    assert (
        cjk_grams("Soviet 苏联工人 and 日本 한국")
        == "苏 联 工 人 苏联 联工 工人 日 本 日本 한 국 한국"
    )
    assert cjk_grams("no such script") == ""


def test_the_search_index_follows_every_change_to_a_publication(client):
    publication = make_publication("Harbin railway workers", publication_date="1955")
    assert shown(client, "publication_list", q="harbin") == ["Harbin railway workers (1955)"]

    publication.title = "Dalian shipyard workers"
    publication.save()
    assert shown(client, "publication_list", q="harbin") == []
    assert shown(client, "publication_list", q="dalian") == ["Dalian shipyard workers (1955)"]

    add_translated_title(publication, "大连造船厂")
    assert shown(client, "publication_list", q="大连造船") == ["Dalian shipyard workers (1955)"]
    assert shown(client, "publication_list", q="大连") == ["Dalian shipyard workers (1955)"]
    assert shown(client, "publication_list", q="厂") == ["Dalian shipyard workers (1955)"]

    publication.delete()
    assert shown(client, "publication_list", q="dalian") == []
