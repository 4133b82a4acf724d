"""The public pages, through HTTP: published records only, linked both ways, escaped, accessible."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from archive.models import JournalMetric, Keyword, PublicationEvent, PublicationSubject, Status
from tests.factories import (
    add_author,
    add_event_title,
    add_journal_metric,
    add_journal_name,
    add_participant,
    add_person_name,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db

DRAFT = Status.DRAFT
LIST_PAGES = ["publication_list", "person_list", "event_list", "journal_list"]

# A list page is a count, the keys of a page and then its rows, at most three prefetches
# (journals, authorships, authors) and the choices of one filter (places or categories); the
# publication list also counts by journal, year and type (and names the journals). The home
# page adds a count per kind. A detail page is its record and one query per kind of related
# record it shows. None of them grows with the number of records.
LIST_PAGE_QUERIES = 10
HOME_PAGE_QUERIES = 8
DETAIL_PAGE_QUERIES = 9


@pytest.fixture
def first_record():
    """The archive's first record, and the people, event and journal it speaks of."""
    journal = make_journal(
        name="Cold War History",
        issn_print="1468-2745",
        issn_electronic="1743-7962",
        publisher="Taylor & Francis",
    )
    gu = make_person("Ji-Dong Gu")
    khrushchev = make_person(
        "Nikita Khrushchev", family_name="Khrushchev", birth_date="1894", death_date="1971"
    )
    mao = make_person("Mao Zedong", family_name="Mao", birth_date="1893", death_date="1976")
    add_person_name(mao, "毛泽东", language="zh-Hans")
    add_person_name(mao, "Mao Tse-tung", language="zh-Latn")
    visit = make_event("Khrushchev's visit to China", date="1954-09/1954-10", place="Beijing")
    add_event_title(visit, "赫鲁晓夫访华", language="zh")
    add_participant(visit, khrushchev, "visitor")
    add_participant(visit, mao, "host")
    article = make_publication(
        "Unknown page of history: the dispatch of Chinese workers to the USSR (1954–1957)",
        authors=[gu],
        journal=journal,
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
        doi="10.1080/14682745.2022.2050698",
        abstract="In 1954, during his trip to China, Khrushchev asked Mao Zedong to send workers.",
        citation_count=1,
        citation_count_date=datetime.date(2024, 5, 1),
        source_platform="BookSci",
        imported_at=timezone.now(),
    )
    add_translated_title(
        article, "历史上不为人知的一页:向苏联派遣中国工人(1954–1957)", machine=True
    )
    article.keywords.add(Keyword.objects.create(name="Sino-Soviet relations"))
    PublicationSubject.objects.create(publication=article, person=khrushchev, pages="437–440")
    PublicationSubject.objects.create(publication=article, person=mao)
    PublicationEvent.objects.create(publication=article, event=visit, pages="437–440")
    return {
        "article": article,
        "journal": journal,
        "gu": gu,
        "khrushchev": khrushchev,
        "mao": mao,
        "visit": visit,
    }


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response


# Every page


@pytest.mark.parametrize("name", ["home", *LIST_PAGES])
def test_every_page_has_a_skip_link_landmarks_and_the_main_navigation(client, name):
    response = page(client, reverse(f"archive:{name}"))
    assertContains(response, '<html lang="en"')
    assertContains(response, '<a class="skip-link" href="#main">')
    assertContains(response, '<main id="main">')
    assertContains(response, '<nav aria-label="Main">')
    for list_name in LIST_PAGES:
        assertContains(response, f'href="{reverse(f"archive:{list_name}")}"')


def test_the_address_decides_the_page_language(client):
    chinese = client.get("/zh-hans/", headers={"accept-language": "en"})
    assertContains(chinese, '<html lang="zh-hans"')
    # An unprefixed address is the English permalink whatever the browser prefers.
    english = client.get("/", headers={"accept-language": "zh-hans"})
    assertContains(english, '<html lang="en"')


