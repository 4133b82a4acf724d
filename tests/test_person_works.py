"""What a person's page shows of their works (`selectors.person_links`), counted and chosen by
the database in one query however many works there are."""

import pytest

from archive import selectors
from archive.models import Authorship, Status
from tests.factories import add_participant, make_event, make_person, make_publication

pytestmark = pytest.mark.django_db


def summary(works: selectors.WorksSummary) -> tuple:
    per_role = [(str(role), count) for role, count in works.per_role]
    return works.count, works.first_year, works.last_year, per_role


def titles(credits) -> list[str]:
    return [credit.publication.title for credit in credits]


def test_the_most_cited_works_are_newest_first_among_equals_and_uncited_ones_are_left_out():
    person = make_person()
    for year, cited in [(1950, 3), (1951, 7), (1952, 3), (1953, 0), (1954, None)]:
        make_publication(
            f"Work {year}", publication_date=str(year), authors=[person], citation_count=cited
        )
    for year in range(1960, 1968):
        make_publication(f"Later {year}", publication_date=str(year), authors=[person])

    links = selectors.person_links(person)

    assert titles(links.latest_works) == [f"Later {year}" for year in range(1967, 1959, -1)] + [
        "Work 1954",
        "Work 1953",
    ]
    assert titles(links.most_cited_works) == ["Work 1951", "Work 1952", "Work 1950"]


def test_a_work_with_two_roles_counts_once_and_drafts_not_at_all():
    person = make_person()
    both = make_publication("Author and editor", publication_date="1961", authors=[person])
    Authorship.objects.create(publication=both, person=person, role=Authorship.Role.EDITOR)
    make_publication("Undated", publication_date="", authors=[person])
    make_publication("A draft", publication_date="1990", authors=[person], status=Status.DRAFT)

    links = selectors.person_links(person)

    assert summary(links.works) == (2, 1961, 1961, [("Author", 2), ("Editor", 1)])
    # Both credits on the work are shown; the undated work comes last.
    assert titles(links.latest_works) == ["Author and editor", "Author and editor", "Undated"]
    assert links.most_cited_works == []


def test_a_person_without_published_works_has_none_counted():
    person = make_person()
    make_publication("A draft", authors=[person], status=Status.DRAFT)

    links = selectors.person_links(person)

    assert summary(links.works) == (0, None, None, [])
    assert links.latest_works == []


def test_a_person_page_reads_only_what_it_shows_after_one_count(
    client, django_assert_max_num_queries
):
    # The record and its names, one query counting everything, then the works, the works
    # about them and the events shown, each read once: more of any costs no more queries.
    person = make_person()
    for year in range(1950, 1965):
        make_publication(
            f"Work {year}", publication_date=str(year), authors=[person], citation_count=year - 1949
        )
        make_publication(f"Study {year}", publication_date=str(year), about=[person])
    for year in range(1950, 1975):
        add_participant(make_event(f"Meeting {year}", date=str(year)), person, "delegate")

    with django_assert_max_num_queries(6):
        response = client.get(person.get_absolute_url())

    links = response.context["links"]
    assert (links.works.count, links.works_about.count, links.events.count) == (15, 15, 25)
    assert len(links.works_about.records) == selectors.WORKS_SHOWN
    assert len(links.events.records) == selectors.EVENTS_SHOWN
    assert titles(links.most_cited_works)[0] == "Work 1964"
