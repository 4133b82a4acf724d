"""Personal names: the key they are matched on, and their parts for sorting.

Matching ignores case, accents, spacing and the punctuation of initials, so "Khrushchëv" and
"KHRUSHCHEV" meet, as do "J. D. Gu" and "J.-D. Gu"; "J.-D. Gu" and "Ji-Dong Gu" do not, since
that takes a curator's judgement. "Gu, Ji-Dong" is one person, written family name first.
"""

import re
import unicodedata

from nameparser import HumanName

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def normalize(name: str) -> str:
    """NFC, trimmed, with single spaces: how a name is stored."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def match_key(name: str) -> str:
    """The form two names must share to be treated as the same person without asking."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    if "," in text:
        family, _, given = text.partition(",")
        text = f"{given} {family}"
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def split(name: str) -> tuple[str, str]:
    """(family name, given names) for sorting; Chinese names in Han characters put family first."""
    text = normalize(name)
    if _HAN.match(text) and " " not in text:
        return text[:1], text[1:]
    parsed = HumanName(text)
    if not parsed.last:
        # nameparser reads a lone word as a first name; "Sukarno" is sorted as a family name.
        return text, ""
    family = parsed.last
    given = " ".join(part for part in (parsed.first, parsed.middle) if part)
    return family, given
