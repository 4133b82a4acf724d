"""Drafts do not leak through search: a published record is found only by what a reader sees.

A publication shows the name printed for each author, but its authors' own names and variants and
its journal's name only while those records are published. Every public search (the four lists'
`q` and the site search, in both languages) is asked for the words of drafts linked to published
records; publishing a draft, through the admin or an import, makes them findable, and
unpublishing it (an admin action, a revert, a merge, an undone import) hides them again.
"""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from archive.importing.formats import BookSciJSON, PublicationCSV
from archive.importing.journals import JournalResource
from archive.importing.resources import run_import
from archive.models import AuditEntry, Journal, Person, Publication, Status
from archive.search import search_index_hide_drafts
from archive.services import import_batch_undo, person_merge
from tests.factories import (
    add_author,
    add_event_publication,
    add_participant,
    add_person_name,
    add_subject,
    make_event,
    make_journal,
    make_person,
    make_publication,
)
from tests.test_audit import edit, revert_url
from tests.test_entities_import import imported, table
from tests.test_undo import cold_war_record, import_file

pytestmark = pytest.mark.django_db

DRAFT, PUBLISHED = Status.DRAFT, Status.PUBLISHED
LANGUAGE_PREFIXES = ["", "/zh-hans"]
LISTS = {
    "publications": "publication_list",
    "people": "person_list",
    "events": "event_list",
    "journals": "journal_list",
}
# Words of the drafts below that no published record holds itself.
DRAFT_WORDS = ["wenqiang", "卓文强", "borderlands", "harbin", "lushun"]


def path(name: str) -> str:
    with translation.override("en"):  # a request in Chinese leaves Chinese active
        return reverse(f"archive:{name}")


def found(client, query) -> set[str]:
    """Every record any public search shows for `query`, as "kind: record", after checking that
    in both languages the site search finds what the lists find."""
    everywhere = set()
    with translation.override("en"):
        for prefix in LANGUAGE_PREFIXES:
            listed = set()
            for kind, name in LISTS.items():
                response = client.get(prefix + path(name), {"q": query})
                assert response.status_code == 200
                listed |= {f"{kind}: {record}" for record in response.context["object_list"]}
            response = client.get(prefix + path("search"), {"q": query})
            assert response.status_code == 200
            results = response.context["results"].values()
            searched = {
                f"{kind}: {record}"
                for kind, r in response.context["results"].items()
                for record in r.first
            }
            assert searched == listed, (prefix, query)
            assert sum(r.count for r in results) == len(listed), (prefix, query)
            everywhere |= listed
    return everywhere


def admin_action(client, action: str, record) -> None:
    model = record._meta.model_name
    response = client.post(
        reverse(f"admin:archive_{model}_changelist"),
        {"action": action, "index": "0", "_selected_action": [record.pk]},
    )
    assert response.status_code == 302


@pytest.fixture
def linked_drafts():
    """A published article written by a draft person (printed as W. Zhuo) in a draft journal,
    about that person and a draft event; a published event with the draft person taking part,
    part of the draft event."""
    zhuo = make_person("Wenqiang Zhuo", status=DRAFT)
    add_person_name(zhuo, "卓文强", language="zh-Hans")
    journal = make_journal(name="Borderlands Quarterly", status=DRAFT)
    conference = make_event("Harbin conference", place="Lüshun", status=DRAFT)
    article = make_publication("Workers abroad", journal=journal, publication_date="2022")
    add_author(article, zhuo, name_as_printed="W. Zhuo")
    add_subject(article, zhuo)
    add_event_publication(conference, article)
    visit = make_event("A visit to the border", parent=conference)
    add_participant(visit, zhuo, role="delegate")
    return {"person": zhuo, "journal": journal, "event": conference, "article": article}


@pytest.mark.parametrize("word", DRAFT_WORDS)
def test_no_public_search_finds_a_published_record_by_a_drafts_words(client, linked_drafts, word):
    assert found(client, word) == set()


def test_the_name_printed_on_a_publication_is_its_own_and_finds_it(client, linked_drafts):
    assert found(client, "w. zhuo") == {"publications: Workers abroad (2022)"}


def test_publishing_a_person_from_the_list_makes_their_names_find_their_works(
    admin_client, client, linked_drafts
):
    admin_action(admin_client, "publish", linked_drafts["person"])
    assert found(client, "卓文强") == {
        "publications: Workers abroad (2022)",
        "people: Wenqiang Zhuo",
    }
    admin_action(admin_client, "unpublish", linked_drafts["person"])
    assert found(client, "卓文强") == set()


def test_publishing_a_journal_on_its_page_makes_its_name_find_its_publications(
    admin_client, client, linked_drafts
):
    journal = linked_drafts["journal"]
    edit(admin_client, journal, status=PUBLISHED)
    assert found(client, "borderlands") == {
        "publications: Workers abroad (2022)",
        "journals: Borderlands Quarterly",
    }
    edit(admin_client, journal, status=DRAFT)
    assert found(client, "borderlands") == set()


def test_publishing_an_event_finds_the_event_alone(admin_client, client, linked_drafts):
    admin_action(admin_client, "publish", linked_drafts["event"])
    assert found(client, "harbin") == {"events: Harbin conference"}
    assert found(client, "lushun") == {"events: Harbin conference"}


