"""The home page, the search across everything, the timeline page and a journal's charts, through
HTTP: published records only, the lists' own search, and a number of queries that does not grow."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from archive import selectors
from archive.forms import SEARCH_MAX_LENGTH
from archive.models import JournalMetric, Status
from archive.views import TIMELINE_PAGE_SIZE
from tests.factories import (
    add_event_publication,
    add_journal_metric,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db


DRAFT = Status.DRAFT
SVG = "{http://www.w3.org/2000/svg}"

# Home: the counts (one query), the timeline's events, the publications per year, the recent
# additions and their journals, authorships and authors. Search: the counts and a page of each
# kind found, with the publications' journals, authorships and authors.
HOME_QUERIES = 7
SEARCH_QUERIES = 8


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, url, **params)
    return len(captured)


def pictures(html: str) -> list[ET.Element]:
    found = [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]
    return [svg for svg in found if svg.get("role") == "img"]


def add_records(number: int) -> None:
    """`number` of each kind, linked, over `number` years, all found by the word "archived":
    enough to show a query per row or per year."""
    journal = make_journal(name=f"Archived journal {number}")
    people = [make_person(f"Archived person {index}") for index in range(number)]
    for index in range(number):
        add_journal_metric(
            journal,
            year=2000 + index,
            impact_factor="1.5",
            quartile="Q2",
            recorded_on=datetime.date(2001 + index, 6, 30),
        )
        event = make_event(f"Archived event {index}", date=f"{1950 + index}")
        make_publication(
            f"Archived publication {index}",
            authors=people[: index + 1],
            events=[event],
            journal=journal,
            publication_date=str(1990 + index),
        )


# The home page


def test_the_home_page_counts_only_published_records_of_each_kind(client):
    journal = make_journal()
    make_journal(status=DRAFT)
    make_publication(journal=journal)
    make_publication()
    make_publication(status=DRAFT)
    make_person()
    make_person(status=DRAFT)
    make_event(status=DRAFT)
    response = page(client, reverse("archive:home"))
    assert response.context["counts"] == {
        "publications": 2,
        "people": 1,
        "events": 0,
        "journals": 1,
    }
    assertContains(response, "2 publications</a>")
    assertContains(response, "1 person</a>")
    assertContains(response, "0 events</a>")


def test_the_home_page_groups_the_thousands_of_large_counts(rf):
    request = rf.get("/")
    html = render_to_string(
        "archive/home.html",
        {"counts": {"publications": 100000, "people": 20000, "events": 2000, "journals": 1}},
        request=request,
    )
    assert "100,000 publications" in html
    assert "20,000 people" in html


def test_the_home_page_offers_one_search_box_across_everything(client):
    response = page(client, reverse("archive:home"))
    html = response.content.decode()
    form = re.search(
        r'<form method="get" action="([^"]+)" class="site-search" role="search">', html
    )
    assert form and form.group(1) == reverse("archive:search")
    assertContains(response, '<label for="id_q">Search the archive</label>')
    assertContains(response, 'name="q" id="id_q"')


def test_the_home_timeline_shows_the_most_discussed_events_not_part_of_another(client):
    war = make_event("The Korean War", date="1950-06-25/1953-07-27")
    armistice = make_event("The armistice", date="1953-07-27", parent=war)
    visit = make_event("Khrushchev's visit to China", date="1954-09/1954-10")
    make_event("A draft event", date="1955", status=DRAFT)
    make_event("An undated event")
    quiet = make_event("A quiet year", date="1957")
    for _ in range(2):
        add_event_publication(visit, make_publication())
    add_event_publication(war, make_publication())
    add_event_publication(armistice, make_publication())

    assert selectors.timeline_highlights(limit=2) == [war, visit]  # in time order
    response = page(client, reverse("archive:home"))
    assert response.context["timeline_events"] == [war, visit, quiet]
    for shown in (war, visit, quiet):
        assertContains(response, f'<a href="{shown.get_absolute_url()}">{escape(shown.title)}</a>')
    for hidden in ("The armistice", "A draft event", "An undated event"):
        assertNotContains(response, hidden)
    assertContains(response, f'<a href="{reverse("archive:event_timeline")}">')
    assert len(pictures(response.content.decode())) >= 3


def test_an_event_whose_larger_event_is_a_draft_stands_on_its_own(client):
    draft_war = make_event("A draft war", date="1950", status=DRAFT)
    battle = make_event("A battle", date="1951-04-22", parent=draft_war)
    assert selectors.timeline_highlights() == [battle]


def test_the_home_chart_counts_published_publications_per_year(client):
    for date in ("1950", "1950-05", "1952-01-02"):
        make_publication(publication_date=date)
    make_publication(publication_date="1950", status=DRAFT)
    make_publication(publication_date="")
    assert selectors.publications_per_year() == {1950: 2, 1952: 1}

    response = page(client, reverse("archive:home"))
    html = response.content.decode()
    (chart,) = [svg for svg in pictures(html) if svg.find(f"{SVG}desc") is not None]
    assert len(chart.findall(f"{SVG}g[@class='chart-bars']/{SVG}rect")) == 2
    table = html[html.index('<details class="chart-data">', html.index("per-year-heading")) :]
    link = reverse("archive:publication_list") + "?year_min=1950&amp;year_max=1950"
    assert f'<a href="{link}">1950</a></th><td class="number">2</td>' in table
    assert '1951</th><td class="number">0</td>' in table


def test_a_journals_publications_per_year_leave_out_other_journals_and_drafts():
    journal = make_journal()
    make_publication(journal=journal, publication_date="1960")
    make_publication(journal=journal, publication_date="1960", status=DRAFT)
    make_publication(publication_date="1960")
    assert selectors.publications_per_year(journal=journal) == {1960: 1}


def test_the_home_page_lists_the_publications_added_last(client):
    first = make_publication("Added first", publication_date="2024")
    second = make_publication("Added second", publication_date="1990")
    make_publication("A draft added last", status=DRAFT)
    response = page(client, reverse("archive:home"))
    assert list(response.context["recent_additions"]) == [second, first]
    assertNotContains(response, "A draft added last")


def test_an_empty_archive_has_a_home_page_without_charts(client):
    response = page(client, reverse("archive:home"))
    assert pictures(response.content.decode()) == []
    assertContains(response, "No publications have been published yet.")


def test_the_home_page_uses_the_same_few_queries_however_many_records(client):
    add_records(2)
    few = queries(client, reverse("archive:home"))
    add_records(30)
    assert queries(client, reverse("archive:home")) == few <= HOME_QUERIES


# The search across everything


def test_the_search_page_counts_and_shows_each_kind_with_a_link_to_its_list(client):
    journal = make_journal(name="Cold War History")
    make_publication("Soviet workers in the Cold War", journal=journal)
    make_person("Nikita Khrushchev", variants=["Cold Warrior"])
    make_event("The end of the Cold War", date="1991")
    make_event("A Cold War draft", status=DRAFT)
    response = page(client, reverse("archive:search"), q="cold war")
    results = response.context["results"]
    assert {kind: found.count for kind, found in results.items()} == {
        "publications": 1,
        "people": 1,
        "events": 1,
        "journals": 1,
    }
    for name in ("publication_list", "person_list", "event_list", "journal_list"):
        assertContains(response, f'href="{reverse(f"archive:{name}")}?q=cold%20war"')
    assertContains(response, "Soviet workers in the Cold War")
    assertContains(response, "The end of the Cold War")
    assertNotContains(response, "A Cold War draft")
    assertContains(response, '<meta name="robots" content="noindex">')


def test_each_list_linked_from_the_search_finds_what_the_search_counted(client):
    for number in range(7):
        make_publication(f"Khrushchëv and the workers, part {number}")
    make_publication("Something else")
    response = page(client, reverse("archive:search"), q="khrushchev workers")
    found = response.context["results"]["publications"]
    assert found.count == 7
    assert len(found.first) == selectors.SEARCH_RESULTS_SHOWN
    listed = page(client, reverse("archive:publication_list"), q="khrushchev workers")
    assert listed.context["paginator"].count == found.count
    assert list(listed.context["page_obj"].object_list[: len(found.first)]) == found.first
    assertContains(response, "All 7 publications found, in the list of publications")


def test_a_chinese_substring_finds_the_seed_through_its_translated_title(client):
    from archive.models import Publication
    from archive.sample import SEED_DOI, sample_archive_load

    sample_archive_load()
    seed = Publication.objects.get(doi=SEED_DOI)
    response = page(client, reverse("archive:search"), q="苏联")
    results = response.context["results"]
    assert results["publications"].count == 1
    assert results["publications"].first == [seed]
    assert results["events"].count == 1  # 向苏联远东和西伯利亚派遣中国工人
    assertContains(response, seed.get_absolute_url())
    assertContains(response, f'href="{reverse("archive:publication_list")}?q={quote("苏联")}"')


def test_a_chinese_query_is_found_in_a_translated_title_on_the_chinese_site(client):
    article = make_publication("Unknown page of history")
    add_translated_title(article, "历史上不为人知的一页:向苏联派遣中国工人")
    response = page(client, "/zh-hans/search/", q="派遣中国")
    assert response.context["results"]["publications"].first == [article]
    assertContains(response, '<html lang="zh-hans"')


def test_a_search_too_long_is_refused_with_a_clear_error(client):
    response = page(client, reverse("archive:search"), q="x" * (SEARCH_MAX_LENGTH + 1))
    assert response.context["results"] is None
    assertContains(response, 'aria-invalid="true"')
    assertContains(response, f"at most {SEARCH_MAX_LENGTH} characters")


@pytest.mark.parametrize("q", ["", "   "])
def test_a_blank_search_shows_only_the_box(client, q):
    make_publication("Anything")
    response = page(client, reverse("archive:search"), q=q)
    assert response.context["results"] is None
    assertNotContains(response, "Anything")
    assertNotContains(response, "no word to look for")


def test_a_search_of_markup_alone_says_it_has_no_word(client):
    make_publication("Anything")
    response = page(client, reverse("archive:search"), q="<b></b>")
    assert response.context["results"] is None
    assertContains(response, "no word to look for")
    assertNotContains(response, "Anything")


def test_a_search_that_finds_nothing_says_what_to_loosen(client):
    make_publication("The Cold War in Asia")
    response = page(client, reverse("archive:search"), q="cold peace")
    assert response.context["found"] == 0
    assertContains(response, "Nothing in the archive matches every word of “cold peace”.")
    assertContains(response, "Try fewer words")


def test_the_search_page_uses_the_same_few_queries_however_many_it_finds(client):
    add_records(2)
    few = queries(client, reverse("archive:search"), q="archived")
    add_records(30)
    # PostgreSQL first reads which words of its vocabulary hold the search word.
    vocabulary = 1 if connection.vendor == "postgresql" else 0
    assert queries(client, reverse("archive:search"), q="archived") == few
    assert few <= SEARCH_QUERIES + vocabulary


# The timeline page


def test_the_timeline_page_shows_the_dated_events_filtered_as_on_their_list(client):
    visit = make_event("Khrushchev's visit", date="1954-09/1954-10", place="Beijing")
    make_event("Stalin dies", date="1953-03-05", place="Moscow")
    make_event("A later visit", date="1959-09-30", place="Beijing")
    make_event("An undated event", place="Beijing")
    make_event("A draft", date="1954", place="Beijing", status=DRAFT)
    response = page(client, reverse("archive:event_timeline"), place="Beijing", year_max=1955)
    assert list(response.context["event_list"]) == [visit]
    (row,) = pictures(response.content.decode())
    assert row.find(f"{SVG}title").text.startswith("certainly under way")
    assertContains(
        response, f'href="{reverse("archive:event_list")}?place=Beijing&amp;year_max=1955"'
    )


def test_the_timeline_page_lists_every_dated_event_page_by_page(client):
    for number in range(TIMELINE_PAGE_SIZE + 1):
        make_event(f"Meeting {number:03d}", date=f"{1946 + number % 45}-05-01")
    make_event("Undated")
    first = page(client, reverse("archive:event_timeline"))
    assert first.context["paginator"].count == TIMELINE_PAGE_SIZE + 1
    assert len(pictures(first.content.decode())) == TIMELINE_PAGE_SIZE
    second = page(client, reverse("archive:event_timeline"), page=2)
    assert len(second.context["event_list"]) == 1
    assertNotContains(second, "Undated")


def test_the_timeline_reads_its_dates_in_the_language_of_the_page(client):
    make_event("赫鲁晓夫访华", date="1954-09/1954-10")
    response = page(client, "/zh-hans/timeline/")
    assertContains(response, "1954年9月1日")
    assertContains(response, "1954年10月31日")


def test_an_empty_timeline_says_so(client):
    make_event("Undated")
    response = page(client, reverse("archive:event_timeline"))
    assertContains(response, "No dated events have been published yet.")


# A journal's rankings and publications per year


def add_ranking(journal, system, year, **fields):
    recorded_on = fields.pop("recorded_on", datetime.date((year or 2024) + 1, 6, 30))
    return add_journal_metric(journal, system=system, year=year, recorded_on=recorded_on, **fields)


def test_a_journal_shows_its_rankings_by_year_as_a_table_and_charts(client):
    journal = make_journal(name="Cold War History")
    add_ranking(journal, JournalMetric.System.JCR, 2021, impact_factor="0.800", quartile="Q2")
    add_ranking(journal, JournalMetric.System.JCR, 2022, impact_factor="0.400", quartile="Q3")
    add_ranking(journal, JournalMetric.System.CAS, 2022, zone=2)
    make_publication(journal=journal, publication_date="2022")
    response = page(client, journal.get_absolute_url())
    assert response.context["metric_history"] == [
        selectors.JournalYear(2021, Decimal("0.800"), "Q2", None, False),
        selectors.JournalYear(2022, Decimal("0.400"), "Q3", 2, False),
    ]
    html = response.content.decode()
    titles = [svg.find(f"{SVG}title").text for svg in pictures(html)]
    assert titles == [
        "JCR impact factor by year",
        "JCR quartile and CAS zone by year",
        "Publications per year",
    ]
    assertContains(response, '<td class="number">0.400</td>')
    link = reverse("archive:publication_list") + f"?journal={journal.slug}&amp;year_min=2022"
    assertContains(response, link)


def test_a_year_ranked_several_times_shows_the_best_of_each_kind():
    journal = make_journal()
    add_ranking(journal, "jcr", 2022, impact_factor="0.4", quartile="Q3", category="HISTORY")
    add_ranking(journal, "jcr", 2022, impact_factor="0.4", quartile="Q2", category="AREA STUDIES")
    add_ranking(journal, "cas", 2022, zone=3, category="历史学")
    add_ranking(journal, "cas", 2022, zone=4, category="政治学")
    journal = selectors.journal_detail_queryset().get(pk=journal.pk)
    assert selectors.journal_metric_history(journal) == [
        selectors.JournalYear(2022, Decimal("0.400"), "Q2", 3, False)
    ]


def test_a_ranking_without_an_edition_year_counts_for_the_year_it_was_recorded(client):
    journal = make_journal()
    add_ranking(journal, "cas", None, zone=2, recorded_on=datetime.date(2024, 3, 1))
    response = page(client, journal.get_absolute_url())
    assert response.context["metric_history"] == [selectors.JournalYear(2024, None, "", 2, True)]
    assertContains(response, "2024 (recorded)")


def test_a_journal_without_rankings_or_dated_publications_draws_no_chart(client):
    journal = make_journal()
    make_publication(journal=journal, publication_date="")
    response = page(client, journal.get_absolute_url())
    assert pictures(response.content.decode()) == []
    assertNotContains(response, "Rankings by year")


def test_a_journal_page_uses_the_same_queries_however_many_years_it_was_ranked(client):
    add_records(2)
    journal = selectors.journal_list().first()
    few = queries(client, journal.get_absolute_url())
    for year in range(1970, 2000):
        add_ranking(journal, "jcr", year, impact_factor="1.0", quartile="Q1")
        add_ranking(journal, "cas", year, zone=1)
        make_publication(journal=journal, publication_date=str(year))
    assert queries(client, journal.get_absolute_url()) == few
