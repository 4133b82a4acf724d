"""Browser tests: a real Chromium (Debian's, never one downloaded by `playwright install`) driven
by Playwright against a live server that serves a small but realistic archive.

The archive is built once for the whole package and the browser is launched once, so the tests
stay quick. That rules out pytest-django's `live_server`, whose tests flush the database after
each test; `archive_site` below starts the same server thread itself and empties the database
when the package's last test is done, so no other test ever sees these records.

The test thread never uses the ORM while the browser runs: every write happens in `archive_site`
before Playwright starts, and the tests read what they need from the `Site` it returns. Playwright's
sync API keeps an asyncio loop running in the test thread, where Django refuses database calls
(and where, as it turns out, the thread's connection is another one than before Playwright
started). So the tests need no `DJANGO_ALLOW_ASYNC_UNSAFE`, and are not marked `django_db`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

CHROMIUM = Path("/usr/bin/chromium")
# As root, Chromium needs --no-sandbox; the rest keep it off the network and quiet: no field
# trials, component or safe-browsing downloads, sync or first-run pages.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}

PUBLISHED_PUBLICATIONS = 45  # with the seed record
PAGE_SIZE = 25
# The filter the flow test applies: journal articles from 1970 on, more than a page of them.
FILTER_TYPE, FILTER_FROM_YEAR = "journal-article", 1970
CHINESE_PREFIX = "/zh-hans"

# Read when pytest collects this package, before any test database replaces it.
CONFIGURED_DATABASE = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]


@dataclass
class Site:
    """The live server's address and the records the tests visit, read before the browser ran."""

    url: str
    seed_title: str
    seed_path: str
    seed_author: str
    seed_author_path: str
    seed_journal: str
    seed_journal_path: str
    seed_event: str
    seed_event_path: str
    person_path: str
    event_path: str
    journal: str
    journal_slug: str
    publication_count: int
    filtered_count: int
    draft_titles: list[str] = field(default_factory=list)
    draft_paths: list[str] = field(default_factory=list)

    def __call__(self, path: str, *, chinese: bool = False) -> str:
        """The absolute address of a path, in Chinese under /zh-hans/ when asked."""
        return f"{self.url}{CHINESE_PREFIX if chinese else ''}{path}"


