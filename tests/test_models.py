"""The data model: constraints in the database, their readable twins in clean(), names and dates."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from archive.models import (
    Authorship,
    Event,
    EventTitle,
    ImportBatch,
    Journal,
    JournalIdentifier,
    JournalMetric,
    JournalName,
    Keyword,
    Person,
    PersonName,
    Publication,
    PublicationAbstract,
    PublicationEvent,
    PublicationSubject,
    PublicationTitle,
)
from tests.factories import add_participant, make_event, make_journal, make_person, make_publication

pytestmark = pytest.mark.django_db

RECORDED_ON = datetime.date(2024, 5, 1)


@contextmanager
def refused_by_the_database():
    """Expect an IntegrityError, in a savepoint so that the test's transaction stays usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


# --- constraints -----------------------------------------------------------------------------


def test_two_publications_cannot_share_a_doi():
    make_publication(doi="10.1080/14682745.2022.2050698")

    with refused_by_the_database():
        make_publication(doi="10.1080/14682745.2022.2050698")


def test_any_number_of_publications_may_have_no_doi():
    make_publication(doi="")
    make_publication(doi="")

    assert Publication.objects.filter(doi="").count() == 2


def test_full_clean_refuses_a_doi_another_publication_has_in_any_form():
    make_publication(doi="10.1080/abc")
    duplicate = Publication(title="Another", doi="https://doi.org/10.1080/ABC")

    with pytest.raises(ValidationError) as raised:
        duplicate.full_clean()

    assert raised.value.message_dict[NON_FIELD_ERRORS] == [
        "Another publication already has this DOI."
    ]
    Publication(title="Another", doi="10.1080/abd").full_clean()


def test_two_publications_cannot_share_an_id_at_the_same_source():
    make_publication(source_platform="BookSci", source_id="p-1")

    with refused_by_the_database():
        make_publication(source_platform="BookSci", source_id="p-1")


def test_a_negative_citation_count_is_refused_by_the_database():
    publication = make_publication()

    with refused_by_the_database():
        Publication.objects.filter(pk=publication.pk).update(citation_count=-1)


def test_two_people_cannot_share_an_orcid():
    make_person("Ji-Dong Gu", orcid="0000-0002-1825-0097")

    with refused_by_the_database():
        make_person("J.-D. Gu", orcid="0000-0002-1825-0097")


def test_any_number_of_people_may_have_no_orcid():
    make_person("Ji-Dong Gu", orcid="")
    make_person("Li Wei", orcid="")

    assert Person.objects.filter(orcid="").count() == 2


def test_two_people_cannot_share_a_wikidata_item():
    make_person("Mao Zedong", wikidata="Q5816")

    with refused_by_the_database():
        make_person("Mao Tse-tung", wikidata="Q5816")


def test_two_journals_cannot_share_a_print_issn():
    make_journal(name="Cold War History", issn_print="1468-2745")

    with refused_by_the_database():
        make_journal(name="Cold War Hist.", issn_print="1468-2745")


def test_two_journals_cannot_share_an_electronic_issn():
    make_journal(name="Cold War History", issn_electronic="1743-7962")

    with refused_by_the_database():
        make_journal(name="Cold War Hist.", issn_electronic="1743-7962")


def test_any_number_of_journals_may_have_no_issn():
    make_journal(issn_print="", issn_electronic="")
    make_journal(issn_print="", issn_electronic="")

    assert Journal.objects.filter(issn_print="", issn_electronic="").count() == 2


def test_full_clean_refuses_an_electronic_issn_that_repeats_the_print_one():
    journal = Journal(name="Cold War History", issn_print="1468-2745", issn_electronic="14682745")

    with pytest.raises(ValidationError) as raised:
        journal.full_clean()

    assert "issn_electronic" in raised.value.message_dict


def test_an_event_that_ends_before_it_starts_is_refused_by_the_database():
    event = make_event(date="1954")

    with refused_by_the_database():
        Event.objects.filter(pk=event.pk).update(
            date_earliest=datetime.date(1957, 1, 1), date_latest=datetime.date(1954, 12, 31)
        )


