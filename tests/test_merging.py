"""Near duplicates and merging: which names a curator should compare, the list of possible
duplicates, merging people in the admin, and old addresses that lead to the person kept."""

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from archive import names, selectors
from archive.admin_merging import merge_url
from archive.models import (
    Authorship,
    EventParticipation,
    FormerSlug,
    Person,
    PersonName,
    PublicationSubject,
    Status,
)
from archive.names import NearMatch
from archive.services import person_merge
from tests import factories
from tests.factories import (
    add_author,
    add_participant,
    add_subject,
    make_event,
    make_person,
    make_publication,
)

ORCID = "0000-0002-1825-0097"
OTHER_ORCID = "0000-0001-5109-3700"


# --- which names are near matches -----------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("J.-D. Gu", "Ji-Dong Gu", NearMatch.INITIALS_AGREE),
        ("J. Gu", "Ji-Dong Gu", NearMatch.INITIALS_AGREE),
        ("Gu, J.-D.", "Ji-Dong Gu", NearMatch.INITIALS_AGREE),
        ("Gu J.-D.", "Ji-Dong Gu", NearMatch.INITIALS_AGREE),
        ("J.-D. Gu", "Jidong Gu", NearMatch.INITIALS_AGREE),
        ("Mao Zedong", "Mao Z.", NearMatch.INITIALS_AGREE),
        ("Zhōu Ēnlái", "ZHOU E.", NearMatch.INITIALS_AGREE),
        ("Yu. Andropov", "Yuri Andropov", NearMatch.INITIALS_AGREE),
        ("John F. Kennedy", "John Fitzgerald Kennedy", NearMatch.INITIALS_AGREE),
        ("Хрущёв Н. С.", "Никита Сергеевич Хрущёв", NearMatch.INITIALS_AGREE),
        ("Nikita Khrushchev", "Nikita Sergeyevich Khrushchev", NearMatch.FEWER_GIVEN_NAMES),
        ("Ji-Dong Gu", "Jidong Gu", NearMatch.WRITTEN_TOGETHER_OR_APART),
        ("Gu Jidong", "Jidong Gu", NearMatch.OTHER_ORDER),
        ("Ji-Dong Gu", "Ji-Dung Gu", NearMatch.ONE_LETTER_APART),
    ],
)
def test_names_a_curator_should_compare_are_near_matches_either_way_round(first, second, reason):
    assert names.near_match(first, second) == reason
    assert names.near_match(second, first) == reason


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # One name already: the importer treats these as one person without asking.
        ("J.-D. Gu", "J. D. Gu"),
        ("Gu, Ji-Dong", "Ji-Dong Gu"),
        # Different given names.
        ("Ji-Dong Gu", "Wei Gu"),
        ("J. M. Gu", "Ji-Dong Gu"),
        ("A. Smith", "B. Smith"),
        ("Anna B. Smith", "Anna C. Smith"),
        ("Wei Gu", "Wen Gu"),
        ("Wei Gu", "Wei-Min Gu"),
        ("Yu Gu", "Yuri Gu"),
        # Different family names, or none to go by.
        ("Ji-Dong Gu", "Ji-Dong Guo"),
        ("Wei Zhang", "Wei Zheng"),
        ("Gu", "Ji-Dong Gu"),
        # Han characters: different characters are different names.
        ("毛泽东", "毛澤東"),
        ("毛泽东", "毛泽西"),
        ("顾继东", "Ji-Dong Gu"),
    ],
)
def test_the_same_name_and_different_names_are_not_near_matches(first, second):
    assert names.near_match(first, second) is None


def test_a_name_parsed_once_can_be_compared_with_many():
    gu = names.parse("Ji-Dong Gu")
    assert [names.near_match(gu, other) for other in ("J.-D. Gu", "Wei Gu")] == [
        NearMatch.INITIALS_AGREE,
        None,
    ]


# --- the list of possible duplicates --------------------------------------------------------