def test_every_page_links_its_other_language_version_keeping_the_filters(client):
    response = client.get("/publications/?q=%E8%8B%8F%E8%81%94&page=1")
    assertContains(
        response,
        '<link rel="alternate" hreflang="zh-hans" '
        'href="http://testserver/zh-hans/publications/?q=%E8%8B%8F%E8%81%94&amp;page=1">',
    )
    assertContains(response, 'href="/zh-hans/publications/?q=%E8%8B%8F%E8%81%94&amp;page=1"')
    assertContains(response, '<link rel="canonical" href="http://testserver/publications/?q=')


def test_the_current_list_is_marked_in_the_navigation(client):
    response = page(client, reverse("archive:event_list"))
    assertContains(response, f'<a href="{reverse("archive:event_list")}" aria-current="page">')


# The home page


def test_the_home_page_counts_only_published_records_and_shows_recent_publications(
    client, first_record
):
    make_publication("A draft article", status=DRAFT)
    make_person("A draft person", status=DRAFT)
    response = page(client, reverse("archive:home"))
    assertContains(response, "1 publication</a>")
    assertContains(response, "3 people</a>")
    assertContains(response, "1 event</a>")
    assertContains(response, "1 journal</a>")
    assertContains(response, first_record["article"].get_absolute_url())
    assertNotContains(response, "A draft article")


# Lists


@pytest.mark.parametrize(
    ("name", "record", "facts"),
    [
        ("publication_list", "article", ["Ji-Dong Gu", "Cold War History", "2022"]),
        ("person_list", "khrushchev", ["1894–1971"]),
        ("event_list", "visit", ["September 1954–October 1954", "Beijing"]),
        ("journal_list", "journal", ["1468-2745", "Taylor &amp; Francis", "1 publication"]),
    ],
)
def test_a_list_links_each_published_record_with_its_key_facts(
    client, first_record, name, record, facts
):
    response = page(client, reverse(f"archive:{name}"))
    assertContains(response, f'href="{first_record[record].get_absolute_url()}"')
    for fact in facts:
        assertContains(response, fact)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("publication_list", lambda: make_publication("Hidden draft", status=DRAFT)),
        ("person_list", lambda: make_person("Hidden draft", status=DRAFT)),
        ("event_list", lambda: make_event("Hidden draft", status=DRAFT)),
        ("journal_list", lambda: make_journal(name="Hidden draft", status=DRAFT)),
    ],
)
def test_a_draft_is_absent_from_its_list(client, name, make):
    draft = make()
    response = page(client, reverse(f"archive:{name}"))
    assertNotContains(response, "Hidden draft")
    assertNotContains(response, draft.get_absolute_url())


def test_the_journal_list_counts_only_published_publications(client):
    journal = make_journal(name="Diplomatic History")
    make_publication(journal=journal)
    make_publication(journal=journal, status=DRAFT)
    assertContains(page(client, reverse("archive:journal_list")), "1 publication<")


# Drafts


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_publication(status=DRAFT),
        lambda: make_person(status=DRAFT),
        lambda: make_event(status=DRAFT),
        lambda: make_journal(status=DRAFT),
    ],
    ids=["publication", "person", "event", "journal"],
)
def test_a_draft_record_is_not_found(client, make):
    response = client.get(make().get_absolute_url())
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, '<nav aria-label="Main">', status_code=404)


def test_a_draft_author_is_shown_as_printed_without_a_link(client):
    draft = make_person("Ji-Dong Gu", status=DRAFT)
    publication = make_publication(authors=[draft])
    response = page(client, publication.get_absolute_url())
    assertContains(response, "Ji-Dong Gu")
    assertNotContains(response, draft.get_absolute_url())


def test_a_publication_does_not_link_to_a_draft_journal_person_or_event(client):
    journal = make_journal(name="Draft Journal", status=DRAFT)
    person = make_person("Draft Subject", status=DRAFT)
    event = make_event("Draft Event", status=DRAFT)
    publication = make_publication(journal=journal, about=[person], events=[event])
    response = page(client, publication.get_absolute_url())
    for draft in (journal, person, event):
        assertNotContains(response, draft.get_absolute_url())
    for name in ("Draft Journal", "Draft Subject", "Draft Event"):
        assertNotContains(response, name)
    list_response = page(client, reverse("archive:publication_list"))
    assertNotContains(list_response, "Draft Journal")


