"""Personal names: the key they are matched on, and their parts for sorting.

Matching ignores case, accents, spacing and the punctuation of initials, so "Khrushchëv" and
"KHRUSHCHEV" meet, as do "J. D. Gu" and "J.-D. Gu"; "J.-D. Gu" and "Ji-Dong Gu" do not, since
that takes a curator's judgement. "Gu, Ji-Dong" is one person, written family name first.
`near_match` says which pairs are worth that judgement.
"""

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from django.utils.translation import gettext_lazy
from nameparser import HumanName

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PLAIN_WORD = re.compile(r"[^\W\d_](?:[\w'-]*[^\W\d_])?(?: [^\W\d_](?:[\w'-]*[^\W\d_])?){1,2}")
_PARTICLES = {
    "van",
    "von",
    "de",
    "da",
    "del",
    "der",
    "di",
    "du",
    "la",
    "le",
    "bin",
    "ibn",
    "al",
    "ter",
    "den",
    "dos",
    "das",
    "st",
}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md"}
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def normalize(name: str) -> str:
    """NFC, trimmed, with single spaces: how a name is stored."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def natural_order(name: str) -> str:
    """ "Gu, Ji-Dong" -> "Ji-Dong Gu"; other names as they are (normalised)."""
    text = normalize(name)
    family, comma, given = text.partition(",")
    if comma and given.strip() and "," not in given:
        return f"{given.strip()} {family.strip()}"
    return text


@lru_cache(maxsize=200_000)
def match_key(name: str) -> str:
    """The form two names must share to be treated as the same person without asking."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    if "," in text:
        family, _, given = text.partition(",")
        text = f"{given} {family}"
    key = " ".join(_PUNCTUATION.sub(" ", text).split())
    # A name of punctuation alone ("-", "…") still has a key: an importer finds or makes a person
    # for every name it is given, and only no name at all has none.
    return key or " ".join(text.split())


def split(name: str) -> tuple[str, str]:
    """(family name, given names) for sorting; Chinese names in Han characters put family first."""
    text = normalize(name)
    if _HAN.match(text) and " " not in text:
        return text[:1], text[1:]
    words = text.split()
    if (
        len(words) in (2, 3)
        and _PLAIN_WORD.fullmatch(text)
        and words[-2].lower() not in _PARTICLES
        and words[-1].lower().rstrip(".") not in _SUFFIXES
    ):
        # "Given [Middle] Family" with nothing for nameparser to interpret: split directly.
        return words[-1], " ".join(words[:-1])
    parsed = HumanName(text)
    if not parsed.last:
        # nameparser reads a lone word as a first name; "Sukarno" is sorted as a family name.
        return text, ""
    family = parsed.last
    given = " ".join(part for part in (parsed.first, parsed.middle) if part)
    return family, given


# Near matches: names a curator should compare, never merged without asking.
#
# Two names are a near match when they share a family name (by key) and their given names agree
# without being the same: initials that fit the given names ("J.-D. Gu", "J. Gu" and "Gu, J.-D."
# against "Ji-Dong Gu"), fewer given names ("Nikita Khrushchev", "Nikita Sergeyevich
# Khrushchev"), the same letters written together or apart ("Jidong", "Ji-Dong"), the same names
# in the other order ("Gu Jidong", "Jidong Gu"), or one letter apart ("Ji-Dong", "Ji-Dung").
# Without a comma the family name is read as the last word, or the first when the name ends in
# initials ("Gu J.-D."); a two-word name is read both ways, since Chinese names are often
# romanised family name first ("Mao Zedong"), but only initials, order and spacing count in the
# second reading. Names in Han characters never near-match: two different characters are two
# different names, however alike they look.


class NearMatch(StrEnum):
    """Why two names, or two people, look like one person.

    `near_match` never answers SAME_NAME: two names with one key are one name. Two records under
    one name are still worth a curator's look, which is what it is for.
    """

    SAME_NAME = "same name"
    INITIALS_AGREE = "initials agree"
    FEWER_GIVEN_NAMES = "one has fewer given names"
    WRITTEN_TOGETHER_OR_APART = "written together or apart"
    OTHER_ORDER = "same names in another order"
    ONE_LETTER_APART = "one letter apart"

    @property
    def label(self) -> str:
        """The reason in the curator's language."""
        return str(_NEAR_MATCH_LABELS[self])


_NEAR_MATCH_LABELS = {
    NearMatch.SAME_NAME: gettext_lazy("same name"),
    NearMatch.INITIALS_AGREE: gettext_lazy("initials agree"),
    NearMatch.FEWER_GIVEN_NAMES: gettext_lazy("one has fewer given names"),
    NearMatch.WRITTEN_TOGETHER_OR_APART: gettext_lazy("written together or apart"),
    NearMatch.OTHER_ORDER: gettext_lazy("same names in another order"),
    NearMatch.ONE_LETTER_APART: gettext_lazy("one letter apart"),
}


class _Part(NamedTuple):
    text: str  # case-folded, without accents
    initial: bool  # "J", "J." or a two-letter abbreviation such as "Yu."
    starts_word: bool  # False for "dong" in "Ji-Dong"


class _Reading(NamedTuple):
    family: str
    given: tuple[_Part, ...]
    family_first: bool
    guessed: bool = False  # the second reading of a two-word name