@pytest.mark.django_db
def test_possible_duplicates_pair_near_matches_on_display_names_and_variants():
    gu = make_person("Ji-Dong Gu")
    initials = make_person("J.-D. Gu")
    in_characters = make_person("顾继东", variants=["Gu, J.-D."])
    make_person("Wei Gu")
    make_person("Nikita Khrushchev")
    wang, other_wang = make_person("王伟"), make_person("王伟")

    pairs = {
        (pair.first, pair.second): (pair.first_name, pair.second_name, pair.reason)
        for pair in selectors.person_near_duplicates()
    }

    assert pairs == {
        (gu, initials): ("Ji-Dong Gu", "J.-D. Gu", NearMatch.INITIALS_AGREE),
        (gu, in_characters): ("Ji-Dong Gu", "Gu, J.-D.", NearMatch.INITIALS_AGREE),
        (initials, in_characters): ("J.-D. Gu", "Gu, J.-D.", NearMatch.SAME_NAME),
        (wang, other_wang): ("王伟", "王伟", NearMatch.SAME_NAME),
    }


@pytest.mark.django_db
def test_possible_duplicates_compare_names_only_within_a_family_name(
    monkeypatch, django_assert_max_num_queries
):
    given_names = ["Anna", "Boris", "Chen", "Dmitri", "Elena", "Fang", "Igor", "Li"]
    family_names = [
        f"{a}{b}{c}son" for c in "bcdfgklmnp" for b in "aeiou" for a in "BCDFGHKLMNPRSTVWYZ"
    ]
    people = [f"{given_names[i % len(given_names)]} {family_names[i]}" for i in range(300)]
    Person.objects.bulk_create(
        Person(display_name=name, name_key=names.match_key(name), slug=f"person-{index}")
        for index, name in enumerate(people)
    )
    gu, initials = make_person("Ji-Dong Gu"), make_person("J.-D. Gu")
    comparisons = []
    near_match = names.near_match

    def counting_near_match(first, second):
        comparisons.append((first, second))
        return near_match(first, second)

    monkeypatch.setattr(names, "near_match", counting_near_match)

    with django_assert_max_num_queries(3):
        pairs = selectors.person_near_duplicates()

    assert [(pair.first, pair.second) for pair in pairs] == [(gu, initials)]
    # Every pair of 302 people would be 45,451 comparisons.
    assert len(comparisons) < 1_000


@pytest.mark.django_db
def test_possible_duplicates_stop_at_the_limit():
    for name, other in [
        ("Ji-Dong Gu", "J.-D. Gu"),
        ("Wei-Min Zhang", "W.-M. Zhang"),
        ("Nikita Khrushchev", "N. Khrushchev"),
    ]:
        make_person(name)
        make_person(other)

    assert len(selectors.person_near_duplicates(limit=2)) == 2


# --- merging --------------------------------------------------------------------------------


@pytest.fixture
def gu(db):
    """Ji-Dong Gu, and J.-D. Gu: the same historian, twice in the archive."""
    keep = make_person("Ji-Dong Gu", variants=["Gu Jidong"])
    merge = make_person(
        "J.-D. Gu",
        variants=["顾继东", "Gu Jidong"],
        orcid=ORCID,
        birth_date="1965",
        biography="Historian of Sino-Soviet labour.",
    )
    return keep, merge


def test_merging_moves_every_relation_to_the_person_kept(gu):
    keep, merge = gu
    own = make_publication(authors=[keep])
    written = make_publication()
    add_author(written, make_person("Co Author"))
    add_author(written, merge, name_as_printed="J.-D. Gu")
    about = make_publication(about=[merge])
    visit = make_event()
    add_participant(visit, merge, "interpreter")

    kept = person_merge(keep=keep, merge=[merge])

    assert not Person.objects.filter(pk=merge.pk).exists()
    authorship = Authorship.objects.get(publication=written, person=kept)
    assert (authorship.position, authorship.name_as_printed) == (2, "J.-D. Gu")
    assert set(kept.works.all()) == {own, written}
    assert list(
        PublicationSubject.objects.filter(person=kept).values_list("publication", flat=True)
    ) == [about.pk]
    assert list(EventParticipation.objects.filter(person=kept).values_list("event", "role")) == [
        (visit.pk, "interpreter")
    ]


def test_merging_keeps_the_old_name_and_fills_what_the_person_kept_lacks(gu):
    keep, merge = gu

    kept = person_merge(keep=keep, merge=[merge])

    assert sorted(kept.names.values_list("name", "kind")) == [
        ("Gu Jidong", PersonName.Kind.VARIANT),
        ("J.-D. Gu", PersonName.Kind.FORMER),
        ("顾继东", PersonName.Kind.VARIANT),
    ]
    assert (kept.display_name, kept.orcid, kept.birth_date, kept.biography) == (
        "Ji-Dong Gu",
        ORCID,
        "1965",
        "Historian of Sino-Soviet labour.",
    )


