"""Detail pages of prolific records: the first few of each long list, counted, with a link to the
whole list, in a number of queries that does not grow with the records behind them."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from archive import selectors
from archive.models import Authorship, Status
from tests.factories import (
    add_author,
    add_event_publication,
    add_participant,
    add_subject,
    make_event,
    make_journal,
    make_person,
    make_publication,
)
from tests.test_metadata import json_ld_of

pytestmark = pytest.mark.django_db

# The record and its other names, then: a person's credits (one narrow read), the works shown,
# works about them and their events (each with its count when there are more than shown).
PERSON_PAGE_QUERIES = 8
# The record, its translations, parts and related events (a parent when it has one), a count
# and a page of participants, the publications that discuss it and their count.
EVENT_PAGE_QUERIES = 9
# The record, its names and rankings, a count, the keys of a page, its rows, their journal and
# credits, and the publications per year.
JOURNAL_PAGE_QUERIES = 9


@pytest.fixture
def few_shown(monkeypatch):
    """Short lists, so that a handful of records is more than a page shows."""
    monkeypatch.setattr(selectors, "WORKS_SHOWN", 3)
    monkeypatch.setattr(selectors, "MOST_CITED_SHOWN", 2)
    monkeypatch.setattr(selectors, "EVENTS_SHOWN", 2)
    monkeypatch.setattr(selectors, "PARTICIPANTS_PER_PAGE", 2)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def links_to(response, text: str) -> str:
    """The address of the one link whose text is `text`."""
    content = response.content.decode()
    found = re.findall(rf'<a href="([^"]*)">{re.escape(text)}</a>', content)
    assert len(found) == 1, f"{text!r} links: {found}"
    return found[0].replace("&amp;", "&")


def result_count(client, url) -> str:
    content = page(client, url).content.decode()
    return re.search(r'<p class="result-count" role="status">([^<]*)</p>', content)[1]


def prolific_author(count: int) -> tuple:
    """A person who wrote `count` works, one a year from 1961 (the last cited most), edited
    one more and is one of a work's two authors and its editor too."""
    person = make_person("Pinghai Song")
    works = [
        make_publication(
            f"Work of {1961 + number}",
            publication_date=str(1961 + number),
            authors=[person],
            citation_count=number,
        )
        for number in range(count)
    ]
    edited = make_publication("An edited volume", publication_date="1955")
    add_author(edited, person, role=Authorship.Role.EDITOR)
    twice = make_publication("Author and editor", publication_date="1950", authors=[person])
    add_author(twice, person, role=Authorship.Role.EDITOR)
    make_publication("A draft", authors=[person], status=Status.DRAFT)
    return person, works


# A person's works


def test_a_person_page_counts_their_works_by_role_and_years(client, few_shown):
    person, _works = prolific_author(5)
    response = page(client, person.get_absolute_url())
    # 5 written, 1 edited and 1 both: 7 works, 6 as author, 2 as editor, from 1950 to 1965.
    assertContains(response, "<dt>Works in the archive</dt><dd>7</dd>", html=True)
    assertContains(response, "<dt>Years of publication</dt><dd>1950–1965</dd>", html=True)
    assertContains(response, "<dt>As author</dt><dd>6</dd>", html=True)
    assertContains(response, "<dt>As editor</dt><dd>2</dd>", html=True)
    assertNotContains(response, "As translator")
    assertNotContains(response, "A draft")


def test_a_person_page_shows_their_latest_and_most_cited_works_and_links_to_all(client, few_shown):
    person, works = prolific_author(8)
    response = page(client, person.get_absolute_url())
    content = response.content.decode()
    latest = content[content.index("<h3>Latest works</h3>") : content.index("Most cited works")]
    assert re.findall(r"Work of (\d+)", latest) == ["1968", "1967", "1966"]
    most_cited = content[content.index("<h3>Most cited works</h3>") :]
    assert re.findall(r"Work of (\d+)", most_cited)[:2] == ["1968", "1967"]
    assertContains(response, "Cited 7 times")
    assertNotContains(response, works[0].get_absolute_url())  # neither latest nor cited

    everything = links_to(response, "All 10 works in the publication list")
    assert everything == f"{reverse('archive:publication_list')}?author={person.slug}"
    assert result_count(client, everything) == "10 publications"
    by_citations = links_to(response, "All works, most cited first")
    assert by_citations == f"{everything}&sort=-citations"
    listed = page(client, by_citations).content.decode()
    assert listed.index(works[7].get_absolute_url()) < listed.index(works[6].get_absolute_url())