def test_reverting_a_publication_hides_the_names_again(admin_client, client, linked_drafts):
    zhuo = linked_drafts["person"]
    admin_action(admin_client, "publish", zhuo)
    published = AuditEntry.objects.get(
        content_type__model="person", object_id=zhuo.pk, action=AuditEntry.Action.PUBLISHED
    )
    assert admin_client.post(revert_url(published)).status_code == 302
    assert Person.objects.get(pk=zhuo.pk).status == DRAFT
    assert found(client, "卓文强") == set()


def test_merging_a_published_author_into_a_draft_hides_their_names(client):
    draft = make_person("Wenqiang Zhuo", status=DRAFT)
    author = make_person("Zhuo Wen-ch'iang", variants=["卓文强"])
    make_publication("Workers abroad", authors=[author], publication_date="2022")
    assert "publications: Workers abroad (2022)" in found(client, "卓文强")
    person_merge(keep=draft, merge=[author])
    assert found(client, "卓文强") == set()
    assert found(client, "wen-ch'iang") == {"publications: Workers abroad (2022)"}  # as printed


# --- imports ------------------------------------------------------------------------------------


def test_an_imported_work_of_a_draft_person_is_not_found_by_their_other_names(
    admin_client, client, tmp_path
):
    gu = make_person("Ji-Dong Gu", status=DRAFT)
    add_person_name(gu, "谷继东", language="zh-Hans")
    import_file(tmp_path, cold_war_record())
    article = Publication.objects.get()
    assert list(article.authors.all()) == [gu]
    assert found(client, "谷继东") == set()
    assert found(client, "ji-dong gu") == {f"publications: {article}"}  # as printed
    admin_action(admin_client, "publish", gu)
    assert found(client, "谷继东") == {f"publications: {article}", "people: Ji-Dong Gu"}


def test_an_import_of_drafts_leaves_the_journal_unfound_until_it_is_published(admin_client, client):
    dataset = BookSciJSON().create_dataset(
        json.dumps([cold_war_record(authors="Wenqiang Zhuo")]).encode()
    )
    result = run_import(dataset, publish=False, format_name=BookSciJSON.name)
    assert not result.has_errors()
    admin_action(admin_client, "publish", Publication.objects.get())
    assert found(client, "cold war history") == set()
    assert found(client, "wenqiang") == {next(iter(found(client, "dispatch")))}  # as printed
    journal = Journal.objects.get()
    admin_action(admin_client, "publish", journal)
    assert found(client, "cold war history") == found(client, "dispatch") | {
        "journals: Cold War History"
    }
    admin_action(admin_client, "unpublish", journal)
    assert found(client, "cold war history") == set()


def test_a_work_imported_into_a_draft_journal_is_found_by_its_name_once_it_is_published(
    admin_client, client
):
    journal = make_journal(name="Borderlands Quarterly", status=DRAFT)
    rows = PublicationCSV().create_dataset(
        b"title,doi,journal,publication_date\nWorkers abroad,10.1/w,Borderlands Quarterly,2022\n"
    )
    assert not run_import(rows, format_name="csv").has_errors()
    assert Publication.objects.get().journal == journal
    assert found(client, "borderlands") == set()
    admin_action(admin_client, "publish", journal)
    assert found(client, "borderlands") == {
        "publications: Workers abroad (2022)",
        "journals: Borderlands Quarterly",
    }


def test_undoing_an_import_does_not_bring_back_the_names_of_an_author_unpublished_since(
    admin_client, client, tmp_path
):
    gu = make_person("Ji-Dong Gu")
    add_person_name(gu, "谷继东", language="zh-Hans")
    make_publication("Unknown page of history", doi="10.1080/14682745.2022.2050698", authors=[gu])
    batch = import_file(tmp_path, cold_war_record(title="Another page of history"))
    admin_action(admin_client, "unpublish", gu)
    import_batch_undo(batch=batch)
    assert Publication.objects.get().title == "Unknown page of history"
    assert found(client, "谷继东") == set()


def test_an_issn_an_import_adds_to_a_journal_finds_it(client):
    make_journal(name="Cold War History")
    rows = PublicationCSV().create_dataset(
        b"title,doi,journal,journal_issn_print\nWorkers abroad,10.1/w,Cold War History,1468-2745\n"
    )
    assert not run_import(rows, format_name="csv").has_errors()
    assert Journal.objects.get().issn_print == "1468-2745"
    assert "journals: Cold War History" in found(client, "14682745")


def test_another_name_an_import_adds_to_a_journal_finds_it(client):
    journal = make_journal(name="Cold War History")
    imported(
        JournalResource,
        table(
            "slug,name,other_names",
            [journal.slug, journal.name, json.dumps([{"name": "冷战史", "kind": "translation"}])],
        ),
    )
    assert found(client, "冷战史") == {"journals: Cold War History"}


def test_the_migration_step_clears_draft_names_from_text_written_before(client, linked_drafts):
    article = linked_drafts["article"]
    Publication.objects.filter(pk=article.pk).update(
        search_text=article.search_text + "\nwenqiang zhuo\n卓文强\nborderlands quarterly"
    )
    assert found(client, "卓文强") == {"publications: Workers abroad (2022)"}
    assert search_index_hide_drafts() == 1
    assert found(client, "卓文强") == set()
