"""The history of every change: what the admin, its actions, merges and undoing an import did to a
record, who did it and when, shown on the record's History page beside the imports that changed
it; reverting a change, restoring a deleted record, taking back a merge; and who may."""

import html
import re

import pytest
from django import forms
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.audit import Recorder
from archive.models import (
    AuditEntry,
    Authorship,
    FormerSlug,
    Journal,
    JournalMetric,
    Keyword,
    Person,
    Publication,
    PublicationTitle,
    Status,
)
from archive.services import import_batch_undo, person_merge
from tests.factories import (
    add_event_publication,
    add_journal_metric,
    add_person_name,
    add_subject,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)
from tests.test_undo import cold_war_record, import_file

pytestmark = pytest.mark.django_db

Action, How = AuditEntry.Action, AuditEntry.How


# --- helpers ----------------------------------------------------------------------------------


def change_url(record) -> str:
    return reverse(f"admin:archive_{record._meta.model_name}_change", args=[record.pk])


def history_url(model, pk) -> str:
    return reverse(f"admin:archive_{model._meta.model_name}_history", args=[pk])


def revert_url(entry: AuditEntry) -> str:
    return reverse("admin:archive_auditentry_revert", args=[entry.pk])


def text(response) -> str:
    """The page's text, tags dropped and white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def form_data(page) -> dict:
    """What the change form on the page sends back as it stands, inlines included."""
    all_forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        all_forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in all_forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(field.widget, forms.NullBooleanSelect):
                data[bound.html_name] = {True: "true", False: "false"}.get(value, "unknown")
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            elif value is not None:
                data[bound.html_name] = str(value)
    return data


def edit(client, record, **changes):
    """Save the record's admin page with these form values changed; the response is checked."""
    data = form_data(client.get(change_url(record))) | {
        key: str(value) for key, value in changes.items()
    }
    response = client.post(change_url(record), data)
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    return response


def entries(record) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type__model=record._meta.model_name, object_id=record.pk
        ).order_by("pk")
    )


def authors(publication) -> list[tuple[str, str]]:
    return list(
        Authorship.objects.filter(publication_id=publication.pk)
        .order_by("role", "position")
        .values_list("person__display_name", "name_as_printed")
    )


