"""Narrowing the public lists, through HTTP: every filter, bad parameters, and the queries it takes."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from archive.models import JournalMetric, PublicationType, Status
from tests.factories import (
    add_journal_metric,
    add_participant,
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


def test_the_form_offers_published_journals_and_keeps_the_values_chosen(client, shelf):
    make_journal(name="Secret Journal", status=Status.DRAFT)
    response = get(client, "publication_list", journal="cold-war-history", year_min="2000")
    assertContains(response, '<form method="get" class="filters" role="search"')
    assertContains(response, '<label for="id_journal">Journal</label>', html=True)
    assertContains(response, '<option value="cold-war-history" selected>Cold War History</option>')
    assertContains(response, 'name="year_min" value="2000"')
    assertNotContains(response, "Secret Journal")


def test_a_person_filter_is_shown_with_a_link_that_removes_it(client, shelf):
    response = get(client, "publication_list", author="ji-dong-gu", q="old", page="1")
    assertContains(response, "<code>ji-dong-gu</code>")
    assertContains(response, 'href="?q=old">Remove the author filter</a>')
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


# Malformed parameters


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("publication_list", {"year_min": "abc"}, "From year"),
        ("publication_list", {"year_max": "1954.5"}, "To year"),
        ("publication_list", {"year_min": "99999999999999999999"}, "From year"),
        ("publication_list", {"journal": "no-such-journal"}, "Journal"),
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
        6,
    ),
    ("publication_list", {"q": "article", "author": "author-1", "sort": "title"}, 6),
    (
        "person_list",
        {"q": "author", "role": "author", "born_min": "1890", "died_max": "1990", "sort": "-name"},
        2,
    ),
    ("event_list", {"q": "event", "year_min": "1950", "person": "author-0", "place": "Beijing"}, 3),
    ("journal_list", {"q": "journal", "quartile": "Q2", "zone": "2", "category": "HISTORY"}, 3),
]


@pytest.mark.parametrize(("name", "params", "queries"), FILTERED_PAGES)
def test_a_filtered_list_uses_a_few_queries_however_many_records(
    client, django_assert_max_num_queries, thirty_of_each, name, params, queries
):
    with django_assert_max_num_queries(queries):
        response = get(client, name, **params)
    assert response.context["page_obj"].object_list
