"""The search box: one normalisation for records and queries, the same answers on every database."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from archive.models import Journal, Person, PersonName, Publication, Status
from archive.search import (
    SearchIndexAdminMixin,
    normalise,
    search_index_rebuild,
    search_index_refresh,
)
from tests.factories import (
    add_author,
    add_event_title,
    add_journal_name,
    add_person_name,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

pytestmark = pytest.mark.django_db


def found(client, name, q):
    response = client.get(reverse(f"archive:{name}"), {"q": q})
    assert response.status_code == 200
    return [str(record) for record in response.context["page_obj"].object_list]


# Normalisation


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Khrushchëv", "khrushchev"),
        ("KHRUSHCHEV", "khrushchev"),
        ("ＣＯＬＤ　Ｗａｒ", "cold war"),
        ("Gomułka and Đilas", "gomulka and dilas"),
        ("Straße", "strasse"),
        ("Хрущёв", "хрущев"),
        ("<i>Pravda</i> &amp; Izvestiia", "pravda & izvestiia"),
        ("  two\n\tlines  ", "two lines"),
        ("苏联", "苏联"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_folds_case_accents_and_width_and_keeps_chinese(text, normalised):
    assert normalise(text) == normalised


# What a query finds


def test_a_query_without_accents_finds_a_name_with_them(client):
    make_person("Nikita Khrushchëv")
    assert found(client, "person_list", "khrushchev") == ["Nikita Khrushchëv"]


def test_a_query_with_accents_and_capitals_finds_a_name_without_them(client):
    make_person("Nikita Khrushchev")
    assert found(client, "person_list", "KHRUSHCHËV") == ["Nikita Khrushchev"]


def test_a_full_width_query_finds_latin_text(client):
    make_publication("The Cold War in Asia", publication_date="2020")
    make_publication("The Korean armistice", publication_date="2021")
    assert found(client, "publication_list", "ＣＯＬＤ") == ["The Cold War in Asia (2020)"]


def test_a_chinese_substring_finds_the_seed_through_its_translated_title(client):
    from archive.sample import SEED_DOI, sample_archive_load

    sample_archive_load()
    seed = Publication.objects.get(doi=SEED_DOI)
    assert found(client, "publication_list", "苏联") == [str(seed)]
    assert found(client, "publication_list", "派遣中国") == [str(seed)]


def test_every_word_of_a_query_must_match(client):
    make_publication("Khrushchev in Beijing", publication_date="2020")
    make_publication("Mao in Moscow", publication_date="2021")
    make_publication("Khrushchev and Mao", publication_date="2022")
    assert found(client, "publication_list", "mao khrushchev") == ["Khrushchev and Mao (2022)"]
    assert len(found(client, "publication_list", "khrushchev")) == 2


def test_a_blank_query_lists_everything(client):
    make_person("Mao Zedong")
    make_person("Zhou Enlai")
    assert len(found(client, "person_list", "   ")) == 2


def test_percent_and_underscore_in_a_query_are_taken_literally(client):
    make_publication("Grain quotas", publication_date="2020")
    make_publication("A 100% increase", publication_date="2021")
    assert found(client, "publication_list", "100%") == ["A 100% increase (2021)"]
    assert found(client, "publication_list", "_") == []


def test_drafts_are_never_found(client):
    make_publication("Khrushchev draft", status=Status.DRAFT)
    make_person("Khrushchev draft", status=Status.DRAFT)
    make_event("Khrushchev draft", status=Status.DRAFT)
    make_journal(name="Khrushchev draft", status=Status.DRAFT)
    for name in ("publication_list", "person_list", "event_list", "journal_list"):
        assert found(client, name, "khrushchev") == []


# What each kind of record is found by


def test_a_publication_is_found_by_its_translations_abstracts_authors_and_journal(client):
    mao = make_person("Mao Zedong", variants=["毛泽东"])
    publication = make_publication(
        "Workers abroad",
        abstract="On labour <i>migration</i>.",
        journal=make_journal(name="Cold War History"),
        publication_date="2022",
    )
    add_author(publication, mao, name_as_printed="Z. Mao")
    add_translated_title(publication, "海外工人")
    publication.translated_abstracts.create(language="ru", text="О трудовой миграции")
    search_index_refresh(publications=[publication])
    for query in ("海外", "migration", "трудовой", "z. mao", "毛泽东", "mao zedong", "war history"):
        assert found(client, "publication_list", query) == ["Workers abroad (2022)"], query


def test_a_person_is_found_by_every_variant_of_their_name(client):
    mao = make_person("Mao Zedong")
    add_person_name(mao, "毛泽东", language="zh-Hans")
    add_person_name(mao, "Mao Tse-tung", language="zh-Latn")
    for query in ("泽东", "tse-tung", "zedong"):
        assert found(client, "person_list", query) == ["Mao Zedong"], query


def test_an_event_is_found_by_its_translation_place_and_description(client):
    visit = make_event(
        "Khrushchev's visit", place="Beijing", description="The fifth anniversary celebrations."
    )
    add_event_title(visit, "赫鲁晓夫访华")
    for query in ("访华", "beijing", "anniversary"):
        assert found(client, "event_list", query) == ["Khrushchev's visit"], query


def test_a_journal_is_found_by_its_other_names_and_its_issn_with_or_without_hyphen(client):
    journal = make_journal(name="Cold War History", issn_print="1468-2745")
    add_journal_name(journal, "冷战史", kind="translation")
    for query in ("冷战", "1468-2745", "14682745"):
        assert found(client, "journal_list", query) == ["Cold War History"], query


# Keeping the search text current


def test_saving_a_record_updates_what_it_is_found_by(client):
    publication = make_publication("Old title", publication_date="2020")
    publication.title = "New title"
    publication.save()
    assert found(client, "publication_list", "old") == []
    assert found(client, "publication_list", "new") == ["New title (2020)"]


def test_refreshing_a_person_refreshes_the_publications_they_wrote(client):
    gu = make_person("Ji-Dong Gu")
    make_publication("Workers abroad", authors=[gu], publication_date="2022")
    PersonName.objects.create(person=gu, name="谷继东")
    assert found(client, "publication_list", "谷继东") == []
    search_index_refresh(people=[gu.pk])
    assert found(client, "person_list", "谷继东") == ["Ji-Dong Gu"]
    assert found(client, "publication_list", "谷继东") == ["Workers abroad (2022)"]


def test_refreshing_a_journal_refreshes_its_publications(client):
    journal = make_journal(name="Cold War History")
    make_publication("Workers abroad", journal=journal, publication_date="2022")
    Journal.objects.filter(pk=journal.pk).update(name="Journal of Cold War Studies")
    search_index_refresh(journals=[journal])
    assert found(client, "publication_list", "studies") == ["Workers abroad (2022)"]


def test_refreshing_unchanged_records_writes_nothing(django_assert_max_num_queries):
    people = [make_person(variants=["A variant"]) for _ in range(30)]
    # Their works, the people, their names and a savepoint around it all; no update.
    with django_assert_max_num_queries(5):
        assert search_index_refresh(people=people) == 0


def test_the_admin_mixin_refreshes_a_record_after_its_inlines_are_saved(client):
    class PersonAdmin(SearchIndexAdminMixin, admin.ModelAdmin):
        pass

    mao = make_person("Mao Zedong")
    PersonName.objects.create(person=mao, name="毛泽东")  # as an inline would, after save()
    form = SimpleNamespace(instance=mao, save_m2m=lambda: None)
    PersonAdmin(Person, admin.site).save_related(None, form, [], change=True)
    assert found(client, "person_list", "毛泽东") == ["Mao Zedong"]


def test_the_rebuild_command_restores_every_search_text_and_is_idempotent(client, capsys):
    make_person("Mao Zedong", variants=["毛泽东"])
    make_event("Khrushchev's visit")
    Person.objects.update(search_text="")
    call_command("rebuild_search_index")
    assert "1 person(s)" in capsys.readouterr().out
    assert found(client, "person_list", "毛泽东") == ["Mao Zedong"]
    assert search_index_rebuild() == {"publication": 0, "person": 0, "event": 0, "journal": 0}