def test_a_person_page_lists_no_draft_publications_or_events(client):
    person = make_person()
    make_publication("Draft work", authors=[person], status=DRAFT)
    make_publication("Draft study", about=[person], status=DRAFT)
    add_participant(make_event("Draft meeting", status=DRAFT), person)
    response = page(client, person.get_absolute_url())
    for title in ("Draft work", "Draft study", "Draft meeting"):
        assertNotContains(response, title)


def test_an_event_page_shows_no_draft_parent_parts_related_people_or_publications(client):
    parent = make_event("Draft summit", status=DRAFT)
    event = make_event("The visit", parent=parent)
    make_event("Draft part", parent=event, status=DRAFT)
    event.related.add(make_event("Draft related", status=DRAFT))
    add_participant(event, make_person("Draft visitor", status=DRAFT), "visitor")
    make_publication("Draft article", events=[event], status=DRAFT)
    response = page(client, event.get_absolute_url())
    for title in ("Draft summit", "Draft part", "Draft related", "Draft visitor", "Draft article"):
        assertNotContains(response, title)


def test_a_journal_page_lists_only_its_published_publications(client):
    journal = make_journal()
    published = make_publication("In print", journal=journal)
    make_publication("Not yet", journal=journal, status=DRAFT)
    make_publication("Elsewhere", journal=make_journal())
    response = page(client, journal.get_absolute_url())
    assertContains(response, published.get_absolute_url())
    assertNotContains(response, "Not yet")
    assertNotContains(response, "Elsewhere")


# Links both ways


def test_a_publication_links_to_its_author_and_the_author_links_back(client, first_record):
    article, gu = first_record["article"], first_record["gu"]
    response = page(client, article.get_absolute_url())
    assertContains(response, f'<a href="{gu.get_absolute_url()}">Ji-Dong Gu</a>', html=True)
    assertContains(page(client, gu.get_absolute_url()), f'href="{article.get_absolute_url()}"')


def test_a_publication_links_to_the_people_it_is_about_and_they_link_back(client, first_record):
    article, khrushchev = first_record["article"], first_record["khrushchev"]
    response = page(client, article.get_absolute_url())
    assertContains(response, f'href="{khrushchev.get_absolute_url()}"')
    assertContains(response, "pages 437–440")
    person_page = page(client, khrushchev.get_absolute_url())
    assertContains(person_page, "Works about this person")
    assertContains(person_page, f'href="{article.get_absolute_url()}"')


def test_an_event_links_to_the_publications_discussing_it_and_they_link_back(client, first_record):
    article, visit = first_record["article"], first_record["visit"]
    event_page = page(client, visit.get_absolute_url())
    assertContains(event_page, f'href="{article.get_absolute_url()}"')
    assertContains(event_page, "pages 437–440")
    assertContains(page(client, article.get_absolute_url()), f'href="{visit.get_absolute_url()}"')


def test_an_event_links_to_its_participants_and_they_link_back_in_time_order(client, first_record):
    visit, mao = first_record["visit"], first_record["mao"]
    event_page = page(client, visit.get_absolute_url())
    assertContains(
        event_page, f'<a href="{mao.get_absolute_url()}">Mao Zedong</a>: host', html=True
    )
    later = make_event("The Moscow Conference", date="1957-11")
    earlier = make_event("The founding of the People's Republic", date="1949-10-01")
    add_participant(later, mao, "delegate")
    add_participant(earlier, mao, "chairman")
    content = page(client, mao.get_absolute_url()).content.decode()
    assert content.index("founding") < content.index("visit to China") < content.index("Moscow")