def build_archive() -> Site:
    """The sample archive, three more journals, a handful of people and events, enough published
    publications for two pages and a draft of each kind that no page may show."""
    from archive.models import Publication, PublicationType, Status
    from archive.sample import EVENTS, SEED_DOI, sample_archive_load
    from tests.factories import (
        add_event_publication,
        add_event_title,
        add_participant,
        add_person_name,
        add_translated_title,
        make_event,
        make_journal,
        make_person,
        make_publication,
    )

    sample_archive_load()
    seed = Publication.objects.get(doi=SEED_DOI)
    seed_author = seed.authorships.get(position=1).person
    # Khrushchev's visit to China, which a search for "khrushchev" finds.
    seed_event = seed.event_links.get(event__title=EVENTS[0]["title"]).event

    journals = [
        make_journal(name="Diplomatic History Review", issn_print="0145-2096"),
        make_journal(name="Journal of Sino-Soviet Studies", publisher="Harbin University Press"),
        make_journal(name="Asian Cold War Quarterly"),
    ]
    authors = [
        make_person("Anna Kowalska", family_name="Kowalska", given_names="Anna"),
        make_person("Li Wei", family_name="Li", given_names="Wei", variants=["李伟"]),
        make_person("Tomás Ortega", family_name="Ortega", given_names="Tomás"),
        make_person("Marta Ilyina", family_name="Ilyina", given_names="Marta"),
    ]
    figure = make_person(
        "Zhou Enlai", family_name="Zhou", birth_date="1898-03-05", death_date="1976-01-08"
    )
    add_person_name(figure, "周恩来", language="zh-Hans")
    geneva = make_event(
        "Geneva Conference on Korea and Indochina", date="1954-04-26/1954-07-20", place="Geneva"
    )
    add_event_title(geneva, "日内瓦会议")
    add_participant(geneva, figure, "head of the Chinese delegation")
    bandung = make_event("Asian–African Conference", date="1955-04", place="Bandung")
    add_participant(bandung, figure, "delegate")

    types = [PublicationType.JOURNAL_ARTICLE] * 3 + [PublicationType.REVIEW]
    for number in range(1, PUBLISHED_PUBLICATIONS):
        year = 1960 + number
        kind = types[number % len(types)]
        publication = make_publication(
            f"Workers, treaties and borders: study {number} of Sino-Soviet relations",
            authors=[authors[number % len(authors)]],
            about=[figure] if number % 3 == 0 else (),
            events=[geneva] if number % 5 == 0 else (),
            journal=journals[number % len(journals)],
            publication_type=kind,
            publication_date=f"{year}-0{number % 9 + 1}",
            volume=str(number),
            first_page=str(number * 10),
            last_page=str(number * 10 + 9),
            citation_count=number * 2,
            is_open_access=number % 2 == 0,
            abstract=f"A study of the Sino-Soviet alliance in {year}, from both archives.",
        )
        if number == 1:
            add_translated_title(publication, "工人、条约与边界:中苏关系研究之一")
    add_event_publication(bandung, seed, pages="450–452")

    # Drafts that look like what the tests search for, linked to what the tests visit.
    drafts = [
        make_publication(
            "Unpublished draft on the Khrushchev visit",
            status=Status.DRAFT,
            journal=journals[0],
            authors=[seed_author],
            events=[seed_event],
            publication_type=FILTER_TYPE,
            publication_date="1999",
        ),
        make_person("Khrushchev Draft Person", status=Status.DRAFT),
        make_event("Khrushchev draft event", status=Status.DRAFT, date="1954"),
        make_journal(name="Khrushchev Draft Journal", status=Status.DRAFT),
    ]

    published = Publication.objects.published()
    assert published.count() == PUBLISHED_PUBLICATIONS
    filtered_count = published.filter(
        publication_type=FILTER_TYPE, year__gte=FILTER_FROM_YEAR
    ).count()
    assert filtered_count > PAGE_SIZE, "the flow test pages through the filtered list"
    return Site(
        url="",
        seed_title=seed.plain_title,
        seed_path=seed.get_absolute_url(),
        seed_author=seed_author.display_name,
        seed_author_path=seed_author.get_absolute_url(),
        seed_journal=seed.journal.name,
        seed_journal_path=seed.journal.get_absolute_url(),
        seed_event=seed_event.title,
        seed_event_path=seed_event.get_absolute_url(),
        person_path=figure.get_absolute_url(),
        event_path=geneva.get_absolute_url(),
        journal=journals[1].name,
        journal_slug=journals[1].slug,
        publication_count=PUBLISHED_PUBLICATIONS,
        filtered_count=filtered_count,
        draft_titles=[
            drafts[0].plain_title,
            drafts[1].display_name,
            drafts[2].title,
            drafts[3].name,
        ],
        draft_paths=[draft.get_absolute_url() for draft in drafts],
    )


@pytest.fixture(scope="package")
def test_database(django_db_setup, django_db_blocker):
    """pytest-django creates the test database when some collected test is marked `django_db`.
    The browser tests are not, so when they run alone the test database is created here."""
    from django.test.utils import setup_databases, teardown_databases

    if connections[DEFAULT_DB_ALIAS].settings_dict["NAME"] != CONFIGURED_DATABASE:
        yield  # pytest-django's, for the other tests of the run
        return
    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
    yield
    with django_db_blocker.unblock():
        teardown_databases(databases, verbosity=0)


@pytest.fixture(scope="package")
def archive_site(test_database, django_db_blocker):
    """The archive built once, served by a live server thread for the package's tests."""
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    database = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    assert database != CONFIGURED_DATABASE, f"not a test database: {database}"
    # Unblocked for the package: the server threads query the database between the tests too.
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        site = build_archive()
        # The server shares an in-memory SQLite connection; on PostgreSQL each request thread
        # opens its own and sees the committed rows. Chromium keeps its HTTP connections alive,
        # and with them the threads serving them: each request closes its database connection
        # as it ends, so that none is left open when the test database is dropped.
        patch.setitem(connections.settings[DEFAULT_DB_ALIAS], "CONN_MAX_AGE", 0)
        server = LiveServer("127.0.0.1:0")
        try:
            with modify_settings(ALLOWED_HOSTS={"append": "127.0.0.1"}):
                site.url = server.url
                yield site
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0, allow_cascade=True)


@pytest.fixture(scope="package")
def browser(archive_site):
    """Debian's Chromium, headless; Playwright gives each launch a fresh temporary profile
    (user-data dir) and removes it on close. Depends on `archive_site` so that the archive is
    written before Playwright starts and emptied after it stops."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in a context of its own (no cookies shared between tests). Scripts the page itself
    runs must not fail, and nothing may be refused by the Content-Security-Policy."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def screenshot(page, name: str) -> Path:
    """A full-page screenshot under var/screenshots/ (git-ignored), to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def parse_csv(data: bytes) -> list[dict[str, str]]:
    """The rows of a downloaded CSV (UTF-8, with or without the byte-order mark Excel wants)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