def test_full_clean_says_when_an_events_span_ends_before_it_starts():
    event = Event(title="Backwards", date="1957/1954")

    with pytest.raises(ValidationError) as raised:
        event.full_clean()

    assert raised.value.message_dict["date"] == ["The span ends before it starts."]


def test_a_person_who_died_before_being_born_is_refused_by_the_database():
    person = make_person("Nikita Khrushchev", birth_date="1894", death_date="1971")

    with refused_by_the_database():
        Person.objects.filter(pk=person.pk).update(death_latest=datetime.date(1800, 1, 1))


def test_full_clean_says_when_a_person_dies_before_being_born():
    person = Person(display_name="Nikita Khrushchev", birth_date="1971", death_date="1894")

    with pytest.raises(ValidationError) as raised:
        person.full_clean()

    assert raised.value.message_dict["death_date"] == ["The person cannot die before being born."]


@pytest.mark.parametrize("zone", [0, 5])
def test_a_cas_zone_outside_1_to_4_is_refused_by_the_database(zone):
    journal = make_journal()

    with refused_by_the_database():
        JournalMetric.objects.create(
            journal=journal, system=JournalMetric.System.CAS, zone=zone, recorded_on=RECORDED_ON
        )


@pytest.mark.parametrize("zone", [1, 4])
def test_cas_zones_1_and_4_are_accepted(zone):
    journal = make_journal()
    metric = JournalMetric(
        journal=journal, system=JournalMetric.System.CAS, zone=zone, recorded_on=RECORDED_ON
    )

    metric.full_clean()
    metric.save()

    assert JournalMetric.objects.get().zone == zone


def test_full_clean_refuses_a_zone_of_5_on_the_zone_field():
    metric = JournalMetric(
        journal=make_journal(), system=JournalMetric.System.CAS, zone=5, recorded_on=RECORDED_ON
    )

    with pytest.raises(ValidationError) as raised:
        metric.full_clean()

    assert "zone" in raised.value.message_dict


def test_full_clean_refuses_a_quartile_on_a_cas_ranking_and_a_zone_on_a_jcr_one():
    journal = make_journal()
    cas = JournalMetric(journal=journal, system="cas", quartile="Q1", recorded_on=RECORDED_ON)
    jcr = JournalMetric(journal=journal, system="jcr", zone=2, recorded_on=RECORDED_ON)

    with pytest.raises(ValidationError) as cas_raised:
        cas.full_clean()
    with pytest.raises(ValidationError) as jcr_raised:
        jcr.full_clean()

    assert "quartile" in cas_raised.value.message_dict
    assert "zone" in jcr_raised.value.message_dict


# --- __str__ and get_absolute_url ------------------------------------------------------------


def test_a_publication_reads_as_its_plain_title_and_year():
    publication = make_publication("The <i>Lenin</i> icebreaker", publication_date="2021-03")

    assert str(publication) == "The Lenin icebreaker (2021)"


def test_a_publication_without_a_date_reads_as_its_title():
    assert str(make_publication("Undated notes", publication_date="")) == "Undated notes"


def test_people_journals_and_keywords_read_as_their_names():
    assert str(make_person("Mao Zedong")) == "Mao Zedong"
    assert str(make_journal(name="Cold War History")) == "Cold War History"
    assert str(Keyword.objects.create(name="History")) == "History"


def test_an_event_reads_as_its_title_and_its_date_in_words():
    assert str(make_event("Khrushchev's visit to China", date="1954-09/1954-10")) == (
        "Khrushchev's visit to China (September 1954–October 1954)"
    )
    assert str(make_event("Undated meeting")) == "Undated meeting"