def test_a_person_with_few_works_has_them_all_without_a_link_to_the_list(client, few_shown):
    person = make_person()
    work = make_publication("The only work", authors=[person])
    response = page(client, person.get_absolute_url())
    assertContains(response, work.get_absolute_url())
    assertNotContains(response, "in the publication list")
    assertNotContains(response, "Most cited works")


def test_a_person_page_shows_the_newest_works_about_them_and_links_to_all(client, few_shown):
    person = make_person()
    studies = [
        make_publication(f"Study {year}", publication_date=str(year), about=[person])
        for year in range(2001, 2006)
    ]
    add_subject(make_publication("Draft study", status=Status.DRAFT), person)
    response = page(client, person.get_absolute_url())
    for study in studies[2:]:
        assertContains(response, study.get_absolute_url())
    for study in studies[:2]:
        assertNotContains(response, study.get_absolute_url())
    link = links_to(response, "All 5 works about this person in the publication list")
    assert link == f"{reverse('archive:publication_list')}?about={person.slug}"
    assert result_count(client, link) == "5 publications"


def test_a_person_page_lists_their_first_events_and_links_to_all(client, few_shown):
    person = make_person()
    events = [make_event(f"Meeting {year}", date=str(year)) for year in range(1954, 1958)]
    for event in events:
        add_participant(event, person, "delegate")
    add_participant(events[-1], person, "host")  # two roles in one event: one event
    response = page(client, person.get_absolute_url())
    content = response.content.decode()
    assert content.index("Meeting 1954") < content.index("Meeting 1955")
    assertNotContains(response, "Meeting 1956")
    link = links_to(response, "All 4 events in the event list")
    assert link == f"{reverse('archive:event_list')}?person={person.slug}"
    assert result_count(client, link) == "4 events"


def test_a_person_page_uses_as_many_queries_for_many_works_as_for_few(
    client, django_assert_max_num_queries, few_shown
):
    few = make_person()
    make_publication(authors=[few], about=[few])
    add_participant(make_event(), few)
    many, _works = prolific_author(12)
    for _ in range(6):
        make_publication(about=[many])
        add_participant(make_event(), many)
    for person in (few, many):
        with django_assert_max_num_queries(PERSON_PAGE_QUERIES):
            page(client, person.get_absolute_url())


# An event's participants and publications


@pytest.fixture
def crowded_event():
    event = make_event("The summit")
    people = [make_person(f"Delegate {number}") for number in range(1, 6)]
    for person in people:
        add_participant(event, person, "delegate")
    add_participant(event, make_person("Draft delegate", status=Status.DRAFT))
    return event


def test_an_event_page_pages_its_participants(client, few_shown, crowded_event):
    first = page(client, crowded_event.get_absolute_url())
    assertContains(first, "5 people")
    assertContains(first, "Delegate 1")
    assertContains(first, "Delegate 2")
    assertNotContains(first, "Delegate 3")
    assertContains(first, 'aria-current="page"')
    last = page(client, crowded_event.get_absolute_url(), page=3)
    assertContains(last, "Delegate 5")
    assertNotContains(last, "Delegate 4")
    assertNotContains(last, "Draft delegate")
    url = f"http://testserver{crowded_event.get_absolute_url()}"
    assertContains(last, f'<link rel="canonical" href="{url}?page=3">')
    assertContains(first, f'<link rel="canonical" href="{url}">')


@pytest.mark.parametrize(
    ("number", "shown"),
    [("abc", "Delegate 1"), ("0", "Delegate 5"), ("-1", "Delegate 5"), ("999", "Delegate 5")],
)
def test_an_event_page_with_a_bad_page_number_shows_a_page_rather_than_an_error(
    client, few_shown, crowded_event, number, shown
):
    # As Django's Paginator.get_page reads them: not a number is the first page, out of range
    # (below 1 or past the end) the last.
    assertContains(page(client, crowded_event.get_absolute_url(), page=number), shown)


