"""The canonical publication row: the columns of the archive's own CSV, which every format becomes.

Lists in a cell are separated by "; " (authors, keywords). Translations and journal metrics are
JSON in their cell, since a title can hold any punctuation.
"""

import json

PUBLICATION_COLUMNS = [
    "doi",
    "title",
    "language",
    "title_translations",
    "abstract",
    "abstract_translations",
    "authors",
    "publication_type",
    "publication_date",
    "journal",
    "journal_issn_print",
    "journal_issn_electronic",
    "journal_ids",
    "journal_metrics",
    "volume",
    "issue",
    "first_page",
    "last_page",
    "url",
    "is_open_access",
    "pdf_url",
    "citation_count",
    "citation_count_date",
    "keywords",
    "source_platform",
    "source_id",
    "raw_record",
]

LIST_SEPARATOR = "; "


def join_list(values) -> str:
    return LIST_SEPARATOR.join(value for value in values if value)


def split_list(cell) -> list[str]:
    if not cell:
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def dump_json(value) -> str:
    if value in (None, "", [], {}):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def load_json(cell, *, column: str):
    if cell in (None, ""):
        return None
    if isinstance(cell, (dict, list)):
        return cell
    try:
        return json.loads(cell)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{column} must be JSON, e.g. {JSON_EXAMPLES[column]}") from error


JSON_EXAMPLES = {
    "title_translations": '[{"language": "zh", "title": "…", "machine_translation": true}]',
    "abstract_translations": '[{"language": "zh", "text": "…", "machine_translation": true}]',
    "journal_metrics": '[{"system": "jcr", "impact_factor": "0.4", "quartile": "Q1", '
    '"category": "HISTORY"}]',
    "raw_record": '{"title": "…"}',
}