def test_an_event_links_to_its_parent_parts_and_related_events(client):
    summit = make_event("The summit")
    visit = make_event("The visit", parent=summit)
    banquet = make_event("The banquet", parent=visit)
    agreement = make_event("The agreement")
    visit.related.add(agreement)
    response = page(client, visit.get_absolute_url())
    for other in (summit, banquet, agreement):
        assertContains(response, f'href="{other.get_absolute_url()}"')
    assertContains(page(client, agreement.get_absolute_url()), visit.get_absolute_url())


def test_a_publication_links_to_its_journal_and_the_journal_links_back(client, first_record):
    article, journal = first_record["article"], first_record["journal"]
    assertContains(page(client, article.get_absolute_url()), journal.get_absolute_url())
    assertContains(page(client, journal.get_absolute_url()), article.get_absolute_url())


# What a detail page shows


def test_a_publication_page_shows_its_citation_and_provenance(client, first_record):
    response = page(client, first_record["article"].get_absolute_url())
    assertContains(response, "<dd>437–457</dd>", html=True)
    assertContains(
        response,
        '<a href="https://doi.org/10.1080/14682745.2022.2050698">'
        "https://doi.org/10.1080/14682745.2022.2050698</a>",
        html=True,
    )
    assertContains(response, '<time datetime="2022-06-21">21 June 2022</time>', html=True)
    assertContains(response, "Cited 1 time")
    assertContains(response, "(counted on 1 May 2024)")
    assertContains(response, "Sino-Soviet relations")
    assertContains(response, "BookSci")
    assertNotContains(response, "raw_record")


def test_translated_titles_carry_their_language_and_a_machine_translation_note(
    client, first_record
):
    response = page(client, first_record["article"].get_absolute_url())
    assertContains(response, '<h1 lang="en">')
    assertContains(
        response,
        '<span lang="zh-Hans">历史上不为人知的一页:向苏联派遣中国工人(1954–1957)</span>',
        html=True,
    )
    assertContains(response, "machine translation")


def test_an_event_title_in_another_language_carries_its_language(client, first_record):
    response = page(client, first_record["visit"].get_absolute_url())
    assertContains(response, '<span lang="zh">赫鲁晓夫访华</span>', html=True)
    assertContains(response, "September 1954–October 1954")
    assertContains(response, "Beijing")


def test_a_person_page_shows_life_dates_and_names_in_their_language(client, first_record):
    response = page(client, first_record["mao"].get_absolute_url())
    assertContains(response, "1893–1976")
    assertContains(response, '<span lang="zh-Hans">毛泽东</span>', html=True)
    assertContains(response, '<span lang="zh-Latn">Mao Tse-tung</span>', html=True)


def test_uncertain_life_dates_are_shown_as_circa(client):
    person = make_person(birth_date="1894~", death_date="1971")
    assertContains(page(client, person.get_absolute_url()), "c. 1894–1971")


def test_a_person_page_links_to_their_identifiers_elsewhere(client):
    person = make_person(orcid="0000-0002-1825-0097", wikidata="Q35314", viaf="100180950")
    response = page(client, person.get_absolute_url())
    assertContains(response, 'href="https://orcid.org/0000-0002-1825-0097"')
    assertContains(response, 'href="https://www.wikidata.org/wiki/Q35314"')
    assertContains(response, 'href="https://viaf.org/viaf/100180950"')


def test_a_journal_page_shows_its_names_identifiers_and_rankings(client, first_record):
    journal = first_record["journal"]
    add_journal_name(journal, "冷战史", language="zh", kind="translation")
    add_journal_metric(journal, year=2023, impact_factor="0.400", quartile="Q1", category="HISTORY")
    add_journal_metric(
        journal,
        system=JournalMetric.System.CAS,
        zone=2,
        category="历史学",
        source="BookSci (booksci.cn)",
    )
    response = page(client, journal.get_absolute_url())
    assertContains(response, '<span lang="zh">冷战史</span>', html=True)
    assertContains(response, "1743-7962")
    assertContains(response, '<th scope="col">Impact factor</th>', html=True)
    assertContains(response, "0.400")
    assertContains(response, "Chinese Academy of Sciences journal zones")
    assertContains(response, "recorded 30 June 2024")


