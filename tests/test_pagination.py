"""IdsFirstPaginator: the keys of a page first, then its rows by key, in the list's order, with the
list's related rows, and without running the list's filters (a search) a second time."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from archive.pagination import IdsFirstPaginator
from archive.search import search_filter
from archive.selectors import publication_list
from tests.factories import make_journal, make_person, make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    journal = make_journal(name="Cold War History")
    author = make_person("Ji-Dong Gu")
    for year in range(1950, 1962):
        make_publication(
            f"Chinese workers in Siberia, {year}",
            publication_date=f"{year}-05-01",
            journal=journal,
            authors=[author],
        )
    make_publication("Another subject altogether", publication_date="1990-05-01")
    return search_filter(publication_list(), "siberia")


def test_pages_keep_the_lists_order_and_rows(listed):
    paginator = IdsFirstPaginator(listed.defer("raw_record"), 5)

    pages = [paginator.page(number) for number in paginator.page_range]

    assert [len(page) for page in pages] == [5, 5, 2]
    titles = [publication.title for page in pages for publication in page]
    assert titles == [publication.title for publication in listed]
    first = pages[0][0]
    assert first.published_journal.name == "Cold War History"
    assert "raw_record" in first.get_deferred_fields()


def test_the_rows_of_a_page_are_read_by_key_alone(listed):
    paginator = IdsFirstPaginator(listed, 5)
    paginator.count  # noqa: B018 (counted before the page is read)

    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(2)
        assert [publication.year for publication in page] == [1956, 1955, 1954, 1953, 1952]

    keys, rows = queries[0]["sql"], queries[1]["sql"]  # then the related rows
    assert "LIMIT" in keys.upper()
    where = rows.split(" WHERE ", 1)[1].split(" ORDER BY ")[0]
    assert where.startswith('"archive_publication"."id" IN (') and " AND " not in where, rows


def test_an_annotated_list_is_read_as_it_was():
    make_publication("Annotated", publication_date="1954-10-01")
    annotated = publication_list().annotate(doubled=F("year") * 2)

    page = IdsFirstPaginator(annotated, 5).page(1)

    assert [publication.doubled for publication in page] == [3908]
