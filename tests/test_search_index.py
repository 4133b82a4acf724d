"""The search indexes (SQLite's FTS5 tables, PostgreSQL's word postings) answer what reading every
row answers, and follow every write to a publication."""

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.urls import reverse

from archive.filters import PublicationFilterSet
from archive.models import Publication, PublicationType, Status
from archive.search import search_filter, search_terms
from tests.factories import add_translated_title, make_journal, make_publication

pytestmark = pytest.mark.django_db

LONG_CHINESE = "苏联专家在中国的工作与生活" * 150  # one word of 1,950 characters, 5,850 bytes


def found(query) -> set[int]:
    return set(search_filter(Publication.objects.all(), query).values_list("pk", flat=True))


def read_every_row(query) -> set[int]:
    terms = search_terms(query)
    return {
        publication.pk
        for publication in Publication.objects.all()
        if all(term in publication.search_text for term in terms)
    }


@pytest.fixture
def shelf():
    for title, chinese in [
        ("Sino-Soviet split, 1960–1962", "中苏分裂"),
        ("A back\\slash and a tab\tin the title", ""),
        ("Khrushchev's visit; khrushchev, again", "赫鲁晓夫访华"),
        ("Experts", LONG_CHINESE),
        ("Ivanov and Ivanova: two people", "伊万诺夫"),
    ]:
        publication = make_publication(title)
        if chinese:
            add_translated_title(publication, chinese)


@pytest.mark.parametrize(
    "query",
    [
        "sino-soviet",
        "-soviet",
        "soviet split",
        "1960–1962",
        "back\\slash",
        "\\",
        "khrushchev's",
        "khrushchev,",
        "hrushche",
        "ivanov",
        "ivanova:",
        "中苏",
        "苏联",
        "工作与生活苏联",
        "访华",
        "晓",
        "夫伊",
        "split 分裂",
        "nothing like it",
    ],
)
def test_a_search_finds_what_reading_every_row_finds(shelf, query):
    assert found(query) == read_every_row(query)


def test_a_word_longer_than_an_index_entry_is_found_in_full_and_in_part(shelf):
    (experts,) = Publication.objects.filter(title="Experts").values_list("pk", flat=True)
    assert found(LONG_CHINESE) == {experts}
    assert found("生活苏联") == {experts}


def test_a_word_is_no_longer_found_once_it_is_gone_from_every_publication(client):
    first = make_publication("Harbin railway")
    second = make_publication("Harbin trams")
    assert found("harbin") == {first.pk, second.pk}

    first.title = "Dalian railway"
    first.save()
    assert found("harbin") == {second.pk}
    second.delete()
    assert found("harbin") == set()
    assert found("dalian") == {first.pk}


def test_publications_written_in_bulk_are_found():
    Publication.objects.bulk_create(
        [
            Publication(title=title, slug=title.lower(), search_text=title.lower())
            for title in ("Comintern", "Cominform")
        ]
    )
    Publication.objects.filter(slug="cominform").update(search_text="cominform bureau")
    assert found("comin") == {p.pk for p in Publication.objects.all()}
    assert found("bureau") == {Publication.objects.get(slug="cominform").pk}


def flush_publications() -> None:
    """Empty the publications as a test database is flushed: TRUNCATE on PostgreSQL, DELETE on
    SQLite, keys restarted, so that the next publication takes the first one's key."""
    flush = connection.ops.sql_flush(
        no_style(), [Publication._meta.db_table], reset_sequences=True, allow_cascade=True
    )
    with connection.cursor() as cursor:
        for statement in flush:
            cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_a_flushed_archive_finds_nothing_of_what_it_held():
    make_publication("Harbin railway")
    flush_publications()
    make_publication("Dalian shipyard")
    assert found("harbin") == set()
    assert found("dalian") == {Publication.objects.get().pk}


# A search's total, counted in the query that counts its facets


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"journal": "cold-war-history"},
        {"journal": "draft-journal"},
        {"journal": "no-such-journal"},
        {"year_min": "1991"},
        {"year_max": "2005", "publication_type": "book"},
        {"journal": "cold-war-history", "year_min": "1980", "year_max": "1995"},
        {"publication_type": "book", "language": "en"},
    ],
)
def test_a_searched_list_counts_its_total_with_its_facets(client, params):
    history = make_journal(name="Cold War History")
    draft = make_journal(name="Draft Journal", status=Status.DRAFT)
    for title, date, journal, kind in [
        ("Soviet advisers", "1990-05", history, PublicationType.JOURNAL_ARTICLE),
        ("Soviet experts", "2005", None, PublicationType.BOOK),
        ("Soviet archives", "2022", history, PublicationType.JOURNAL_ARTICLE),
        ("Soviet films", "", draft, PublicationType.BOOK),
        ("Chinese films", "2001", history, PublicationType.BOOK),
    ]:
        make_publication(title, publication_date=date, journal=journal, publication_type=kind)
    expected = PublicationFilterSet(
        {"q": "soviet", **params}, queryset=Publication.objects.published()
    ).qs.count()

    response = client.get(reverse("archive:publication_list"), {"q": "soviet", **params})

    assert response.context["paginator"].count == expected
    assert len(response.context["page_obj"].object_list) == expected