def test_merging_keeps_another_spelling_of_the_same_name_as_a_variant(db):
    keep = make_person("Ji-Dong Gu")
    spelled = make_person("Ji-dong GU")
    same = make_person("Ji-Dong Gu")

    kept = person_merge(keep=keep, merge=[spelled, same])

    assert list(kept.names.values_list("name", "kind")) == [("Ji-dong GU", PersonName.Kind.VARIANT)]


def test_merging_records_the_old_slug_and_repoints_slugs_that_led_to_the_merged_person(gu):
    keep, merge = gu
    FormerSlug.objects.create(kind=FormerSlug.Kind.PERSON, slug="gu-j-d", target_id=merge.pk)

    person_merge(keep=keep, merge=[merge])

    assert set(
        FormerSlug.objects.filter(kind=FormerSlug.Kind.PERSON).values_list("slug", "target_id")
    ) == {("j-d-gu", keep.pk), ("gu-j-d", keep.pk)}


def test_merging_does_not_double_a_link_the_person_kept_already_has(gu):
    keep, merge = gu
    article = make_publication()
    add_author(article, keep, name_as_printed="Ji-Dong Gu")
    add_author(article, merge, name_as_printed="J.-D. Gu")
    add_author(article, merge, role=Authorship.Role.TRANSLATOR)
    add_subject(article, keep)
    add_subject(article, merge, pages="440–445")
    visit = make_event()
    add_participant(visit, keep, "interpreter")
    add_participant(visit, merge, "interpreter")
    add_participant(visit, merge, "guide")

    person_merge(keep=keep, merge=[merge])

    assert sorted(article.authorships.values_list("role", "name_as_printed")) == [
        ("author", "Ji-Dong Gu"),
        ("translator", "J.-D. Gu"),
    ]
    assert list(article.subjects.values_list("person", "pages")) == [(keep.pk, "440–445")]
    assert sorted(visit.participations.values_list("role", flat=True)) == ["guide", "interpreter"]


def test_merging_people_with_different_orcids_is_refused_and_changes_nothing(gu, count_rows):
    keep, merge = gu
    keep.orcid = OTHER_ORCID
    keep.save()
    make_publication(authors=[merge])
    before = count_rows()

    with pytest.raises(ValidationError) as refused:
        person_merge(keep=keep, merge=[merge])

    assert refused.value.messages == [
        f"Their ORCID iDs differ: Ji-Dong Gu has {OTHER_ORCID}; J.-D. Gu has {ORCID}. "
        "Correct or clear one of them before merging."
    ]
    assert count_rows() == before
    assert Person.objects.get(pk=merge.pk).orcid == ORCID


def test_a_merge_that_would_leave_impossible_life_dates_is_refused_and_changes_nothing(
    gu, count_rows
):
    keep, merge = gu
    merge.birth_date, merge.death_date = "", "1950"
    merge.save()
    keep.birth_date = "1965"
    keep.save()
    before = count_rows()

    with pytest.raises(ValidationError) as refused:
        person_merge(keep=keep, merge=[merge])

    assert refused.value.messages == [
        "Merged, Ji-Dong Gu would not be valid: The person cannot die before being born."
    ]
    assert count_rows() == before


def test_a_person_cannot_be_merged_into_itself(gu):
    keep, _ = gu
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        person_merge(keep=keep, merge=[keep])


def test_merging_with_a_user_leaves_a_line_in_each_records_history(gu, admin_user):
    keep, merge = gu

    person_merge(keep=keep, merge=[merge], user=admin_user)

    assert set(LogEntry.objects.values_list("object_id", "action_flag")) == {
        (str(keep.pk), CHANGE),
        (str(merge.pk), DELETION),
    }


# --- the admin ------------------------------------------------------------------------------