def test_translations_read_as_their_text_and_language():
    publication = make_publication("Unknown page of history", publication_date="2022")
    event = make_event("Khrushchev's visit to China")

    title = PublicationTitle.objects.create(publication=publication, language="zh", title="未知")
    abstract = PublicationAbstract.objects.create(publication=publication, language="zh", text="…")
    event_title = EventTitle.objects.create(event=event, language="zh", title="赫鲁晓夫访华")

    assert str(title) == "未知 [zh]"
    assert str(abstract) == "Unknown page of history (2022) [zh]"
    assert str(event_title) == "赫鲁晓夫访华 [zh]"


def test_other_names_and_identifiers_read_as_themselves():
    journal = make_journal(name="Cold War History")
    person = make_person("Mao Zedong")

    assert str(JournalName.objects.create(journal=journal, name="Cold War Hist.")) == (
        "Cold War Hist."
    )
    assert str(
        JournalIdentifier.objects.create(journal=journal, scheme="booksci", value="46099")
    ) == ("booksci:46099")
    assert str(PersonName.objects.create(person=person, name="毛泽东")) == "毛泽东"


def test_a_journal_metric_reads_as_its_system_figures_category_and_date():
    journal = make_journal()
    jcr = JournalMetric.objects.create(
        journal=journal,
        system="jcr",
        impact_factor=Decimal("0.400"),
        quartile="Q1",
        category="HISTORY",
        recorded_on=RECORDED_ON,
    )
    cas = JournalMetric.objects.create(
        journal=journal, system="cas", zone=2, category="历史学", year=2023, recorded_on=RECORDED_ON
    )

    assert str(jcr) == "Clarivate Journal Citation Reports · IF 0.4 · Q1 · HISTORY · 2024-05-01"
    assert str(cas) == "Chinese Academy of Sciences journal zones · zone 2 · 历史学 · 2023"


def test_an_authorship_reads_as_the_name_printed_else_the_persons_name():
    gu = make_person("Ji-Dong Gu")
    publication = make_publication()

    printed = Authorship.objects.create(
        publication=publication, person=gu, position=1, name_as_printed="J.-D. Gu"
    )
    unprinted = Authorship.objects.create(publication=publication, person=gu, position=2)

    assert str(printed) == "J.-D. Gu"
    assert str(unprinted) == "Ji-Dong Gu"


def test_subject_and_event_links_say_what_the_publication_is_about():
    mao = make_person("Mao Zedong")
    visit = make_event("Khrushchev's visit to China", date="1954")
    publication = make_publication(
        "Unknown page of history", publication_date="2022", about=[mao], events=[visit]
    )

    assert (
        str(PublicationSubject.objects.get())
        == "Unknown page of history (2022) is about Mao Zedong"
    )
    assert str(PublicationEvent.objects.get(publication=publication)) == (
        "Unknown page of history (2022) discusses Khrushchev's visit to China (1954)"
    )


def test_a_participant_reads_as_the_person_and_their_role():
    visit = make_event("Khrushchev's visit to China")

    host = add_participant(visit, make_person("Mao Zedong"), role="host")
    guest = add_participant(visit, make_person("Zhou Enlai"))

    assert str(host) == "Mao Zedong – host"
    assert str(guest) == "Zhou Enlai"


def test_an_import_batch_reads_as_its_file_and_when_it_was_made():
    batch = ImportBatch.objects.create(
        file_name="cold_war.json", checksum="0" * 64, format="booksci"
    )

    assert str(batch) == f"cold_war.json ({batch.created_at:%Y-%m-%d %H:%M})"


def test_each_public_record_has_an_address_under_its_own_section():
    publication = make_publication("Unknown page of history")
    person = make_person("Mao Zedong")
    event = make_event("Khrushchev's visit to China")
    journal = make_journal(name="Cold War History")

    assert publication.get_absolute_url() == "/publications/unknown-page-of-history/"
    assert person.get_absolute_url() == "/people/mao-zedong/"
    assert event.get_absolute_url() == "/events/khrushchevs-visit-to-china/"
    assert journal.get_absolute_url() == "/journals/cold-war-history/"


# --- slugs -----------------------------------------------------------------------------------


