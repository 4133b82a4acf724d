"""BookSci (booksci.cn) records: the aggregator's wrapping of Semantic Scholar and PubMed records.

Quirks handled, as seen on the site: the outer `title` is a Chinese machine translation when
`resultStr` (the English original, itself a JSON string) is present; `volume` "22 1" is volume and
issue; `pages` "0" means unknown; numbers arrive as strings; `""`, null and a missing key all mean
"not given"; `RegionNum` 0 means unranked; authors are separated by ", " or by ";".
"""

import json
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from archive.identifiers import normalize_doi
from archive.importing import canonical, jsonstream
from archive.importing.cleaning import clean_abstract, clean_text, clean_title

PLATFORM = "BookSci"
# Part of each record's fingerprint: change it with to_row(), so that records imported before
# are converted again instead of being recognised as unchanged.
CONVERSION = "booksci/1"
METRIC_SOURCE = "BookSci (booksci.cn)"
_HAN = re.compile(r"[\u3400-\u9fff]")
_PAGES = re.compile(r"^\s*([^\s–—-]+)\s*(?:[-–—]+\s*([^\s]+))?\s*$")
_TYPES = {
    "journal article": "journal-article",
    "journalarticle": "journal-article",
    "review": "review",
    "book": "book",
    "booksection": "book-chapter",
    "book chapter": "book-chapter",
    "conference": "conference-paper",
    "conference paper": "conference-paper",
    "dataset": "dataset",
}


class FormatError(ValueError):
    """The file as a whole cannot be read as this format."""


def _given(value) -> str:
    """'' for null, '' and whitespace; the text otherwise."""
    if value is None:
        return ""
    return clean_text(value)


def _markup(value) -> str:
    """A title or abstract as sent: text, or a number as text; '' for anything else."""
    return value if isinstance(value, str) else jsonstream.text(value)


def iter_records(stream) -> Iterator[tuple[int, dict]]:
    """Yield (record number, record) from a JSON object, a JSON array or JSON Lines."""
    try:
        for number, record in jsonstream.iter_values(stream):
            if record is None:
                continue
            if not isinstance(record, dict):
                raise FormatError(_("Record %(number)s is not a JSON object.") % {"number": number})
            yield number, record
    except jsonstream.JSONFileError as error:
        raise FormatError(str(error)) from error


def split_authors(value: str) -> list[str]:
    text = _given(value)
    if not text:
        return []
    if ";" in text:
        return [name.strip() for name in text.split(";") if name.strip()]
    parts = [name.strip() for name in text.split(",") if name.strip()]
    # "Gu, Ji-Dong" is one person written family name first, not two people: when no part has
    # a space, the parts pair up as (family, given).
    if len(parts) > 1 and len(parts) % 2 == 0 and not any(" " in part for part in parts):
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]
    return parts


def split_volume(value: str) -> tuple[str, str]:
    parts = _given(value).split()
    if len(parts) >= 2:
        return parts[0], " ".join(parts[1:])
    return (parts[0] if parts else ""), ""


def split_pages(value: str) -> tuple[str, str]:
    text = _given(value)
    if text in ("", "0"):
        return "", ""
    match = _PAGES.match(text)
    if not match:
        return text, ""
    return match.group(1), match.group(2) or ""


def _number(value) -> str:
    text = _given(value)
    try:
        return str(int(float(text))) if text else ""
    except (ValueError, OverflowError):
        return text


def _metrics(record: dict) -> list[dict]:
    metrics = []
    impact = _given(record.get("PeriodicalIF"))
    quartile = _given(record.get("JCR")).upper()
    if impact or quartile:
        metric = {"system": "jcr", "source": METRIC_SOURCE}
        if impact and _positive(impact, "PeriodicalIF"):
            metric["impact_factor"] = impact
        if quartile:
            metric["quartile"] = quartile
        if category := _given(record.get("JCRName")):
            metric["category"] = category
        if len(metric) > 2:
            metrics.append(metric)
    zone = _number(record.get("RegionNum"))
    if zone and not zone.isdigit():
        raise ValueError(_("RegionNum “%(value)s” is not a zone (0 to 4).") % {"value": zone[:50]})
    if zone and zone != "0":
        metric = {"system": "cas", "zone": zone, "source": METRIC_SOURCE}
        if category := _given(record.get("RegionCategory")):
            metric["category"] = category
        metrics.append(metric)
    return metrics