def test_an_event_page_shows_the_newest_publications_that_discuss_it_and_links_to_all(
    client, few_shown
):
    event = make_event()
    discussing = [
        make_publication(f"Article {year}", publication_date=str(year))
        for year in range(1990, 1995)
    ]
    for publication in discussing:
        add_event_publication(event, publication, pages="12–14")
    add_event_publication(event, make_publication("Draft article", status=Status.DRAFT))
    response = page(client, event.get_absolute_url())
    content = response.content.decode()
    assert (
        content.index("Article 1994")
        < content.index("Article 1993")
        < content.index("Article 1992")
    )
    assertNotContains(response, "Article 1991")
    assertContains(response, "pages 12–14")
    link = links_to(response, "All 5 publications that discuss it, in the publication list")
    assert link == f"{reverse('archive:publication_list')}?event={event.slug}"
    assert result_count(client, link) == "5 publications"


def test_an_event_page_json_ld_names_the_participants_and_publications_shown(
    client, few_shown, crowded_event
):
    add_event_publication(crowded_event, make_publication("Article"))
    data = json_ld_of(client, crowded_event.get_absolute_url() + "?page=2")
    assert [person["name"] for person in data["attendee"]] == ["Delegate 3", "Delegate 4"]
    assert [work["name"] for work in data["subjectOf"]] == ["Article"]


def test_an_event_page_uses_as_many_queries_for_many_links_as_for_few(
    client, django_assert_max_num_queries, few_shown, crowded_event
):
    quiet = make_event(parent=make_event())
    add_participant(quiet, make_person())
    make_publication(events=[quiet])
    for _ in range(6):
        make_publication(events=[crowded_event])
    crowded_event.related.add(make_event())
    make_event(parent=crowded_event)
    for event in (quiet, crowded_event):
        with django_assert_max_num_queries(EVENT_PAGE_QUERIES):
            page(client, event.get_absolute_url())


# A journal's publications


@pytest.fixture
def busy_journal():
    journal = make_journal()
    for number in range(30):
        make_publication(
            f"Issue article {number:02}",
            journal=journal,
            publication_date=str(1960 + number),
            authors=[make_person(), make_person()],
        )
    return journal


@pytest.mark.parametrize("number", ["abc", "0", "-3", "2", "99999", "1.5"])
def test_a_journal_page_with_any_page_number_shows_a_page(client, busy_journal, number):
    response = page(client, busy_journal.get_absolute_url(), page=number)
    assertContains(response, "30 publications")
    assertContains(response, "Issue article")


def test_a_journal_page_lists_its_publications_newest_first_with_their_authors(
    client, busy_journal
):
    content = page(client, busy_journal.get_absolute_url()).content.decode()
    assert content.index("Issue article 29") < content.index("Issue article 28")
    assert "Issue article 04" not in content  # on page 2
    assert re.search(r"<span><bdi>Person \d+</bdi>; <bdi>Person \d+</bdi></span>", content)


def test_a_journal_page_lists_undated_publications_last_and_a_year_by_date(client):
    journal = make_journal()
    for title, date in [
        ("Undated", ""),
        ("Spring 1990", "1990-04"),
        ("Year 2000", "2000"),
        ("Winter 1990", "1990-12-01"),
    ]:
        make_publication(title, journal=journal, publication_date=date)
    content = page(client, journal.get_absolute_url()).content.decode()
    order = [content.index(title) for title in ("Year 2000", "Winter 1990", "Spring 1990")]
    assert order == sorted(order)
    assert content.index("Spring 1990") < content.index("Undated")


def test_a_journal_page_uses_as_many_queries_for_many_publications_as_for_few(
    client, django_assert_max_num_queries, busy_journal
):
    quiet = make_journal()
    make_publication(journal=quiet, authors=[make_person()])
    for journal in (quiet, busy_journal):
        with django_assert_max_num_queries(JOURNAL_PAGE_QUERIES):
            page(client, journal.get_absolute_url(), page=2)


# In Chinese


def test_the_counts_and_links_of_a_person_page_are_translated(client, few_shown):
    person, _works = prolific_author(5)
    with translation.override("en"):
        url = "/zh-hans" + person.get_absolute_url()
    response = page(client, url)
    assertNotContains(response, "Works in the archive")
    assertNotContains(response, "in the publication list")
    assertContains(response, f'href="/zh-hans/publications/?author={person.slug}"')
