"""`start_archive`: from a fresh database to a sample archive and an admin login."""

import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from archive.models import Event, EventParticipation, Person, Publication

SEED_DOI = "10.1080/14682745.2022.2050698"


def start_archive() -> tuple[str, str]:
    """Run `start_archive --no-serve`; its output and the admin password it printed."""
    stdout = io.StringIO()
    call_command("start_archive", "--no-serve", stdout=stdout)
    output = stdout.getvalue()
    login = re.search(r"Login:\s+admin / (\S+)", output)
    assert login, output
    return output, login.group(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def started(db):
    return start_archive()


def test_the_first_run_loads_the_sample_archive(started):
    output, _ = started

    assert "Sample archive loaded." in output
    publication = Publication.objects.get()
    assert publication.doi == SEED_DOI
    assert publication.is_published


def test_the_sample_publication_is_by_its_author_and_about_the_people_it_discusses(started):
    publication = Publication.objects.get(doi=SEED_DOI)

    assert [person.display_name for person in publication.authors.all()] == ["Ji-Dong Gu"]
    assert set(publication.subjects.values_list("person__display_name", flat=True)) == {
        "Nikita Khrushchev",
        "Mao Zedong",
    }
    assert set(Person.objects.values_list("display_name", flat=True)) == {
        "Ji-Dong Gu",
        "Nikita Khrushchev",
        "Mao Zedong",
    }


def test_the_sample_people_can_be_found_by_their_other_names(started):
    assert Person.objects.get(names__name_key="khrushchev").display_name == "Nikita Khrushchev"
    assert Person.objects.get(names__name="毛泽东").display_name == "Mao Zedong"


def test_the_three_sample_events_are_discussed_by_the_publication(started):
    publication = Publication.objects.get(doi=SEED_DOI)

    assert Event.objects.count() == 3
    assert set(publication.event_links.values_list("event__date", flat=True)) == {
        "1954-09/1954-10",
        "1954",
        "1954/1957",
    }
    assert Event.objects.published().count() == 3


def test_the_sample_events_are_related_to_each_other(started):
    visit = Event.objects.get(date="1954-09/1954-10")
    agreement = Event.objects.get(date="1954")
    dispatch = Event.objects.get(date="1954/1957")

    assert set(visit.related.all()) == {agreement}
    assert set(agreement.related.all()) == {visit, dispatch}
    assert set(dispatch.related.all()) == {agreement}


def test_the_sample_events_have_their_participants_in_their_roles(started):
    visit = Event.objects.get(date="1954-09/1954-10")

    assert set(visit.participations.values_list("person__display_name", "role")) == {
        ("Nikita Khrushchev", "visitor"),
        ("Mao Zedong", "host"),
    }
    assert EventParticipation.objects.filter(event__date="1954").count() == 2


def test_the_printed_admin_password_logs_in(started, client):
    _, password = started

    user = authenticate(username="admin", password=password)

    assert user is not None and user.is_superuser and user.is_staff
    assert client.login(username="admin", password=password)


def test_a_second_run_adds_nothing_and_prints_a_new_password_that_works(
    started, count_rows, client
):
    _, first_password = started
    before = count_rows()

    output, second_password = start_archive()

    assert "Sample archive already loaded; nothing added." in output
    assert count_rows() == before
    assert second_password != first_password
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert authenticate(username="admin", password=first_password) is None
    assert client.login(username="admin", password=second_password)


def test_every_sample_record_passes_full_clean(started):
    """What SQLite lets through (e.g. a value longer than its column), PostgreSQL refuses."""
    for model in apps.get_app_config("archive").get_models():
        for record in model._default_manager.all():
            record.full_clean()