def staff_with(*codenames: str) -> User:
    user = User.objects.create(username="clerk", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def article(db):
    """A publication by two authors, with a translated title, a subject, an event and keywords."""
    gu, shen = make_person("Ji-Dong Gu"), make_person("Shen Zhihua")
    publication = make_publication(
        "Unknown page of history", doi="10.1080/14682745.2022.2050698", authors=[gu, shen]
    )
    add_translated_title(publication, "历史的未知一页", language="zh")
    add_subject(publication, make_person("Nikita Khrushchev"), pages="440–445")
    add_event_publication(make_event("Khrushchev's visit to Beijing", date="1954-09"), publication)
    publication.keywords.add(Keyword.objects.create(name="Labour migration"))
    return publication


# --- recording --------------------------------------------------------------------------------


def test_an_admin_edit_is_in_the_history_with_who_when_and_what_changed(admin_client, article):
    edit(
        admin_client,
        article,
        title="Unknown page of history, revised",
        **{
            "authorships-0-person": Person.objects.get(display_name="Shen Zhihua").pk,
            "authorships-0-name_as_printed": "Shen Zhihua",
            "authorships-1-person": Person.objects.get(display_name="Ji-Dong Gu").pk,
            "authorships-1-name_as_printed": "J.-D. Gu",
        },
    )

    [entry] = entries(article)
    assert (entry.action, entry.how, entry.user.username) == (Action.CHANGED, How.ADMIN, "admin")
    assert entry.before["fields"] == {"title": "Unknown page of history"}
    assert entry.after["fields"] == {"title": "Unknown page of history, revised"}
    assert [a["name"] for a in entry.after["authors"]] == ["Shen Zhihua", "J.-D. Gu"]
    page = text(admin_client.get(history_url(Publication, article.pk)))
    assert "By admin, edited in the admin" in page
    assert "Title Unknown page of history Unknown page of history, revised" in page
    assert "1. Ji-Dong Gu — Ji-Dong Gu (#" in page and "2. J.-D. Gu — Ji-Dong Gu (#" in page
    assert f"{entry.created_at:%Y}" in page


def test_saving_a_page_unchanged_records_nothing(admin_client, article):
    edit(admin_client, article)

    assert entries(article) == []


def test_a_new_record_is_recorded_whole(admin_client):
    add = reverse("admin:archive_journal_add")
    data = form_data(admin_client.get(add)) | {"name": "Cold War History", "status": "published"}

    assert admin_client.post(add, data).status_code == 302

    journal = Journal.objects.get()
    [entry] = entries(journal)
    assert (entry.action, entry.before, entry.after["fields"]["name"]) == (
        Action.CREATED,
        None,
        "Cold War History",
    )


def test_changing_a_link_on_one_page_is_in_the_other_records_history_too(admin_client):
    person, event = make_person("Zhou Enlai"), make_event("Geneva Conference", date="1954")
    data = form_data(admin_client.get(change_url(person))) | {
        "participations-TOTAL_FORMS": "1",
        "participations-0-event": str(event.pk),
        "participations-0-role": "delegate",
    }

    assert admin_client.post(change_url(person), data).status_code == 302

    [on_person], [on_event] = entries(person), entries(event)
    assert [row["role"] for row in on_person.after["participations"]] == ["delegate"]
    assert [row["person_id"] for row in on_event.after["participations"]] == [person.pk]
    assert on_event.operation == on_person.operation
    assert "On the page of person “Zhou Enlai”" in on_event.note


def test_publishing_from_the_list_is_recorded_for_each_record(admin_client):
    drafts = [make_event(f"Meeting {n}", status=Status.DRAFT) for n in range(3)]
    payload = {
        "action": "publish",
        "index": "0",
        "_selected_action": [event.pk for event in drafts],
    }

    admin_client.post(reverse("admin:archive_event_changelist"), payload)

    for event in drafts:
        [entry] = entries(event)
        assert (entry.action, entry.how, entry.label) == (Action.PUBLISHED, How.ACTION, event.title)
        assert (entry.before, entry.after) == (
            {"fields": {"status": "draft"}},
            {"fields": {"status": "published"}},
        )


def test_import_then_admin_edit_shows_both_in_the_history(admin_client, tmp_path):
    first = import_file(tmp_path, cold_war_record(), name="v1.json")
    second = import_file(tmp_path, cold_war_record(title="Unknown page, revised"), name="v2.json")
    publication = Publication.objects.get()
    edit(admin_client, publication, volume="23")

    response = admin_client.get(history_url(Publication, publication.pk))

    lines = response.context["history"].lines
    assert [(line.action, line.batch) for line in lines] == [
        ("changed", None),
        ("changed", second),
        ("created", first),
    ]
    admin_edit, by_import = lines[0], lines[1]
    assert [(row.label, row.before, row.after) for row in admin_edit.rows] == [
        ("Volume", "22", "23")
    ]
    assert (
        "Title",
        "Unknown page of history: the dispatch of Chinese workers to the USSR (1954–1957)",
        "Unknown page, revised",
    ) in [(row.label, row.before, row.after) for row in by_import.rows]
    assert "Volume" not in [row.label for row in by_import.rows]
    page = text(response)
    assert "import of “v2.json”" in page and "import of “v1.json”" in page
    assert (
        reverse("admin:archive_importbatch_change", args=[second.pk]) in response.content.decode()
    )


def test_undoing_an_import_is_in_the_history_of_each_record_it_took_back(admin_user, tmp_path):
    import_file(tmp_path, cold_war_record(), name="v1.json")
    update = import_file(tmp_path, cold_war_record(citations="9"), name="v2.json")
    publication = Publication.objects.get()

    import_batch_undo(batch=update, user=admin_user)

    [entry] = entries(publication)
    assert (entry.how, entry.action, entry.import_batch, entry.user) == (
        How.UNDO,
        Action.CHANGED,
        update,
        admin_user,
    )
    assert (entry.before["fields"]["citation_count"], entry.after["fields"]["citation_count"]) == (
        9,
        1,
    )


# --- reverting --------------------------------------------------------------------------------


def test_reverting_an_edit_puts_back_fields_and_the_order_of_authors(admin_client, article):
    before = authors(article)
    edit(
        admin_client,
        article,
        title="Retitled",
        **{
            "authorships-0-person": Person.objects.get(display_name="Shen Zhihua").pk,
            "authorships-0-name_as_printed": "Shen Zhihua",
            "authorships-1-person": Person.objects.get(display_name="Ji-Dong Gu").pk,
            "authorships-1-name_as_printed": "J.-D. Gu",
        },
    )
    [entry] = entries(article)
    assert authors(article) == [("Shen Zhihua", "Shen Zhihua"), ("Ji-Dong Gu", "J.-D. Gu")]
    history = admin_client.get(history_url(Publication, article.pk)).content.decode()
    assert revert_url(entry) in history

    confirm = admin_client.get(revert_url(entry))
    assert "Title Retitled Unknown page of history" in text(confirm)
    assert Publication.objects.get().title == "Retitled"  # the page only shows what it would do
    done = admin_client.post(revert_url(entry))

    assert done.status_code == 302 and done["Location"] == history_url(Publication, article.pk)
    assert Publication.objects.get().title == "Unknown page of history"
    assert authors(article) == before
    revert = entries(article)[-1]
    assert (revert.action, revert.how, revert.reverts, revert.user.username) == (
        Action.REVERTED,
        How.REVERT,
        entry,
        "admin",
    )
    assert revert.after["fields"] == {"title": "Unknown page of history"}
    assert "reverted" in text(admin_client.get(history_url(Publication, article.pk)))


def test_a_revert_keeps_later_changes_to_other_fields(admin_client, article):
    edit(admin_client, article, title="Retitled")
    edit(admin_client, article, volume="22", issue="1")
    first = entries(article)[0]

    admin_client.post(revert_url(first))

    publication = Publication.objects.get()
    assert (publication.title, publication.volume, publication.issue) == (
        "Unknown page of history",
        "22",
        "1",
    )


def test_a_revert_is_refused_when_a_later_change_altered_the_same_field(admin_client, article):
    edit(admin_client, article, title="Retitled")
    edit(admin_client, article, title="Retitled again")
    first = entries(article)[0]

    confirm = admin_client.get(revert_url(first))
    posted = admin_client.post(revert_url(first))

    assert "Title changed again after this change (changed by admin on" in text(confirm)
    assert posted.status_code == 200 and "Yes, revert it" not in posted.content.decode()
    assert Publication.objects.get().title == "Retitled again"
    assert AuditEntry.objects.filter(how=How.REVERT).count() == 0


def test_a_revert_can_itself_be_reverted(admin_client, article):
    edit(admin_client, article, title="Retitled")
    admin_client.post(revert_url(entries(article)[0]))

    admin_client.post(revert_url(entries(article)[-1]))

    assert Publication.objects.get().title == "Retitled"


def test_reverting_a_publish_action_makes_the_record_a_draft_again(admin_client):
    journal = make_journal(name="Cold War History", status=Status.DRAFT)
    admin_client.post(
        reverse("admin:archive_journal_changelist"),
        {"action": "publish", "index": "0", "_selected_action": [journal.pk]},
    )

    admin_client.post(revert_url(entries(journal)[0]))

    assert Journal.objects.get().status == Status.DRAFT


def test_reverting_restores_a_journals_rankings_and_related_events(admin_client):
    journal = make_journal(name="Cold War History")
    add_journal_metric(journal, impact_factor="0.400", quartile="Q1", category="HISTORY")
    data = form_data(admin_client.get(change_url(journal))) | {"metrics-0-DELETE": "on"}
    assert admin_client.post(change_url(journal), data).status_code == 302
    visit, talks = make_event("Visit to Beijing"), make_event("Talks on workers")
    edit(admin_client, visit, related=talks.pk)
    assert list(talks.related.all()) == [visit]
    assert entries(talks)[0].after == {"fields": {}, "related": [visit.pk]}

    admin_client.post(revert_url(entries(journal)[0]))
    admin_client.post(revert_url(entries(visit)[0]))

    ranking = JournalMetric.objects.get()
    assert (str(ranking.impact_factor), ranking.quartile, ranking.category) == (
        "0.400",
        "Q1",
        "HISTORY",
    )
    assert not talks.related.exists()


# --- deleted records --------------------------------------------------------------------------


def test_a_deleted_record_is_listed_and_restored_with_every_relation(admin_client, article):
    pk, slug = article.pk, article.slug
    assert (
        admin_client.post(
            reverse("admin:archive_publication_delete", args=[pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not Publication.objects.exists()

    listed = admin_client.get(
        reverse("admin:archive_auditentry_changelist"), {"action__exact": "deleted"}
    )
    [entry] = listed.context["cl"].result_list
    assert entry.label == "Unknown page of history (2022)"
    history = admin_client.get(history_url(Publication, pk))
    assert history.status_code == 200 and "This record has been deleted" in text(history)
    gu = Person.objects.get(display_name="Ji-Dong Gu")
    assert [e.action for e in entries(gu)] == [Action.CHANGED]  # lost its authorship

    assert "Restored: publication" in text(admin_client.get(revert_url(entry)))
    done = admin_client.post(revert_url(entry))

    assert done.status_code == 302
    restored = Publication.objects.get()
    assert (restored.pk, restored.slug, restored.doi) == (pk, slug, "10.1080/14682745.2022.2050698")
    assert authors(restored) == [("Ji-Dong Gu", "Ji-Dong Gu"), ("Shen Zhihua", "Shen Zhihua")]
    assert list(restored.translated_titles.values_list("language", "title")) == [
        ("zh", "历史的未知一页")
    ]
    assert restored.subjects.get().pages == "440–445"
    assert restored.event_links.get().event.title == "Khrushchev's visit to Beijing"
    assert list(restored.keywords.values_list("name", flat=True)) == ["Labour migration"]
    assert entries(restored)[-1].action == Action.RESTORED
    assert [e.action for e in entries(gu)] == [Action.CHANGED, Action.CHANGED]
    assert admin_client.get(restored.get_absolute_url()).status_code == 200


def test_a_record_is_not_restored_when_another_has_taken_its_doi(admin_client, article):
    admin_client.post(
        reverse("admin:archive_publication_delete", args=[article.pk]), {"post": "yes"}
    )
    make_publication("Another", doi="10.1080/14682745.2022.2050698")
    entry = AuditEntry.objects.get(action=Action.DELETED)

    confirm = admin_client.get(revert_url(entry))
    posted = admin_client.post(revert_url(entry))

    assert "Another publication already has this DOI." in text(confirm)
    assert posted.status_code == 200
    assert list(Publication.objects.values_list("title", flat=True)) == ["Another"]


def test_a_record_is_not_restored_when_an_author_it_had_was_deleted_since(admin_client, article):
    admin_client.post(
        reverse("admin:archive_publication_delete", args=[article.pk]), {"post": "yes"}
    )
    shen = Person.objects.get(display_name="Shen Zhihua")
    admin_client.post(reverse("admin:archive_person_delete", args=[shen.pk]), {"post": "yes"})
    entry = AuditEntry.objects.get(action=Action.DELETED, content_type__model="publication")

    posted = admin_client.post(revert_url(entry))

    assert posted.status_code == 200
    assert f"the person #{shen.pk} of “Authors, in order” has since been deleted" in text(posted)
    assert not Publication.objects.exists()


def test_deleting_several_records_from_the_list_records_each(admin_client):
    people = [make_person(f"Person {n}") for n in range(2)]
    add_person_name(people[0], "Персона")

    admin_client.post(
        reverse("admin:archive_person_changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "index": "0",
            "_selected_action": [person.pk for person in people],
        },
    )

    deleted = AuditEntry.objects.filter(action=Action.DELETED).order_by("object_id")
    assert [entry.object_id for entry in deleted] == [person.pk for person in people]
    assert [row["name"] for row in deleted[0].before["names"]] == ["Персона"]


# --- merges -----------------------------------------------------------------------------------


def test_a_merge_is_recorded_and_taken_back_from_the_person_kept(admin_client, admin_user):
    keep, merged = make_person("Ji-Dong Gu"), make_person("J.-D. Gu", orcid="0000-0002-1825-0097")
    add_person_name(merged, "顾继东", language="zh")
    work = make_publication("Workers for Siberia", authors=[merged])
    other = make_publication("Dalian", authors=[keep])
    merged_pk, merged_slug = merged.pk, merged.slug
    person_merge(keep=keep, merge=[merged], user=admin_user)
    assert FormerSlug.objects.filter(slug=merged_slug).exists()
    [merge] = [e for e in entries(keep) if e.action == Action.MERGED]
    assert [e.action for e in entries(work)] == [Action.CHANGED]
    assert revert_url(merge) in admin_client.get(history_url(Person, keep.pk)).content.decode()
    [gone] = entries(merged)
    assert "take the merge back from that person's history" in text(
        admin_client.get(revert_url(gone))
    )

    done = admin_client.post(revert_url(merge))

    assert done.status_code == 302
    back = Person.objects.get(pk=merged_pk)
    assert (back.display_name, back.slug, back.orcid) == (
        "J.-D. Gu",
        merged_slug,
        "0000-0002-1825-0097",
    )
    assert list(back.names.values_list("name", flat=True)) == ["顾继东"]
    assert authors(work) == [("J.-D. Gu", "J.-D. Gu")] and authors(other) == [
        ("Ji-Dong Gu", "Ji-Dong Gu")
    ]
    keep.refresh_from_db()
    assert (keep.orcid, list(keep.names.all())) == ("", [])
    assert not FormerSlug.objects.filter(slug=merged_slug).exists()
    assert [e.action for e in entries(back)] == [Action.DELETED, Action.RESTORED]


# --- what may not be reverted, and who may --------------------------------------------------------


def test_a_change_made_by_undoing_an_import_is_not_reverted(admin_client, tmp_path):
    batch = import_file(tmp_path, cold_war_record(), name="v1.json")
    import_batch_undo(batch=batch)
    entry = AuditEntry.objects.filter(how=How.UNDO, content_type__model="publication").get()

    page = text(admin_client.get(revert_url(entry)))
    admin_client.post(revert_url(entry))

    assert "import its file again" in page
    assert not Publication.objects.exists()


def test_staff_who_may_only_view_see_the_history_but_may_not_revert(client, article):
    with Recorder(how=How.ADMIN) as recorder:
        recorder.watch(Publication, [article.pk])
        Publication.objects.filter(pk=article.pk).update(volume="9")
    entry = AuditEntry.objects.get()
    client.force_login(staff_with("view_publication", "view_auditentry"))

    history = client.get(history_url(Publication, article.pk))

    assert history.status_code == 200 and "Volume" in text(history)
    assert revert_url(entry) not in history.content.decode()
    assert client.get(revert_url(entry)).status_code == 403
    assert client.post(revert_url(entry)).status_code == 403
    assert Publication.objects.get().volume == "9"
    assert client.get(history_url(Person, make_person().pk)).status_code == 403


def test_restoring_takes_the_permission_to_add_that_kind_of_record(client, admin_client, article):
    admin_client.post(
        reverse("admin:archive_publication_delete", args=[article.pk]), {"post": "yes"}
    )
    entry = AuditEntry.objects.get(action=Action.DELETED)
    clerk = staff_with("view_publication", "change_publication")
    client.force_login(clerk)

    assert client.post(revert_url(entry)).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="add_publication"))
    assert client.post(revert_url(entry)).status_code == 302
    assert Publication.objects.filter(pk=article.pk).exists()


def test_the_list_of_every_change_is_read_only_and_filters_by_kind_user_and_action(
    admin_client, article
):
    edit(admin_client, article, volume="23")
    make_journal(name="Journal of Cold War Studies")
    changelist = reverse("admin:archive_auditentry_changelist")

    by_kind = admin_client.get(changelist, {"kind": "publication", "action__exact": "changed"})
    none_of_that_kind = admin_client.get(changelist, {"kind": "journal"})
    entry = AuditEntry.objects.get()
    page = admin_client.get(reverse("admin:archive_auditentry_change", args=[entry.pk]))

    assert list(by_kind.context["cl"].result_list) == [entry]
    assert list(none_of_that_kind.context["cl"].result_list) == []
    assert "Volume 22 23" in text(page) or "Volume — 23" in text(page)
    assert revert_url(entry) in page.content.decode()
    assert admin_client.get(reverse("admin:archive_auditentry_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:archive_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_a_records_history_page_reads_the_same_number_of_queries_however_long(
    admin_client, article
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(history_url(Publication, article.pk)).status_code == 200
        return len(captured)

    edit(admin_client, article, volume="1")
    edit(admin_client, article, volume="2")
    short = queries()
    for volume in range(3, 9):
        edit(admin_client, article, volume=str(volume))

    assert queries() == short


def test_translated_titles_changed_and_kept_are_told_apart(admin_client, article):
    PublicationTitle.objects.filter(publication=article).update(title="历史的未知一页（修订）")
    with Recorder(how=How.ADMIN) as recorder:
        recorder.watch(Publication, [article.pk])
        add_translated_title(article, "Неизвестная страница истории", language="ru")

    [entry] = entries(article)
    page = text(admin_client.get(history_url(Publication, article.pk)))
    assert set(entry.after) == {"fields", "titles"}
    assert "[ru] Неизвестная страница истории" in page
