"""archive/names.py: the key personal names are matched on, and their parts for sorting."""

import pytest

from archive import names


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("J.-D. Gu", "J. D. Gu"),
        ("J.-D. Gu", "J.D. Gu"),
        ("Gu, Ji-Dong", "Ji-Dong Gu"),
        ("Khrushchëv", "KHRUSHCHEV"),
        ("Nikita  Khrushchev ", "nikita khrushchev"),
        ("Zhou Enlai", "Zhōu Ēnlái"),
    ],
)
def test_names_that_differ_only_in_case_accents_spacing_or_order_share_a_key(first, second):
    assert names.match_key(first) == names.match_key(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("J.-D. Gu", "Ji-Dong Gu"),
        ("A. Smith", "B. Smith"),
        ("Mao Zedong", "Mao Tse-tung"),
    ],
)
def test_names_that_take_a_curators_judgement_to_match_do_not_share_a_key(first, second):
    assert names.match_key(first) != names.match_key(second)


def test_a_name_in_han_characters_keeps_its_characters_in_the_key():
    assert names.match_key("毛泽东") == "毛泽东"
    assert names.match_key("毛泽东") != names.match_key("毛澤東")


def test_normalize_trims_and_collapses_spaces_and_composes_accents():
    assert names.normalize("  Nikita \t Khrushche\u0308v ") == "Nikita Khrushchëv"


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("Ji-Dong Gu", "Gu", "Ji-Dong"),
        ("Gu, Ji-Dong", "Gu", "Ji-Dong"),
        ("Nikita Sergeyevich Khrushchev", "Khrushchev", "Nikita Sergeyevich"),
        ("毛泽东", "毛", "泽东"),
        ("Khrushchev", "Khrushchev", ""),
    ],
)
def test_split_gives_the_family_name_and_the_given_names(name, family, given):
    assert names.split(name) == (family, given)