def test_curators_merge_people_from_the_list_through_a_confirmation_page(admin_client, gu):
    keep, merge = gu
    make_publication(authors=[merge], about=[merge])

    chosen = admin_client.post(
        reverse("admin:archive_person_changelist"),
        {"action": "merge_selected", "_selected_action": [keep.pk, merge.pk]},
    )
    assertRedirects(chosen, merge_url([keep.pk, merge.pk]), fetch_redirect_response=False)
    confirm = admin_client.get(chosen.url)
    assertContains(confirm, "Ji-Dong Gu")
    assertContains(confirm, "顾继东")
    assertContains(confirm, ORCID)
    assertContains(confirm, 'type="radio"', count=2)
    merged = admin_client.post(chosen.url, {"keep": keep.pk}, follow=True)

    assertRedirects(merged, reverse("admin:archive_person_change", args=[keep.pk]))
    assertContains(merged, "J.-D. Gu merged into Ji-Dong Gu; 2 relations moved.")
    assert list(Person.objects.all()) == [keep]
    assert keep.works.count() == 1


def test_the_confirmation_page_says_why_a_merge_was_refused(admin_client, gu):
    keep, merge = gu
    keep.orcid = OTHER_ORCID
    keep.save()

    refused = admin_client.post(merge_url([keep.pk, merge.pk]), {"keep": keep.pk})

    assertContains(refused, "Their ORCID iDs differ")
    assert Person.objects.count() == 2


def test_the_confirmation_page_asks_which_person_to_keep(admin_client, gu):
    refused = admin_client.post(merge_url([person.pk for person in gu]), {})
    assertContains(refused, "Choose the person to keep.")
    assert Person.objects.count() == 2


def test_possible_duplicates_are_listed_with_a_link_to_merge_them(
    admin_client, db, django_assert_max_num_queries
):
    pairs = [
        (make_person(f"Wei-Min Zhang{letter}"), make_person(f"W.-M. Zhang{letter}"))
        for letter in "abcdefghij"
    ]
    changelist = admin_client.get(reverse("admin:archive_person_changelist"))
    assertContains(changelist, reverse("admin:archive_person_duplicates"))

    with django_assert_max_num_queries(5):
        page = admin_client.get(reverse("admin:archive_person_duplicates"))

    assertContains(page, "initials agree", count=10)
    for first, second in pairs:
        assertContains(page, merge_url([first.pk, second.pk]))


@pytest.fixture
def editor_client(client, db):
    """A staff member who may edit people but not delete them."""
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_person", "change_person"])
    )
    client.force_login(user)
    return client


def test_staff_who_may_not_delete_people_may_not_merge_them(editor_client, gu):
    keep, merge = gu
    url = merge_url([keep.pk, merge.pk])

    changelist = editor_client.get(reverse("admin:archive_person_changelist"))
    duplicates = editor_client.get(reverse("admin:archive_person_duplicates"))

    assert "merge_selected" not in dict(changelist.context["action_form"].fields["action"].choices)
    assertNotContains(duplicates, "Compare and merge")
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"keep": keep.pk}).status_code == 403
    assert Person.objects.count() == 2


# --- old addresses --------------------------------------------------------------------------


def test_the_old_address_of_a_merged_person_leads_to_the_person_kept(client, gu):
    keep, merge = gu
    old_url = merge.get_absolute_url()
    person_merge(keep=keep, merge=[merge])

    response = client.get(old_url)

    assert response.status_code == 301
    assert response.url == keep.get_absolute_url()


def test_an_old_address_of_a_draft_or_a_missing_record_is_not_found(client, db):
    draft = make_person("Ji-Dong Gu", status=Status.DRAFT)
    FormerSlug.objects.create(kind=FormerSlug.Kind.PERSON, slug="j-d-gu", target_id=draft.pk)
    FormerSlug.objects.create(kind=FormerSlug.Kind.EVENT, slug="gone", target_id=999_999)

    assert client.get("/people/j-d-gu/").status_code == 404
    assert client.get("/events/gone/").status_code == 404


@pytest.mark.parametrize("kind", ["publication", "event", "journal"])
def test_old_addresses_of_other_records_redirect_too(client, db, kind):
    record = getattr(factories, f"make_{kind}")()
    FormerSlug.objects.create(kind=kind, slug="old-address", target_id=record.pk)

    response = client.get(reverse(f"archive:{kind}_detail", kwargs={"slug": "old-address"}))

    assert response.status_code == 301
    assert response.url == record.get_absolute_url()