# Escaping


def test_a_hostile_person_name_is_escaped(client):
    person = make_person("<script>alert(1)</script>")
    make_publication(authors=[person])
    for url in (
        person.get_absolute_url(),
        reverse("archive:person_list"),
        reverse("archive:publication_list"),
    ):
        response = page(client, url)
        assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
        assertNotContains(response, "<script>alert(1)</script>")


def test_a_hostile_event_title_is_escaped(client):
    event = make_event('<script>alert(1)</script>"')
    for url in (event.get_absolute_url(), reverse("archive:event_list")):
        response = page(client, url)
        assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;")
        assertNotContains(response, "<script>alert(1)</script>")


def test_a_publication_title_keeps_italics_but_loses_scripts_and_event_handlers(client):
    publication = make_publication(
        'Reading <i>Pravda</i><script>alert(1)</script> <b onclick="steal()">closely</b>'
    )
    for url in (publication.get_absolute_url(), reverse("archive:publication_list")):
        response = page(client, url)
        assertContains(response, "<i>Pravda</i>")
        assertContains(response, "<b>closely</b>")
        assertNotContains(response, "<script>")
        assertNotContains(response, "onclick=")
        assertNotContains(response, "alert(1)")
    title = page(client, publication.get_absolute_url())
    assertContains(title, "<title>Reading Pravda closely · Cold War Archive</title>")


def test_a_link_that_is_not_a_web_address_is_not_followed(client):
    journal = make_journal(homepage="javascript:alert(1)")
    assertNotContains(page(client, journal.get_absolute_url()), "javascript:")


# Dates at their precision


@pytest.mark.parametrize(
    ("publication_date", "shown"),
    [("2022", "2022"), ("2022-06", "June 2022"), ("2022-06-21", "21 June 2022")],
)
def test_a_publication_date_is_shown_as_precisely_as_it_is_known(client, publication_date, shown):
    publication = make_publication(publication_date=publication_date)
    response = page(client, publication.get_absolute_url())
    assertContains(response, f'<time datetime="{publication_date}">{shown}</time>', html=True)


def test_a_publication_dated_by_year_does_not_claim_a_day(client):
    publication = make_publication(publication_date="2022")
    response = page(client, publication.get_absolute_url())
    assertNotContains(response, "1 January")
    assertNotContains(response, "January 2022")


# Pagination


def test_pagination_keeps_the_other_query_parameters(client):
    for number in range(30):
        make_person(f"Mao {number}")
    response = page(client, reverse("archive:person_list"), q="mao", page=1)
    assertContains(response, '<nav class="pagination" aria-label="Pagination">')
    assertContains(response, 'href="?q=mao&amp;page=2"')
    assertContains(response, 'href="?q=mao&amp;page=1" aria-current="page"')
    assertNotContains(response, "page=1&amp;page")


def test_the_second_page_shows_the_rest(client):
    for number in range(30):
        make_event(f"Meeting {number:02d}", date=f"{1950 + number}")
    response = page(client, reverse("archive:event_list"), page=2)
    assertContains(response, "Meeting 29")
    assertNotContains(response, "Meeting 00")
    assertContains(response, 'href="?page=1" rel="prev"')


# Query counts


@pytest.fixture
def thirty_of_each():
    journals = [make_journal() for _ in range(30)]
    for journal in journals:
        add_journal_metric(journal, year=2023, impact_factor="1.500", quartile="Q2")
    people = [make_person(birth_date="1900", death_date="1980") for _ in range(30)]
    events = [make_event(date="1954-09/1954-10", place="Beijing") for _ in range(30)]
    for number, journal in enumerate(journals):
        make_publication(
            authors=[people[number], people[(number + 1) % 30], people[(number + 2) % 30]],
            about=[people[(number + 3) % 30]],
            events=[events[number]],
            journal=journal,
        )
    for event in events:
        add_participant(event, people[0], "host")
        add_participant(event, people[1], "guest")
    return {"journal": journals[0], "person": people[0], "event": events[0]}