def test_a_name_in_chinese_characters_gets_a_pinyin_slug():
    assert make_person("毛泽东").slug == "mao-ze-dong"


def test_a_name_in_cyrillic_gets_a_latin_slug():
    assert make_person("Никита Сергеевич Хрущёв").slug == "nikita-sergeevich-khrushchev"


def test_a_second_record_with_the_same_name_gets_a_numbered_slug():
    first = make_person("Li Wei")
    second = make_person("Li Wei")
    third = make_person("Li Wei")

    assert [first.slug, second.slug, third.slug] == ["li-wei", "li-wei-2", "li-wei-3"]


def test_the_slug_stays_the_same_when_the_title_changes():
    publication = make_publication("Unknown page of history")

    publication.title = "An unknown page of history, revised"
    publication.save()
    publication.refresh_from_db()

    assert publication.slug == "unknown-page-of-history"


def test_the_italics_of_a_title_do_not_leak_into_its_slug():
    publication = make_publication("The <i>Lenin</i> icebreaker")

    assert publication.slug == "the-lenin-icebreaker"


def test_a_title_without_letters_or_digits_still_gets_a_slug():
    assert make_event("???").slug == "record"


# --- dates on records ------------------------------------------------------------------------


def test_a_publication_dated_by_its_year_alone_stays_a_year():
    publication = make_publication(publication_date="2022")

    assert publication.year == 2022
    assert publication.date_precision == "year"
    assert publication.date_in_words == "2022"
    assert "January" not in str(publication.date_in_words)


def test_a_publication_dated_by_its_month_reads_as_that_month():
    publication = make_publication(publication_date="2022-06")

    assert publication.year == 2022
    assert publication.date_precision == "month"
    assert publication.date_in_words == "June 2022"
    assert publication.date_sort == datetime.date(2022, 6, 1)


def test_a_publication_dated_to_the_day_reads_as_that_day():
    publication = make_publication(publication_date="2022-06-21")

    assert publication.year == 2022
    assert publication.date_precision == "day"
    assert publication.date_in_words == "21 June 2022"
    assert publication.date_sort == datetime.date(2022, 6, 21)


@pytest.mark.parametrize("value", ["2022-13-45", "2022~", "2022/2023", "summer 2022"])
def test_full_clean_refuses_a_publication_date_that_is_not_a_calendar_date(value):
    publication = Publication(title="Dated oddly", publication_date=value)

    with pytest.raises(ValidationError) as raised:
        publication.full_clean()

    assert f"“{value}”" in raised.value.message_dict["publication_date"][0]


@pytest.mark.parametrize(
    ("value", "earliest", "latest"),
    [
        ("1954-09/1954-10", datetime.date(1954, 9, 1), datetime.date(1954, 10, 31)),
        ("1954", datetime.date(1954, 1, 1), datetime.date(1954, 12, 31)),
        ("1954/1957", datetime.date(1954, 1, 1), datetime.date(1957, 12, 31)),
        ("1954~", datetime.date(1953, 1, 1), datetime.date(1955, 12, 31)),
        ("", None, None),
    ],
)
def test_an_event_keeps_the_earliest_and_latest_day_its_date_can_mean(value, earliest, latest):
    event = make_event(date=value)
    event.refresh_from_db()

    assert (event.date_earliest, event.date_latest) == (earliest, latest)


def test_an_events_bounds_follow_a_change_of_its_date():
    event = make_event(date="1954")

    event.date = "1957"
    event.save()
    event.refresh_from_db()

    assert (event.date_earliest, event.date_latest) == (
        datetime.date(1957, 1, 1),
        datetime.date(1957, 12, 31),
    )


def test_full_clean_refuses_an_event_date_that_is_not_edtf_and_shows_how_to_write_one():
    event = Event(title="Khrushchev's visit to China", date="autumn 1954")

    with pytest.raises(ValidationError) as raised:
        event.full_clean()

    message = raised.value.message_dict["date"][0]
    assert "“autumn 1954”" in message
    assert "EDTF" in message
    assert "1954~ (about)" in message


