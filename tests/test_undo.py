"""Undoing an import: everything it created goes, everything it updated comes back exactly, and
nothing edited since is touched."""

import datetime
import json
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from archive.importing.events import EventResource
from archive.importing.formats import BookSciJSON
from archive.importing.journals import JournalResource
from archive.importing.locking import import_transaction
from archive.importing.people import PersonResource
from archive.importing.resources import run_import
from archive.models import (
    Authorship,
    Event,
    ImportBatch,
    ImportChange,
    Journal,
    JournalMetric,
    Keyword,
    Person,
    Publication,
    PublicationEvent,
)
from archive.services import (
    CURATORS_GROUP,
    import_batch_undo,
    import_batch_undo_blockers,
    import_batch_undo_preview,
)
from tests.factories import (
    add_event_publication,
    add_event_title,
    add_journal_identifier,
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
from tests.test_entities_import import imported, rows_of, table
from tests.test_search_postings import waiting_for_a_lock

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
COLD_WAR_DOI = "10.1080/14682745.2022.2050698"
# The record of imports, and the history of changes (which an undo writes to).
BOOKKEEPING = {"archive_importbatch", "archive_importchange", "archive_auditentry"}
AN_HOUR = datetime.timedelta(hours=1)


# --- helpers ----------------------------------------------------------------------------------


def archive_state() -> dict[str, list[dict]]:
    """Every row of every archive table but the import log, to compare before and after.

    Authorships and many-to-many links that an undo writes anew are compared without their ids.
    """
    state = {}
    for model in apps.get_app_config("archive").get_models(include_auto_created=True):
        table_name = model._meta.db_table
        if table_name in BOOKKEEPING:
            continue
        rows = list(model._default_manager.order_by("pk").values())
        if model is Authorship or model._meta.auto_created:
            rows = sorted(
                ({k: v for k, v in row.items() if k != "id"} for row in rows),
                key=lambda row: json.dumps(row, sort_keys=True, default=str),
            )
        state[table_name] = rows
    return state


def cold_war_record(
    *,
    title=None,
    chinese_title=None,
    chinese_abstract=None,
    authors=None,
    citations=None,
    keywords=None,
) -> dict:
    """The Cold War History record of the fixture, with the changes asked for."""
    record = json.loads((FIXTURES / "booksci_cold_war_history.json").read_text("utf-8"))
    original = json.loads(record["resultStr"])
    if title is not None:
        original["title"] = title
    if chinese_title is not None:
        record["title"] = chinese_title
    if chinese_abstract is not None:
        record["AbstractTextCN"] = chinese_abstract
    if authors is not None:
        record["authors"] = original["authors"] = authors
    if citations is not None:
        record["citationCount"] = citations
    if keywords is not None:
        record["fieldsOfStudy"] = keywords
    record["resultStr"] = json.dumps(original, ensure_ascii=False)
    return record


def import_file(tmp_path, *records, name="records.json", user=None) -> ImportBatch:
    path = tmp_path / name
    path.write_text(json.dumps(list(records), ensure_ascii=False), "utf-8")
    return import_fixture(path, user=user)


def import_fixture(path: Path, *, user=None) -> ImportBatch:
    dataset = BookSciJSON().create_dataset(path.read_bytes())
    result = run_import(dataset, file_name=path.name, format_name=BookSciJSON.name, user=user)
    assert not result.has_errors() and not result.has_validation_errors()
    return ImportBatch.objects.order_by("-pk").first()


def latest_batch() -> ImportBatch:
    return ImportBatch.objects.order_by("-pk").first()


def an_hour_later(batch: ImportBatch) -> ImportBatch:
    """Move the import an hour into the past, so that whatever the test does next is later."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=F("created_at") - AN_HOUR, finished_at=F("finished_at") - AN_HOUR
    )
    for model in (Publication, Person, Event, Journal):
        model.objects.filter(import_batch=batch).update(
            created_at=F("created_at") - AN_HOUR, updated_at=F("updated_at") - AN_HOUR
        )
    batch.refresh_from_db()
    return batch


def refusal(batch: ImportBatch) -> str:
    """Undo expecting a refusal; its reasons, one per line. Nothing may have changed."""
    before = archive_state()
    with pytest.raises(ValidationError) as refused:
        import_batch_undo(batch=batch)
    assert archive_state() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMPLETED
    assert refused.value.messages == import_batch_undo_blockers(batch)
    return "\n".join(refused.value.messages)


# --- publications ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["booksci_cold_war_history.json", "booksci_three_records.json"])
def test_undoing_a_new_import_leaves_the_archive_as_it_was(fixture, count_rows):
    make_person("Olga Petrova")
    before_counts, before = count_rows(), archive_state()
    batch = import_fixture(FIXTURES / fixture)
    assert count_rows() != before_counts

    report = import_batch_undo(batch=batch)

    after_counts = count_rows()
    for table_name in BOOKKEEPING:
        del after_counts[table_name], before_counts[table_name]
    assert after_counts == before_counts
    assert archive_state() == before
    assert report.publications_removed == batch.new_count
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_at is not None


def test_undoing_an_update_puts_back_every_field_and_relation(tmp_path):
    import_file(tmp_path, cold_war_record(keywords="History; Labour migration"), name="v1.json")
    add_translated_title(Publication.objects.get(), "Неизвестная страница истории", language="ru")
    before = archive_state()
    old_title = Publication.objects.get().title

    update = import_file(
        tmp_path,
        cold_war_record(
            title="Unknown page of history, revised",
            chinese_title="历史的未知一页（修订）",
            chinese_abstract="1954年秋，赫鲁晓夫来到北京。",
            authors="Shen Zhihua; Ji-Dong Gu",
            citations="7",
            keywords="History; Diplomacy",
        ),
        name="v2.json",
    )
    publication = Publication.objects.get()
    assert (update.updated_count, publication.title, publication.citation_count) == (
        1,
        "Unknown page of history, revised",
        7,
    )
    assert [a.name_as_printed for a in publication.authorships.order_by("position")] == [
        "Shen Zhihua",
        "Ji-Dong Gu",
    ]
    assert dict(publication.translated_titles.values_list("language", "title")) == {
        "ru": "Неизвестная страница истории",
        "zh": "历史的未知一页（修订）",
    }
    assert publication.translated_abstracts.get().language == "zh"
    assert set(publication.keywords.values_list("name", flat=True)) == {
        "History",
        "Labour migration",
        "Diplomacy",
    }

    report = import_batch_undo(batch=update)

    assert archive_state() == before
    assert Publication.objects.get().title == old_title
    assert (report.publications_restored, report.people_removed, report.keywords_removed) == (
        1,
        1,
        1,
    )


def test_imports_undone_newest_first_take_the_archive_back_step_by_step(tmp_path):
    empty = archive_state()
    first = import_file(tmp_path, cold_war_record(), name="v1.json")
    after_first = archive_state()
    second = import_file(
        tmp_path, cold_war_record(citations="9", authors="A. Nother"), name="v2.json"
    )

    assert "undo that import first" in refusal(first)
    import_batch_undo(batch=second)
    assert archive_state() == after_first
    import_batch_undo(batch=first)
    assert archive_state() == empty


def test_an_author_matched_to_someone_already_in_the_archive_stays():
    gu = make_person("Ji-Dong Gu", biography="Historian of Sino-Soviet relations.")
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    assert Publication.objects.get().authors.get() == gu

    report = import_batch_undo(batch=batch)

    assert list(Person.objects.all()) == [gu]
    assert Person.objects.get().biography == "Historian of Sino-Soviet relations."
    assert (report.publications_removed, report.people_removed) == (1, 0)


def test_the_rankings_an_import_added_to_a_journal_already_there_are_removed():
    journal = make_journal(name="Cold War History")
    add_journal_identifier(journal, "booksci", "46099")  # so the import adds only rankings
    add_journal_metric(journal, category="HISTORY", impact_factor="0.3")
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    assert journal.metrics.count() == 3

    report = import_batch_undo(batch=batch)

    assert list(journal.metrics.values_list("impact_factor", flat=True)) == [Decimal("0.3")]
    assert (report.journals_removed, report.rankings_removed) == (0, 2)
    assert Journal.objects.get() == journal


def test_an_import_that_overwrote_a_ranking_recorded_the_same_day_is_not_undone(tmp_path):
    # MetricLedger (matching.py) replaces a ranking recorded the same day and keeps no copy of
    # it; the undo refuses rather than lose it.
    import_file(tmp_path, cold_war_record(), name="v1.json")
    jcr = JournalMetric.objects.get(system=JournalMetric.System.JCR)
    record = cold_war_record()
    record["PeriodicalIF"] = 0.7
    second = import_file(tmp_path, record, name="v2.json")
    jcr.refresh_from_db()
    assert (jcr.import_batch, jcr.impact_factor) == (second, Decimal("0.7"))

    assert refusal(second) == (
        f"The ranking “{jcr}” of journal “Cold War History” (#{jcr.journal_id}) was in the "
        "archive before this import, which overwrote it without keeping a copy, so it cannot be "
        "put back."
    )


def test_undoing_an_import_takes_back_the_identifiers_it_gave_a_journal():
    make_journal(name="Cold War History")
    before = archive_state()
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")

    import_batch_undo(batch=batch)

    assert archive_state() == before


# --- refusals -------------------------------------------------------------------------------


def test_an_import_whose_record_a_curator_edited_since_is_not_undone():
    batch = an_hour_later(import_fixture(FIXTURES / "booksci_cold_war_history.json"))
    publication = Publication.objects.get()
    publication.citation_count = 3
    publication.save()

    reasons = refusal(batch)

    assert reasons.startswith(f"Publication “{publication}” (#{publication.pk}) was edited on ")
    assert reasons.endswith(", after this import.")


def test_an_import_whose_new_person_a_curator_edited_since_is_not_undone():
    batch = an_hour_later(import_fixture(FIXTURES / "booksci_cold_war_history.json"))
    gu = Person.objects.get()
    gu.biography = "Historian."
    gu.save()

    assert f"Person “Ji-Dong Gu” (#{gu.pk}) was edited on " in refusal(batch)


def test_the_import_itself_does_not_count_as_an_edit():
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")

    assert import_batch_undo_blockers(batch) == []


def test_an_import_whose_record_a_later_import_changed_is_not_undone(tmp_path):
    first = import_file(tmp_path, cold_war_record(), name="v1.json")
    second = import_file(tmp_path, cold_war_record(citations="9"), name="v2.json")
    publication = Publication.objects.get()

    assert refusal(first) == (
        f"Publication “{publication}” (#{publication.pk}) was changed again by the import of "
        f"“v2.json” (#{second.pk}, {timezone.localtime(second.created_at):%Y-%m-%d %H:%M}); "
        "undo that import first."
    )


@pytest.mark.parametrize("link", ["subject", "author", "participant"])
def test_an_import_whose_new_person_was_linked_elsewhere_is_not_undone(link):
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    gu = Person.objects.get()
    if link == "subject":
        other = make_publication("Sino-Soviet labour agreements", about=[gu])
        how = "as a person it is about"
    elif link == "author":
        other = make_publication("Sino-Soviet labour agreements", authors=[gu])
        how = "as an author"
    else:
        other = make_event("Signing of the labour agreement")
        add_participant(other, gu, "witness")
        how = "as a participant"

    assert refusal(batch) == (
        f"Person “Ji-Dong Gu” (#{gu.pk}), which this import created, has since been linked to "
        f"{other._meta.verbose_name} “{other}” (#{other.pk}) ({how}), which is not part of this "
        "import; undoing would break that link."
    )


def test_an_import_whose_new_journal_holds_another_imports_publications_is_not_undone(tmp_path):
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    other = import_file(
        tmp_path,
        {"title": "Harbin", "doi": "10.1234/harbin", "PeriodicalName": "Cold War History"},
    )

    reasons = refusal(batch)

    harbin = Publication.objects.get(doi="10.1234/harbin")
    journal = Journal.objects.get()
    assert (
        f"Journal “Cold War History” (#{journal.pk}), which this import created, has since been "
        f"linked to publication “{harbin}” (#{harbin.pk}) (as its journal)"
    ) in reasons
    import_batch_undo(batch=other)
    import_batch_undo(batch=batch)
    assert not Journal.objects.exists()


def test_an_import_already_undone_is_not_undone_twice():
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    import_batch_undo(batch=batch)
    batch.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        import_batch_undo(batch=batch)

    assert refused.value.messages[0].startswith("This import was already undone, on ")


def test_an_import_whose_updated_record_was_deleted_since_is_not_undone(tmp_path):
    import_file(tmp_path, cold_war_record(), name="v1.json")
    update = import_file(tmp_path, cold_war_record(citations="9"), name="v2.json")
    publication = Publication.objects.get()
    Publication.objects.all().delete()

    assert refusal(update) == (
        f"The publication “{publication.title}” (#{publication.pk}), which this import updated, "
        "has since been deleted, so it cannot be put back."
    )


def test_an_update_whose_former_author_was_deleted_since_is_not_undone(tmp_path):
    import_file(tmp_path, cold_war_record(), name="v1.json")
    gu = Person.objects.get()
    update = import_file(tmp_path, cold_war_record(authors="Shen Zhihua"), name="v2.json")
    gu_pk = gu.pk
    gu.delete()
    publication = Publication.objects.get()

    assert refusal(update) == (
        f"Publication “{publication}” (#{publication.pk}) cannot be put back: its author "
        f"“Ji-Dong Gu” before this import (#{gu_pk}) has since been deleted or merged into "
        "another record."
    )


def test_a_record_changed_by_an_import_that_kept_no_copy_of_it_is_not_undone():
    journal = make_journal(name="Cold War History")
    add_journal_identifier(journal, "booksci", "46099")  # so the import itself leaves it alone
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    # As people, event and journal imports left the journals they updated before they kept copies.
    Journal.objects.filter(pk=journal.pk).update(import_batch=batch)

    assert refusal(batch) == (
        f"Journal “Cold War History” (#{journal.pk}) points to this import but was in the "
        "archive before it, and the import kept no copy of what it was, so it cannot be put back."
    )


def test_many_reasons_of_one_kind_are_cut_short(tmp_path):
    records = [
        {"title": f"Article {n}", "doi": f"10.1234/{n}", "authors": f"Author {n}"}
        for n in range(13)
    ]
    batch = an_hour_later(import_file(tmp_path, *records))
    for publication in Publication.objects.all():
        publication.save()

    reasons = import_batch_undo_blockers(batch)

    assert len(reasons) == 11
    assert reasons[-1] == "…and 3 more like those."


# --- people, events and journals ------------------------------------------------------------


def test_undoing_a_people_import_removes_the_new_people_and_puts_back_the_updated_ones():
    zhou = make_person("Zhou Enlai", wikidata="Q16977", biography="Premier.")
    add_person_name(zhou, "Chou En-lai", language="en")
    add_person_name(zhou, "周恩来", language="zh")
    before = archive_state()

    imported(PersonResource, rows_of("people.csv"))

    batch = latest_batch()
    zhou.refresh_from_db()
    assert (batch.new_count, batch.updated_count, zhou.import_batch) == (1, 1, batch)
    assert ImportChange.objects.get(batch=batch).object_id == zhou.pk
    assert zhou.names.count() == 2 and zhou.birth_date == "1898-03-05"
    assert import_batch_undo_preview(batch).describe() == (
        "remove 1 person; restore 1 updated person"
    )

    import_batch_undo(batch=batch)

    assert archive_state() == before


def test_reimporting_unchanged_people_keeps_no_copy_of_them():
    imported(PersonResource, rows_of("people.csv"))

    imported(PersonResource, rows_of("people.csv"))

    batch = latest_batch()
    assert (batch.unchanged_count, batch.changes.count()) == (2, 0)


def test_undoing_an_events_import_removes_the_new_events_and_their_links():
    imported(PersonResource, rows_of("people.csv"))
    make_publication("Unknown page of history", doi=COLD_WAR_DOI)
    before = archive_state()

    imported(EventResource, rows_of("events.csv"))
    assert Event.objects.count() == 3 and PublicationEvent.objects.exists()

    import_batch_undo(batch=latest_batch())

    assert archive_state() == before


def test_undoing_an_events_import_puts_back_the_updated_events_with_all_their_links():
    zhou, gu = make_person("Zhou Enlai", slug="zhou-enlai"), make_person("Ji-Dong Gu")
    article = make_publication("Unknown page of history", doi=COLD_WAR_DOI)
    other = make_publication("Another article", doi="10.1234/other")
    geneva = make_event("Geneva Conference", slug="geneva-conference", place="Genf")
    add_event_title(geneva, "Женевская конференция", language="ru")
    add_event_title(geneva, "Conférence de Genève", language="fr")
    add_participant(geneva, gu, "observer")
    add_event_publication(geneva, other, pages="1")
    visit = make_event("Khrushchev's visit to China", slug="khrushchev-visit")
    earlier = make_event("Berlin Conference", slug="berlin-conference")
    geneva.related.add(earlier)
    geneva.parent = make_event("The Cold War", slug="cold-war")
    geneva.save()
    before = archive_state()

    imported(
        EventResource,
        table(
            "slug,title,title_translations,place,parent,related,participants,publications",
            [
                "geneva-conference",
                "Geneva Conference",
                '[{"language": "zh", "title": "日内瓦会议"}, {"language": "ru", "title": "Женевское совещание"}]',
                "Geneva",
                "",
                "khrushchev-visit",
                '[{"person": "zhou-enlai", "role": "delegate"}]',
                f'[{{"doi": "{COLD_WAR_DOI}", "pages": "437–440"}}]',
            ],
        ),
    )
    geneva.refresh_from_db()
    assert (geneva.place, geneva.parent, list(geneva.related.all())) == ("Geneva", None, [visit])
    assert [p.person for p in geneva.participations.all()] == [zhou]
    assert [link.publication for link in geneva.publication_links.all()] == [article]
    assert list(earlier.related.all()) == []

    import_batch_undo(batch=latest_batch())

    assert archive_state() == before
    assert list(earlier.related.all()) == [geneva]


def test_undoing_a_journals_import_puts_back_names_identifiers_and_rankings():
    journal = make_journal(name="Cold War History", issn_print="1468-2745")
    add_journal_name(journal, "CWH", kind="abbreviation")
    add_journal_identifier(journal, "booksci", "11111")
    add_journal_metric(journal, category="HISTORY", impact_factor="0.3")
    add_journal_metric(journal, system="cas", zone=2, recorded_on=datetime.date(2023, 1, 1))
    before = archive_state()

    imported(JournalResource, rows_of("journals.csv"))

    journal.refresh_from_db()
    assert journal.issn_electronic == "1743-7962"
    assert journal.import_batch == latest_batch()
    assert set(journal.external_ids.values_list("value", flat=True)) == {"46099"}

    import_batch_undo(batch=latest_batch())

    assert archive_state() == before


def test_a_journal_import_swapping_an_issn_between_journals_is_undone():
    first = make_journal(name="First", issn_print="1468-2745")
    second = make_journal(name="Second")
    before = archive_state()
    imported(
        JournalResource,
        table(
            "slug,name,issn_print", [first.slug, "First", ""], [second.slug, "Second", "1468-2745"]
        ),
    )
    assert Journal.objects.get(issn_print="1468-2745") == second

    import_batch_undo(batch=latest_batch())

    assert archive_state() == before


def test_an_events_import_whose_event_a_curator_linked_since_is_not_undone():
    imported(PersonResource, rows_of("people.csv"))
    make_publication("Unknown page of history", doi=COLD_WAR_DOI)
    imported(EventResource, rows_of("events.csv"))
    batch = an_hour_later(latest_batch())
    visit = Event.objects.get(slug="khrushchev-visit")
    other = make_publication("On the visit", doi="10.1234/visit")
    add_event_publication(visit, other)

    assert (
        f"Undoing would remove the link between event “{visit}” (#{visit.pk}) and publication "
        f"“{other}” (#{other.pk}), which was edited on "
    ) in refusal(batch)


# --- the admin --------------------------------------------------------------------------------


def undo_url(batch: ImportBatch) -> str:
    return reverse("admin:archive_importbatch_undo", args=[batch.pk])


def staff(*codenames: str) -> User:
    user = User.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_a_curator_undoes_an_import_after_seeing_what_it_will_do(admin_client, admin_user):
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json", user=admin_user)
    page = admin_client.get(reverse("admin:archive_importbatch_change", args=[batch.pk]))
    assert undo_url(batch) in page.content.decode()

    confirm = admin_client.get(undo_url(batch))

    assert confirm.status_code == 200
    assert (
        "Undoing this import will remove 1 new publication, 1 person, 1 journal, "
        "2 journal rankings."
    ) in " ".join(confirm.content.decode().split())
    assert Publication.objects.exists()

    done = admin_client.post(undo_url(batch), follow=True)

    assert done.redirect_chain[-1][0] == reverse(
        "admin:archive_importbatch_change", args=[batch.pk]
    )
    assert "was undone: removed 1 new publication" in done.content.decode()
    assert undo_url(batch) not in done.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.undone_by) == (ImportBatch.Status.UNDONE, admin_user)
    assert not Publication.objects.exists() and not Person.objects.exists()
    assert LogEntry.objects.filter(object_repr__startswith="Unknown page").count() == 1


def test_the_undo_page_says_why_an_import_cannot_be_undone(admin_client):
    batch = an_hour_later(import_fixture(FIXTURES / "booksci_cold_war_history.json"))
    Publication.objects.get().save()

    page = admin_client.get(undo_url(batch))
    posted = admin_client.post(undo_url(batch))

    html = page.content.decode()
    assert "This import cannot be undone:" in html and "was edited on" in html
    assert "Yes, undo this import" not in html
    assert posted.status_code == 200 and Publication.objects.exists()


@pytest.mark.parametrize(
    "codenames",
    [
        ("view_importbatch", "view_publication", "change_publication", "delete_publication"),
        ("view_importbatch", "import_publication", "change_publication"),
    ],
    ids=["without import", "without delete"],
)
def test_staff_who_may_not_import_and_delete_publications_may_not_undo(client, codenames):
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    client.force_login(staff(*codenames))

    page = client.get(reverse("admin:archive_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200 and undo_url(batch) not in page.content.decode()
    assert client.get(undo_url(batch)).status_code == 403
    assert client.post(undo_url(batch)).status_code == 403
    assert Publication.objects.exists()


def test_curators_may_undo(client):
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    curator = User.objects.create_user("curator", password="pw-for-tests-only", is_staff=True)
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    client.force_login(curator)

    assert client.get(undo_url(batch)).status_code == 200
    client.post(undo_url(batch))
    assert not Publication.objects.exists()


def test_the_import_log_lists_each_batch_and_links_to_what_it_brought_in(admin_client):
    batch = import_fixture(FIXTURES / "booksci_three_records.json")

    listing = admin_client.get(reverse("admin:archive_importbatch_changelist")).content.decode()
    page = admin_client.get(
        reverse("admin:archive_importbatch_change", args=[batch.pk])
    ).content.decode()

    assert "booksci_three_records.json" in listing and f"{batch.checksum[:12]}…" in listing
    publications = f"{reverse('admin:archive_publication_changelist')}?import_batch__id__exact="
    assert f'<a href="{publications}{batch.pk}">3 publications</a>' in page
    people = admin_client.get(
        reverse("admin:archive_person_changelist"), {"import_batch__id__exact": batch.pk}
    )
    assert people.status_code == 200
    assert set(people.context["cl"].result_list) == set(Person.objects.all())


def test_the_batch_page_links_the_records_an_import_updated(admin_client, tmp_path):
    import_file(tmp_path, cold_war_record(), name="v1.json")
    update = import_file(tmp_path, cold_war_record(citations="9"), name="v2.json")
    publication = Publication.objects.get()

    page = admin_client.get(reverse("admin:archive_importbatch_change", args=[update.pk]))

    change = reverse("admin:archive_publication_change", args=[publication.pk])
    assert f'<a href="{change}">publication #{publication.pk}</a>' in page.content.decode()
    assert "Undoing this import will restore 1 updated publication." in " ".join(
        admin_client.get(undo_url(update)).content.decode().split()
    )


def test_undoing_an_import_that_changed_nothing_only_marks_it_undone(admin_client):
    import_fixture(FIXTURES / "booksci_cold_war_history.json")
    again = import_fixture(FIXTURES / "booksci_cold_war_history.json")

    page = admin_client.get(undo_url(again)).content.decode()
    admin_client.post(undo_url(again))

    assert "This import left every record as it was; undoing it only marks it as undone." in page
    again.refresh_from_db()
    assert again.status == ImportBatch.Status.UNDONE and Publication.objects.exists()


def test_an_import_cannot_be_deleted_from_the_log(admin_client):
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")

    response = admin_client.post(reverse("admin:archive_importbatch_delete", args=[batch.pk]))

    assert response.status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


def test_the_keywords_an_import_created_go_with_it_and_those_in_use_stay():
    older = make_publication("Port cities")
    older.keywords.add(Keyword.objects.create(name="History"))
    batch = import_fixture(FIXTURES / "booksci_three_records.json")
    assert set(Keyword.objects.values_list("name", flat=True)) == {"History", "Economics"}

    report = import_batch_undo(batch=batch)

    assert list(Keyword.objects.values_list("name", flat=True)) == ["History"]
    assert list(older.keywords.all()) == list(Keyword.objects.all())
    assert report.keywords_removed == 1


@pytest.mark.django_db(transaction=True)
def test_an_undo_waits_for_an_import_in_progress_and_then_takes_its_batch_back():
    # An import writing while the undo checks what later imports changed could slip a change
    # past those checks: the undo waits until the import is done.
    batch = import_fixture(FIXTURES / "booksci_cold_war_history.json")
    if connection.vendor == "sqlite":
        # Every transaction begins with BEGIN IMMEDIATE, which waits for the write lock an
        # import holds (two imports in real processes on a database file: see
        # test_import_processes). The in-memory test database shares one cache between its
        # connections, where a second writer is refused at once instead of kept waiting, so
        # the wait itself is watched on PostgreSQL only.
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        import_batch_undo(batch=batch)
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.UNDONE
        return
    failures = []

    def undo_it():
        try:
            import_batch_undo(batch=batch)
        except Exception as error:  # reported to the test below
            failures.append(error)
        finally:
            connections.close_all()

    with import_transaction():
        undoing = threading.Thread(target=undo_it)
        undoing.start()
        while undoing.is_alive() and not waiting_for_a_lock("advisory"):
            time.sleep(0.01)
        assert undoing.is_alive()
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.COMPLETED
        assert Publication.objects.filter(doi=COLD_WAR_DOI).exists()
    undoing.join()

    assert failures == []
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.UNDONE
    assert not Publication.objects.filter(doi=COLD_WAR_DOI).exists()