@pytest.mark.parametrize("name", LIST_PAGES)
def test_a_list_page_uses_a_few_queries_however_many_records(
    client, django_assert_max_num_queries, thirty_of_each, name
):
    with django_assert_max_num_queries(LIST_PAGE_QUERIES):
        page(client, reverse(f"archive:{name}"))


def test_the_home_page_uses_a_few_queries_however_many_records(
    client, django_assert_max_num_queries, thirty_of_each
):
    with django_assert_max_num_queries(HOME_PAGE_QUERIES):
        page(client, reverse("archive:home"))


@pytest.mark.parametrize("kind", ["publication", "person", "event", "journal"])
def test_a_detail_page_uses_a_few_queries_however_many_links(
    client, django_assert_max_num_queries, thirty_of_each, kind
):
    record = (
        thirty_of_each["person"].authorships.first().publication
        if kind == "publication"
        else thirty_of_each[kind]
    )
    with django_assert_max_num_queries(DETAIL_PAGE_QUERIES):
        page(client, record.get_absolute_url())


# The sample archive


def test_every_page_of_the_sample_archive_renders(client):
    from archive.models import Event, Journal, Person, Publication
    from archive.sample import sample_archive_load

    sample_archive_load()
    for kind in (Publication, Person, Event, Journal):
        for record in kind.objects.published():
            page(client, record.get_absolute_url())


# Detail pages: credits, works and facts in order


def test_a_publication_lists_its_credits_as_printed_in_order_with_their_roles(client):
    publication = make_publication()
    for name in ("Olga Petrova", "Ji-Dong Gu"):
        add_author(publication, make_person(name))
    add_author(publication, make_person("Anna Smith"), role="editor", name_as_printed="A. Smith")
    content = page(client, publication.get_absolute_url()).content.decode()
    byline = content[content.index('<p class="byline">') :]
    assert byline.index("Olga Petrova") < byline.index("Ji-Dong Gu") < byline.index("A. Smith")
    assertContains(page(client, publication.get_absolute_url()), "A. Smith</a> (editor)")


def test_a_person_page_lists_their_works_newest_first_with_roles_other_than_author(client):
    person = make_person()
    older = make_publication("The older work", publication_date="1999", authors=[person])
    newer = make_publication("The newer book", publication_date="2021-03")
    add_author(newer, person, role="editor")
    response = page(client, person.get_absolute_url())
    content = response.content.decode()
    assert content.index(newer.get_absolute_url()) < content.index(older.get_absolute_url())
    assertContains(response, '<span class="note">editor</span>', html=True)


def test_a_journal_page_shows_its_publisher_and_both_issns(client, first_record):
    response = page(client, first_record["journal"].get_absolute_url())
    assertContains(response, "<dd>1468-2745</dd>", html=True)
    assertContains(response, "<dd>1743-7962</dd>", html=True)
    assertContains(response, "<dd>Taylor &amp; Francis</dd>", html=True)


@pytest.mark.parametrize("record", ["article", "gu", "visit", "journal"])
def test_every_detail_page_has_a_chinese_version(client, first_record, record):
    # A request leaves its language active in the test's thread: the English path is asked for.
    with translation.override("en"):
        url = "/zh-hans" + first_record[record].get_absolute_url()
    response = page(client, url)
    assertContains(response, '<html lang="zh-hans"')
    assertContains(response, f'<link rel="canonical" href="http://testserver{url}">')


def test_a_publication_page_offers_its_citation_and_downloads(client, first_record):
    article = first_record["article"]
    response = page(client, article.get_absolute_url())
    assertContains(response, '<h2 id="cite-heading">Cite this publication</h2>', html=True)
    assertContains(response, "<i>Cold War History</i> 22 (1): 437–57.")
    for name in ("bibtex", "ris", "csljson"):
        url = reverse(f"archive:publication_{name}", kwargs={"slug": article.slug})
        assertContains(response, f'href="{url}"')