class ParsedName(NamedTuple):
    """A name taken apart once, so that it can be compared with many others cheaply."""

    key: str
    readings: tuple[_Reading, ...]

    @property
    def buckets(self) -> set[tuple[str, str]]:
        """(family name, first letter of the given names): a near match shares one of these."""
        return {(reading.family, reading.given[0].text[0]) for reading in self.readings}


_NAME_PART = re.compile(r"[^\W\d_]+(\.)?")
# A typo is only believable in given names long enough to have one; "Wei" and "Wen" are two names.
_SHORTEST_GIVEN_NAMES_FOR_A_TYPO = 4


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def _words(text: str) -> list[tuple[tuple[str, bool], ...]]:
    """Each word as its parts, (text, is an initial): "J.-D." -> (("j", True), ("d", True))."""
    words = []
    for word in text.replace("'", "").replace("’", "").replace(",", " ").split():
        parts = []
        for match in _NAME_PART.finditer(word):
            part = match.group(0).rstrip(".")
            # "J", "J." and "Yu." are initials; "Jr." and "Wm." are not.
            parts.append((part, len(part) == 1 or (match[1] is not None and len(part) == 2)))
        if parts:
            words.append(tuple(parts))
    return words


def _reading(family_words, given_words, *, family_first: bool, guessed=False) -> _Reading | None:
    family = " ".join(part for word in family_words for part, _ in word)
    given = tuple(
        _Part(part, initial, index == 0)
        for word in given_words
        for index, (part, initial) in enumerate(word)
    )
    if not family or not given:
        return None
    return _Reading(family, given, family_first, guessed)


def _all_initials(word) -> bool:
    return all(initial for _, initial in word)


def parse(name: str) -> ParsedName:
    """The name's match key and its possible (family name, given names) readings."""
    text = normalize(name)
    key = match_key(text)
    if _HAN.search(text):
        return ParsedName(key, ())
    folded = _fold(text)
    if "," in folded:
        family, _, given = folded.partition(",")
        candidates = [_reading(_words(family), _words(given), family_first=True)]
    else:
        words = _words(folded)
        if len(words) < 2:
            candidates = []
        elif _all_initials(words[-1]) and not _all_initials(words[0]):
            candidates = [_reading(words[:1], words[1:], family_first=True)]
        else:
            candidates = [_reading(words[-1:], words[:-1], family_first=False)]
            if len(words) == 2 and not any(initial for word in words for _, initial in word):
                candidates.append(_reading(words[:1], words[1:], family_first=True, guessed=True))
    return ParsedName(key, tuple(reading for reading in candidates if reading))


def _within_one_edit(first: str, second: str) -> bool:
    """True when one letter added, dropped or changed turns one string into the other."""
    if abs(len(first) - len(second)) > 1:
        return False
    if len(first) > len(second):
        first, second = second, first
    for index, (a, b) in enumerate(zip(first, second, strict=False)):
        if a != b:
            if len(first) == len(second):
                return first[index + 1 :] == second[index + 1 :]
            return first[index:] == second[index + 1 :]
    return True


def _given_names_agree(first: _Reading, second: _Reading) -> NearMatch | None:
    by_initial = False
    for a, b in zip(first.given, second.given, strict=False):
        if a.text == b.text:
            continue
        if (a.initial and b.text.startswith(a.text)) or (b.initial and a.text.startswith(b.text)):
            by_initial = True
            continue
        return None
    shorter, longer = sorted((first.given, second.given), key=len)
    if len(shorter) == len(longer):
        if by_initial:
            return NearMatch.INITIALS_AGREE
        if first.family_first != second.family_first:
            return NearMatch.OTHER_ORDER
        # The same letters, parted otherwise: "O'Brien" and "OBrien".
        return NearMatch.WRITTEN_TOGETHER_OR_APART
    # "J." fits "Ji-Dong", and "J.-D." fits "Jidong"; "Wei" does not fit "Wei-Min", a name of its own.
    if all(p.initial for p in shorter) or all(p.initial for p in longer):
        return NearMatch.INITIALS_AGREE
    if longer[len(shorter)].starts_word:
        return NearMatch.INITIALS_AGREE if by_initial else NearMatch.FEWER_GIVEN_NAMES
    return None


def _compare(first: _Reading, second: _Reading) -> NearMatch | None:
    if first.family != second.family or first.given[0].text[0] != second.given[0].text[0]:
        return None
    agreement = _given_names_agree(first, second)
    if agreement or any(p.initial for p in first.given + second.given):
        return agreement
    letters = "".join(p.text for p in first.given), "".join(p.text for p in second.given)
    if letters[0] == letters[1]:
        return NearMatch.WRITTEN_TOGETHER_OR_APART
    # Read family name first, "Wei Zhang" and "Wei Zheng" would be a typo apart: they are two
    # family names, 张 and 郑.
    if first.guessed or second.guessed:
        return None
    if min(map(len, letters)) >= _SHORTEST_GIVEN_NAMES_FOR_A_TYPO and _within_one_edit(*letters):
        return NearMatch.ONE_LETTER_APART
    return None


def near_match(first: str | ParsedName, second: str | ParsedName) -> NearMatch | None:
    """Why two names may be one person's, or None when they are unrelated or simply the same.

    Names with the same match key are the same name, not a near match. Pass `parse()` results
    when comparing one name with many.
    """
    first = first if isinstance(first, ParsedName) else parse(first)
    second = second if isinstance(second, ParsedName) else parse(second)
    if first.key == second.key:
        return None
    for a in first.readings:
        for b in second.readings:
            if found := _compare(a, b):
                return found
    return None
