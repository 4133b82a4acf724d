"""The unfiltered facet counts of the publication list (by journal, year and type) stay what a
fresh count of the published publications gives, whatever writes them: on PostgreSQL they are
kept by triggers (migration 0014), on SQLite counted each time."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from archive.filters import _published_by
from archive.models import Publication, PublicationType, Status
from tests.factories import make_journal, make_publication

FIELDS = ("journal_id", "year", "publication_type")


def counted_afresh(field: str) -> Counter:
    published = Publication.objects.published().exclude(**{field: None}).order_by()
    return Counter(dict(published.values_list(field).annotate(total=Count("*"))))


def assert_counts_are_current():
    for field in FIELDS:
        assert _published_by(field) == counted_afresh(field), field


@pytest.mark.django_db
def test_the_counts_follow_every_kind_of_write():
    first, second = make_journal(), make_journal()
    kept = make_publication("Kept", journal=first, publication_date="1957")
    moved = make_publication("Moved", journal=first, publication_date="1960")
    draft = make_publication("Draft", journal=second, publication_date="1961", status=Status.DRAFT)
    make_publication("Undated, no journal", publication_date="")
    assert _published_by("journal_id") == Counter({first.pk: 2})
    assert_counts_are_current()

    draft.status = Status.PUBLISHED
    draft.save()
    assert_counts_are_current()

    moved.journal = second
    moved.publication_type = PublicationType.BOOK
    moved.save()
    assert_counts_are_current()

    Publication.objects.filter(pk=kept.pk).update(title="A title alone changes no count")
    assert_counts_are_current()

    Publication.objects.filter(journal=second).update(status=Status.DRAFT)
    assert_counts_are_current()
    assert _published_by("journal_id") == Counter({first.pk: 1})

    Publication.objects.bulk_create(
        Publication(title=f"Bulk {n}", slug=f"bulk-{n}", status=Status.PUBLISHED, year=1990 + n)
        for n in range(3)
    )
    assert_counts_are_current()

    kept.delete()
    Publication.objects.filter(year__gte=1991).delete()
    assert_counts_are_current()
    assert _published_by("year") == Counter({1990: 1})


@pytest.mark.django_db
def test_a_count_that_falls_to_zero_is_not_offered():
    publication = make_publication("Only one", publication_type=PublicationType.REVIEW)
    publication.delete()

    assert _published_by("publication_type") == Counter()
    assert _published_by("year") == Counter()


@pytest.mark.django_db(transaction=True)
def test_a_flushed_archive_counts_nothing():
    make_publication("Before the flush", journal=make_journal(), publication_date="1957")
    call_command("flush", interactive=False, verbosity=0)

    for field in FIELDS:
        assert _published_by(field) == Counter()
    make_publication("After it", publication_date="1958")
    assert _published_by("year") == Counter({1958: 1})


@pytest.mark.django_db
def test_the_counts_are_read_not_counted_on_postgresql(django_assert_num_queries):
    make_publication("Counted", publication_date="1957")
    with django_assert_num_queries(1) as captured:
        _published_by("year")
    uses_kept_counts = "archive_publication_facet_count" in captured.captured_queries[0]["sql"]
    assert uses_kept_counts == (connection.vendor == "postgresql")
