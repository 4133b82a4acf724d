"""Admin logins are throttled against password guessing (django-axes): after too many failures
for one username from one address, that pair is refused for a while, with a page saying so."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long and correct password"


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user(
        username="curator", password=PASSWORD, is_staff=True
    )


@pytest.fixture(autouse=True)
def three_failures_lock_for_fifteen_minutes(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def log_in(client, password, *, username="curator", address="203.0.113.7", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def test_a_wrong_password_below_the_limit_shows_the_login_form_again(client, curator):
    response = log_in(client, "wrong")

    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def test_the_failure_that_reaches_the_limit_gets_the_refusal_page(client, curator):
    log_in(client, "wrong 1")
    log_in(client, "wrong 2")

    response = log_in(client, "wrong 3")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Login temporarily refused" in page
    assert "There were 3 failed logins for this username from your address." in page
    assert "Logging in is refused for 15 minutes" in page


def test_once_locked_even_the_right_password_is_refused(client, curator):
    for attempt in range(3):
        log_in(client, f"wrong {attempt}")

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not client.get("/admin/").wsgi_request.user.is_authenticated


def test_the_lock_is_for_that_username_from_that_address_only(client, curator, django_user_model):
    django_user_model.objects.create_user(username="editor", password=PASSWORD, is_staff=True)
    for attempt in range(3):
        log_in(client, f"wrong {attempt}")

    from_elsewhere = log_in(client, PASSWORD, address="198.51.100.20")
    client.logout()
    other_user = log_in(client, PASSWORD, username="editor")

    assert from_elsewhere.status_code == 302
    assert other_user.status_code == 302


def test_the_lock_lifts_after_the_cool_off_period(client, curator):
    for attempt in range(3):
        log_in(client, f"wrong {attempt}")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))

    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(curator.pk)


def test_a_successful_login_clears_the_failures_before_it(client, curator):
    log_in(client, "wrong 1")
    log_in(client, "wrong 2")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    log_in(client, "wrong 3")
    response = log_in(client, "wrong 4")

    assert response.status_code == 200  # two failures since the success: not locked


def test_behind_a_load_balancer_clients_are_told_apart_by_the_header_it_sets(
    client, curator, settings
):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_REAL_IP", "REMOTE_ADDR"]
    balancer = "10.0.0.2"
    for attempt in range(3):
        log_in(client, f"wrong {attempt}", address=balancer, HTTP_X_REAL_IP="203.0.113.7")

    other_client = log_in(client, PASSWORD, address=balancer, HTTP_X_REAL_IP="198.51.100.20")
    client.logout()
    guesser = log_in(client, PASSWORD, address=balancer, HTTP_X_REAL_IP="203.0.113.7")

    assert other_client.status_code == 302
    assert guesser.status_code == 429


def test_the_limit_the_period_and_the_client_address_header_come_from_the_environment():
    environment = {
        **os.environ,
        "ARCHIVE_LOGIN_FAILURE_LIMIT": "7",
        "ARCHIVE_LOGIN_LOCKOUT_MINUTES": "45",
        "ARCHIVE_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import json; from django.conf import settings; print(json.dumps(["
        "settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(), "
        "settings.AXES_IPWARE_META_PRECEDENCE_ORDER]))"
    )

    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert json.loads(output) == [7, 45 * 60, ["HTTP_X_REAL_IP", "REMOTE_ADDR"]]
