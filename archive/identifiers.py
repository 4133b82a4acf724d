"""Normalising and validating identifiers: DOI, ISSN, ORCID, Wikidata, VIAF.

Stored forms: DOI lower case without resolver (`10.1080/14682745.2022.2050698`), ISSN with its
hyphen (`1468-2745`), ORCID as 16 digits in four groups, Wikidata as `Q…`, VIAF as digits.
"""

import re
from urllib.parse import quote

import idutils
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_DOI_PREFIXES = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ORCID_RESOLVER = re.compile(r"^https?://(?:www\.)?orcid\.org/", re.IGNORECASE)
_ORCID_DIGITS = re.compile(r"\d{15}[\dX]")


def normalize_doi(value: str | None) -> str:
    """`https://doi.org/10.1080/ABC` -> `10.1080/abc`; '' when absent. DOIs are case-insensitive."""
    text = (value or "").strip()
    if not text:
        return ""
    text = _DOI_PREFIXES.sub("", text).strip()
    return text.lower()


def validate_doi(value: str) -> None:
    if value and not idutils.is_doi(value):
        raise ValidationError(
            _("“%(value)s” is not a DOI. A DOI looks like 10.1080/14682745.2022.2050698."),
            code="invalid_doi",
            params={"value": value},
        )


def normalize_issn(value: str | None) -> str:
    text = re.sub(r"[^0-9Xx]", "", value or "").upper()
    if len(text) != 8:
        return (value or "").strip()
    return f"{text[:4]}-{text[4:]}"


def validate_issn(value: str) -> None:
    if value and not idutils.is_issn(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid ISSN (eight characters such as 1468-2745, check digit last)."
            ),
            code="invalid_issn",
            params={"value": value},
        )


def normalize_orcid(value: str | None) -> str:
    """`https://orcid.org/0000000218250097` -> `0000-0002-1825-0097`; anything else as typed."""
    text = (value or "").strip()
    compact = re.sub(r"[\s-]", "", _ORCID_RESOLVER.sub("", text)).upper()
    if not _ORCID_DIGITS.fullmatch(compact):
        # Left as typed (idutils would cut and hyphenate it: "Smith" -> "Smit-h--"), so the
        # validation message shows what the curator wrote.
        return text
    return "-".join(compact[start : start + 4] for start in range(0, 16, 4))


def validate_orcid(value: str) -> None:
    if value and not idutils.is_orcid(value):
        raise ValidationError(
            _("“%(value)s” is not a valid ORCID iD (0000-0002-1825-0097, check digit last)."),
            code="invalid_orcid",
            params={"value": value},
        )


def normalize_wikidata(value: str | None) -> str:
    text = (value or "").strip()
    match = re.search(r"(Q\d+)$", text, re.IGNORECASE)
    return match.group(1).upper() if match else text


def validate_wikidata(value: str) -> None:
    if value and not re.fullmatch(r"Q[1-9]\d*", value):
        raise ValidationError(
            _("“%(value)s” is not a Wikidata item id (Q followed by digits, e.g. Q35314)."),
            code="invalid_wikidata",
            params={"value": value},
        )


def normalize_viaf(value: str | None) -> str:
    text = (value or "").strip()
    match = re.search(r"(\d+)/?$", text)
    return match.group(1) if match else text


def validate_viaf(value: str) -> None:
    if value and not idutils.is_viaf(value):
        raise ValidationError(
            _("“%(value)s” is not a VIAF id (digits only, e.g. 100180950)."),
            code="invalid_viaf",
            params={"value": value},
        )


def doi_url(doi: str) -> str:
    # DOI Handbook 2.5.2.4: characters such as "#", "?" and "%" must be percent-encoded in URLs.
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}" if doi else ""


def orcid_url(orcid: str) -> str:
    return f"https://orcid.org/{orcid}" if orcid else ""


def wikidata_url(qid: str) -> str:
    return f"https://www.wikidata.org/wiki/{qid}" if qid else ""


def viaf_url(viaf: str) -> str:
    return f"https://viaf.org/viaf/{viaf}" if viaf else ""
