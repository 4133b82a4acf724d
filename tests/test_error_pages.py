"""The error pages in the site's style and in both languages, and `/healthz`. The database-down
case, against a really unreachable database, is in test_deploy.py."""

import json

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import translation
from django.views.defaults import server_error


def broken_view(request):
    raise RuntimeError("a bug")


# For the tests marked with this module as their URLconf: the archive, plus a page that fails.
urlpatterns = i18n_patterns(
    path("broken/", broken_view),
    path("", include("archive.urls")),
    prefix_default_language=False,
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "language", "title"),
    [
        ("/no-such-page/", "en", "Page not found"),
        ("/publications/no-such-record/", "en", "Page not found"),
        ("/zh-hans/publications/no-such-record/", "zh-hans", None),
    ],
)
def test_a_missing_page_is_a_404_in_the_sites_style_and_its_language(client, url, language, title):
    response = client.get(url)

    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert '<main id="main">' in page
    assert 'class="skip-link"' in page
    with translation.override(language):
        assert translation.gettext("Page not found") in page
    assert '<meta name="robots" content="noindex">' in page
    assert 'rel="canonical"' not in page
    if title:
        assert f"<h1>{title}</h1>" in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_500_page_renders_with_no_database_and_no_request_context(language):
    # Not marked django_db: any query would fail the test.
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert '<main id="main">' in page
    assert 'rel="canonical"' not in page
    with translation.override(language):
        assert translation.gettext("Something went wrong") in page


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("url", "language"), [("/broken/", "en"), ("/zh-hans/broken/", "zh-hans")])
def test_a_failing_page_answers_with_the_500_page_and_the_security_headers(url, language):
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    with translation.override(language):
        assert translation.gettext("Something went wrong") in page
    assert "a bug" not in page
    assert "default-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]