def _positive(text: str, key: str) -> bool:
    try:
        return float(text) > 0
    except ValueError as error:
        raise ValueError(
            _("%(key)s “%(value)s” is not a number.") % {"key": key, "value": text[:50]}
        ) from error


def to_row(record: dict, raw_record: str | None = None) -> dict:
    """One BookSci record as a canonical publication row (`raw_record`: the record as JSON
    text, when the caller has it already)."""
    original = record
    inner_text = record.get("resultStr")
    if isinstance(inner_text, str) and inner_text.strip():
        try:
            original = json.loads(inner_text)
        except json.JSONDecodeError as error:
            raise ValueError(
                _("resultStr is not valid JSON (%(problem)s).") % {"problem": error.msg}
            ) from error
        if not isinstance(original, dict):
            raise ValueError(_("resultStr does not hold a JSON object."))
    elif isinstance(inner_text, dict):
        original = inner_text

    title = clean_title(_markup(original.get("title")))
    language = "zh" if _HAN.search(title) and original is record else "en"
    translations = []
    outer_title = clean_title(_markup(record.get("title")))
    if original is not record and outer_title and outer_title != title:
        translations.append({"language": "zh", "title": outer_title, "machine_translation": True})
    if _given(record.get("TitleCN")) and not translations:
        translations.append(
            {
                "language": "zh",
                "title": clean_title(_markup(record["TitleCN"])),
                "machine_translation": True,
            }
        )

    abstract = clean_abstract(_markup(original.get("abstract")))
    abstract_translations = []
    outer_abstract = (
        abstract
        if record.get("abstract") == original.get("abstract")
        else clean_abstract(_markup(record.get("abstract")))
    )
    chinese_abstract = clean_abstract(_markup(record.get("AbstractTextCN"))) or (
        outer_abstract if outer_abstract != abstract and _HAN.search(outer_abstract) else ""
    )
    if chinese_abstract:
        abstract_translations.append(
            {"language": "zh", "text": chinese_abstract, "machine_translation": True}
        )

    journal = original.get("journal") or record.get("journal") or {}
    if not isinstance(journal, dict):
        journal = {"name": journal}
    volume, issue = split_volume(journal.get("volume"))
    first_page, last_page = split_pages(journal.get("pages"))
    doi = normalize_doi(_given(record.get("doi")) or _given(record.get("DOIUrl")))
    url = _given(record.get("url"))
    listed = _given(record.get("ListUrlMain"))
    if not url and listed and normalize_doi(listed) != doi:
        url = listed
    periodical_id = _number(record.get("PeriodicalId"))
    fields = record.get("fieldsOfStudy") or []
    if isinstance(fields, str):
        fields = [part for part in re.split(r"[;,]", fields)]
    elif not isinstance(fields, list):
        fields = []
    pdf = record.get("openAccessPdf")
    if isinstance(pdf, dict):
        pdf = pdf.get("url")
    open_access = record.get("isOpenAccess")
    publication_type = _given(record.get("publicationTypes"))
    if isinstance(record.get("publicationTypes"), list):
        publication_type = _given((record["publicationTypes"] or [""])[0])

    return {
        "doi": doi,
        "title": title,
        "language": language,
        "title_translations": canonical.dump_json(translations),
        "abstract": abstract,
        "abstract_translations": canonical.dump_json(abstract_translations),
        "authors": canonical.join_list(split_authors(record.get("authors"))),
        "publication_type": _TYPES.get(
            publication_type.lower(), "other" if publication_type else ""
        ),
        "publication_date": _given(record.get("publicationDate")),
        "journal": _given(journal.get("name")) or _given(record.get("PeriodicalName")),
        "journal_issn_print": "",
        "journal_issn_electronic": "",
        "journal_ids": f"booksci:{periodical_id}" if periodical_id and periodical_id != "0" else "",
        "journal_metrics": canonical.dump_json(_metrics(record)),
        "volume": volume,
        "issue": issue,
        "first_page": first_page,
        "last_page": last_page,
        "url": url,
        "is_open_access": "" if open_access in (None, "") else str(bool(open_access)).lower(),
        "pdf_url": _given(pdf),
        "citation_count": _number(record.get("citationCount")),
        "citation_count_date": "",
        "keywords": canonical.join_list(_given(field) for field in fields),
        "source_platform": PLATFORM,
        "source_id": _given(record.get("paperid")),
        "raw_record": canonical.dump_json(record) if raw_record is None else raw_record,
    }