def test_full_clean_accepts_an_event_that_is_still_going_on():
    event = Event(title="The Sino-Soviet split", date="1956/..")

    event.full_clean()
    event.save()

    assert (event.date_earliest, event.date_latest) == (datetime.date(1956, 1, 1), None)


def test_a_persons_life_dates_read_as_a_span():
    person = make_person("Nikita Khrushchev", birth_date="1894-04-15", death_date="1971-09-11")
    undated = make_person("Ji-Dong Gu")

    assert person.life_dates == "15 April 1894–11 September 1971"
    assert make_person("Li Wei", birth_date="1930~").life_dates == "c. 1930–"
    assert undated.life_dates == ""


# --- identifiers on records ------------------------------------------------------------------


def test_full_clean_stores_a_doi_link_as_a_bare_lower_case_doi():
    publication = Publication(title="A", doi="https://doi.org/10.1080/ABC")

    publication.full_clean()

    assert publication.doi == "10.1080/abc"


def test_full_clean_refuses_a_doi_that_is_not_one():
    publication = Publication(title="A", doi="10.x")

    with pytest.raises(ValidationError) as raised:
        publication.full_clean()

    assert "doi" in raised.value.message_dict


def test_full_clean_stores_identifier_links_as_bare_identifiers():
    person = Person(
        display_name="Nikita Khrushchev",
        orcid="https://orcid.org/0000-0002-1825-0097",
        wikidata="https://www.wikidata.org/wiki/Q35314",
        viaf="https://viaf.org/viaf/100180950/",
    )

    person.full_clean()

    assert (person.orcid, person.wikidata, person.viaf) == (
        "0000-0002-1825-0097",
        "Q35314",
        "100180950",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("orcid", "0000-0002-1825-0098"), ("wikidata", "Khrushchev"), ("viaf", "viaf:abc")],
)
def test_full_clean_refuses_an_identifier_that_is_not_valid_and_quotes_it(field, value):
    person = Person(display_name="Nikita Khrushchev", **{field: value})

    with pytest.raises(ValidationError) as raised:
        person.full_clean()

    assert f"“{value}”" in raised.value.message_dict[field][0]


def test_full_clean_stores_an_issn_with_its_hyphen():
    journal = Journal(name="Cold War History", issn_print="14682745")

    journal.full_clean()

    assert journal.issn_print == "1468-2745"


# --- names -----------------------------------------------------------------------------------


def test_a_person_is_matched_by_a_key_that_ignores_case_accents_and_punctuation():
    person = make_person("  Nikita   Khrushchëv ")

    assert person.display_name == "Nikita Khrushchëv"
    assert person.name_key == "nikita khrushchev"
    assert Person.objects.filter(name_key="nikita khrushchev").get() == person


def test_a_persons_family_and_given_names_are_split_from_the_display_name():
    gu = make_person("Ji-Dong Gu")
    mao = make_person("毛泽东")

    assert (gu.family_name, gu.given_names) == ("Gu", "Ji-Dong")
    assert (mao.family_name, mao.given_names) == ("毛", "泽东")


def test_family_and_given_names_a_curator_wrote_are_kept():
    person = make_person("Mao Zedong", family_name="Mao", given_names="Runzhi")

    assert (person.family_name, person.given_names) == ("Mao", "Runzhi")


def test_a_name_key_follows_a_change_of_the_display_name():
    person = make_person("J.-D. Gu")

    person.display_name = "Ji-Dong Gu"
    person.save()

    assert Person.objects.get(pk=person.pk).name_key == "ji dong gu"


def test_another_name_of_a_person_is_stored_normalised_with_its_key():
    person = make_person("Nikita Khrushchev")

    variant = PersonName.objects.create(person=person, name=" KHRUSHCHËV ")

    assert variant.name == "KHRUSHCHËV"
    assert variant.name_key == "khrushchev"
    assert Person.objects.filter(names__name_key="khrushchev").get() == person
