"""Canonical publication rows into publications: matching, validation, verdicts, bulk writes.

Every format, the admin import page and `import_records` come through `PublicationImport`, a
chunk of rows at a time:

1. What the chunk's rows may match is loaded in a few queries: first only keys and fingerprints,
   so a row identical to the one last imported for the same publication is settled unread; then
   the full records (with their relations) that rows may change, and the people they name.
2. Each row is cleaned, matched, checked field by field (the model's own validators, with the
   column and the value in the error) and given its verdict: new, update, skip or invalid.
3. Unless the import is a dry run or a row has failed, the chunk is written with one prepared
   statement per table (archive.importing.rows_sql), the search text computed from what is
   written rather than read back.

django-import-export's per-row machinery (fields, instances, row results, diffs) is not used
here: at 10,000 rows it cost ten times the writing. Its widgets still read the cells, so values
are understood exactly as before.
"""

import datetime
import hashlib
import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from import_export import widgets

from archive import dates, names
from archive.exporting.formats import restore
from archive.identifiers import normalize_doi
from archive.importing import canonical
from archive.importing.cleaning import clean_abstract, clean_text, clean_title
from archive.importing.deferred_indexing import indexed_once_written
from archive.importing.matching import (
    JournalIndex,
    MetricLedger,
    PersonIndex,
    SlugAllocator,
    chunked,
    new_record_status,
)
from archive.importing.report import row_problem
from archive.importing.rows_sql import RowWriter, allocate_ids, select_where_in
from archive.importing.snapshots import SNAPSHOT_FIELDS, publication_snapshots
from archive.models import (
    Authorship,
    ImportChange,
    Keyword,
    Publication,
    PublicationAbstract,
    PublicationTitle,
)
from archive.search import publication_search_text

AUTHORITATIVE_FORMATS = {"csv", "tsv", "xlsx"}

_MODEL_FIELDS = {f.name for f in Publication._meta.concrete_fields}
# What an import may change; bookkeeping (import_batch, imported_at, updated_at) is not compared.
COMPARED_FIELDS = list(
    dict.fromkeys(
        [
            *(
                Publication._meta.get_field(f).attname
                for f in canonical.PUBLICATION_COLUMNS
                if f in _MODEL_FIELDS
            ),
            "journal_id",
            "language",
            "publication_type",
            "citation_count_date",
        ]
    )
)
# Checked as Model.full_clean() would check them. The raw record is left out: it was read from
# JSON text, so it always serialises, and checking that costs a json.dumps of 3 KB a row.
_VALIDATED = [
    Publication._meta.get_field(name)
    for name in COMPARED_FIELDS
    if name not in ("journal_id", "raw_record")
]


def _plain_text_check(model_field):
    """A quick test that a value of this field passes Field.clean() unchanged, so that only
    values that may fail (or need converting) go through it; None for fields without one."""
    if isinstance(model_field, models.BooleanField):
        return lambda value: type(value) is bool
    if isinstance(model_field, models.PositiveIntegerField):
        return lambda value: type(value) is int and 0 <= value <= 2147483647
    if type(model_field) is models.DateField:
        return lambda value: type(value) is datetime.date
    if not isinstance(model_field, models.CharField | models.TextField) or any(
        not isinstance(validator, MaxLengthValidator) for validator in model_field.validators
    ):
        return None
    limit = model_field.max_length or float("inf")
    allowed = {str(value) for value, _ in model_field.flatchoices} if model_field.choices else None
    blank = model_field.blank

    def passes(value) -> bool:
        return (
            type(value) is str
            and len(value) <= limit
            and (blank or value != "")
            and (allowed is None or value in allowed)
        )

    return passes


_CHECKS = [(model_field, _plain_text_check(model_field)) for model_field in _VALIDATED]
_WRITTEN_ON_UPDATE = [
    *COMPARED_FIELDS,
    "year",
    "date_sort",
    "import_batch_id",
    "imported_at",
    "import_fingerprint",
    "updated_at",
    "search_text",
]
_LIGHT = ["doi", "source_platform", "source_id", "title", "year", "import_fingerprint"]
# The translation columns and the key holding each item's text.
_TRANSLATED = {"title_translations": "title", "abstract_translations": "text"}
_TEXT_COLUMNS = (
    "volume",
    "issue",
    "first_page",
    "last_page",
    "publication_date",
    "source_id",
    "source_platform",
)


@dataclass
class RowOutcome:
    """The verdict on one row and what it would change."""

    number: int  # in the file, from 1
    import_type: str  # "new", "update", "skip" or "invalid"
    errors: dict[str, list[str]] = field(default_factory=dict)
    pk: int | None = None
    title: str = ""
    year: int | None = None
    changes: list[str] = field(default_factory=list)  # the columns an update changes

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass
class _Plan:
    outcome: RowOutcome
    row: dict
    values: dict
    before: dict | None  # the snapshot of a publication being updated
    fingerprint: str
    translations: dict = field(default_factory=dict)
    raw_record: tuple | None = None  # (the record read from the cell, the cell's JSON text)


@dataclass
class _Preview:
    """A dry run's verdicts, kept for the confirmation that follows it."""

    version: str  # the archive's content version when the dry run began to read it
    today: datetime.date
    plans: list[_Plan]
    totals: Counter


# The last preview of this process (one at a time: its plans hold every row of the file).
_previews: dict[tuple, _Preview] = {}


def row_fingerprint(row) -> str:
    payload = json.dumps(
        [row.get(column, "") for column in canonical.PUBLICATION_COLUMNS], default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def matching_key(row) -> str:
    doi = normalize_doi(row.get("doi"))
    if doi:
        return f"doi:{doi}"
    authors = canonical.split_list(row.get("authors"))
    return "title:" + "|".join(
        [
            names.match_key(clean_text(row.get("title"))),
            str(row.get("publication_date") or "")[:4],
            names.match_key(authors[0]) if authors else "",
        ]
    )


def _restored(row: dict) -> dict:
    """The row with the cells a spreadsheet export neutralised ("'=…") read back."""
    return {k: restore(v) if type(v) is str and v[:1] == "'" else v for k, v in row.items()}


_AS_GIVEN = object()
# Cells whose reading by their widget is known: yes, no and nothing.
_PLAIN_CELLS = {
    **{(widgets.BooleanWidget, value): True for value in ("true", "True", "TRUE", "1")},
    **{(widgets.BooleanWidget, value): False for value in ("false", "False", "FALSE", "0")},
    **{(widgets.BooleanWidget, value): None for value in ("", None)},
    **{(widgets.IntegerWidget, value): None for value in ("", None)},
    **{(widgets.DateWidget, value): None for value in ("", None)},
}
_DIGITS = re.compile(r"[0-9]{1,9}")


def _text_default(reader):
    """For a column read as plain text, what an empty cell becomes (_AS_GIVEN: the cell as it
    is); None for other columns, whose widget reads each cell."""
    widget = reader.widget
    if type(widget) is widgets.CharWidget and widget.allow_blank:
        return "" if reader.default is NOT_PROVIDED else reader.default
    if type(widget) is widgets.Widget and reader.default is NOT_PROVIDED:
        return _AS_GIVEN
    return None


def _plain(title: str) -> str:
    """As Publication.plain_title, without the HTML parser for titles that have no markup."""
    if "<" in title or "&" in title:
        return html.unescape(strip_tags(title))
    return title


def _parse_ids(cell) -> list[tuple[str, str]]:
    pairs = []
    for item in canonical.split_list(cell):
        scheme, _, value = item.partition(":")
        if scheme and value:
            pairs.append((scheme.strip().lower(), value.strip()))
    return pairs


def _serialisable(snapshot: dict) -> dict:
    return json.loads(
        json.dumps(snapshot, default=lambda v: sorted(v) if isinstance(v, set) else str(v))
    )


def _first_authors(publication_ids: list[int]) -> dict[int, str]:
    """The first author's printed name of each publication (for matching rows without a DOI)."""
    found = {}
    for part in chunked(publication_ids):
        found.update(
            Authorship.objects.filter(publication_id__in=part, role=Authorship.Role.AUTHOR)
            .order_by("publication_id", "-position")
            .values_list("publication_id", "name_as_printed")
        )
    return found


class PublicationImport:
    """One import of canonical rows, fed a chunk at a time; `finish()` closes it."""

    def __init__(self, *, publish: bool, format_name: str, batch, columns: dict, dry_run=False):
        """`columns`: the django-import-export fields that read the cells of model fields."""
        status = new_record_status(publish)
        self.status = status
        self.batch = batch
        self.dry_run = dry_run
        self.columns = columns
        self.journals = JournalIndex(status=status, batch=batch)
        self.people = PersonIndex(status=status, batch=batch)
        self.metrics = MetricLedger(batch=batch)
        self.slugs = SlugAllocator(Publication)
        self.keywords: dict[str, int] = {}
        self.seen_keys: dict[str, int] = {}
        self.seen_sources: set[str] = set()
        self._rankings_seen: set[tuple] = set()
        self._journal_ids: dict[tuple, int | None] = {}
        self.today = timezone.localdate()
        # The archive's own tables state every value, so an empty cell clears it; other sources
        # only add to what the archive knows.
        self.authoritative = format_name in AUTHORITATIVE_FORMATS
        self.failed = False
        self.totals: Counter = Counter()
        self._dry_plans: list[_Plan] = []
        self._writer = RowWriter(Publication)
        self._readers = [
            (
                column,
                reader,
                _text_default(reader),
                type(reader.widget) if reader.default is NOT_PROVIDED else None,
            )
            for column, reader in columns.items()
        ]
        self._defaults = {
            f.attname: f.get_default()
            for f in Publication._meta.concrete_fields
            if f.attname in SNAPSHOT_FIELDS
        }

    # --- a chunk ---------------------------------------------------------------------------

    def import_rows(
        self,
        rows: list[dict],
        *,
        numbers: list[int] | None = None,
        fingerprints: list[str] | None = None,
    ) -> list[RowOutcome]:
        """Import a chunk of rows (numbered in the file from 1 unless `numbers` says; with the
        fingerprints of their source records where the format gives them)."""
        rows = [_restored(row) for row in rows]
        for row in rows:
            row["doi"] = normalize_doi(row.get("doi"))  # once: matching asks for it often
        numbers = numbers or list(range(1, len(rows) + 1))
        self.source_fingerprints = fingerprints or [""] * len(rows)
        self._preload(rows)
        plans = []
        for index, row in enumerate(rows):
            plan = self._plan(index, row, numbers[index])
            plans.append(plan)
            self.totals[plan.outcome.import_type] += 1
            if plan.outcome.import_type == "invalid":
                self.failed = True
        if not self.failed and not self.dry_run:
            self._write([p for p in plans if p.outcome.import_type in ("new", "update")])
        if self.dry_run:
            self._dry_plans.extend(plans)
        return [plan.outcome for plan in plans]

    def keep_for_confirmation(self, key: tuple, *, version: str) -> None:
        """Keep this dry run's verdicts under `key` (the file, the format and the choice of
        status), read at content `version`, for `import_previewed`."""
        _previews.clear()
        if self.dry_run and not self.failed:
            _previews[key] = _Preview(version, self.today, self._dry_plans, Counter(self.totals))

    def import_previewed(self, key: tuple, *, version: str) -> list[RowOutcome] | None:
        """Write what the preview kept under `key` found, without matching and checking every
        row again, when the archive is still at the content `version` the preview read (no
        write to it was committed since, so every match and verdict still holds); None when
        there is no such preview, and the rows must be imported with `import_rows`.

        The dry run's journals were rolled back with it, so the rows' journals are resolved
        again (a few hundred look-ups, creating those journals for good)."""
        kept = _previews.pop(key, None)
        if kept is None or kept.version != version or kept.today != self.today:
            return None
        writing = [p for p in kept.plans if p.outcome.import_type in ("new", "update")]
        for plan in writing:
            errors = defaultdict(list)
            before = plan.before["fields"] if plan.before is not None else None
            self._journal(
                plan.values, plan.row, before, plan.translations["journal_metrics"], errors
            )
            if errors:  # cannot happen on an unchanged archive; reported rather than assumed
                plan.outcome.import_type, plan.outcome.errors = "invalid", dict(errors)
                self.failed = True
        self.totals = Counter(plan.outcome.import_type for plan in kept.plans)
        if not self.failed:
            self._write(writing)
        return [plan.outcome for plan in kept.plans]

    def settle_unchanged(self, fingerprints: list[str], numbers: list[int]) -> set[int]:
        """Which of these source records (by index) are exactly what a publication was last
        imported from: they are counted unchanged without being converted to rows. Their
        publications' keys are noted, so a later row repeating one is still reported. A record
        whose fingerprint comes twice in the file is left to the rows, which report it."""
        counts = Counter(fingerprints)
        wanted = {f for f in fingerprints if f and counts[f] == 1 and f not in self.seen_sources}
        found: dict[str, tuple] = {}
        for part in chunked(wanted):
            for fingerprint, *light in select_where_in(
                Publication,
                ["import_fingerprint", "id", "doi", "title", "year"],
                "import_fingerprint",
                part,
            ):
                found.setdefault(fingerprint, light)
        first_authors = _first_authors([pk for pk, doi, *_ in found.values() if not doi])
        settled = set()
        for index, (fingerprint, number) in enumerate(zip(fingerprints, numbers, strict=True)):
            if fingerprint in found:
                pk, doi, title, year = found[fingerprint]
                first_author = first_authors.get(pk, "")
                key = (
                    f"doi:{doi}"
                    if doi
                    else "title:"
                    + "|".join(
                        [
                            names.match_key(clean_text(title)),
                            str(year or ""),
                            names.match_key(first_author) if first_author else "",
                        ]
                    )
                )
                if key not in self.seen_keys:  # else the rows report the repetition
                    self.seen_keys[key] = number
                    self.totals["skip"] += 1
                    settled.add(index)
            self.seen_sources.add(fingerprint)
        return settled

    def finish(self) -> None:
        if self.failed or self.dry_run:
            return
        self.metrics.flush()
        batch = self.batch
        if batch is not None:
            batch.new_count += self.totals["new"]
            batch.updated_count += self.totals["update"]
            batch.unchanged_count += self.totals["skip"]
            batch.finished_at = timezone.now()
            batch.save(
                update_fields=["new_count", "updated_count", "unchanged_count", "finished_at"]
            )

    # --- what the chunk may match ----------------------------------------------------------

    def _preload(self, rows: list[dict]) -> None:
        dois, source_ids, titles = set(), set(), set()
        for row in rows:
            doi = row["doi"]
            if doi:
                dois.add(doi)
            if row.get("source_id"):
                source_ids.add(clean_text(row["source_id"]))
            if not doi:
                titles.add(clean_title(row.get("title")))
        light: dict[int, Publication] = {}
        for lookup, values in (
            ("doi__in", dois),
            ("source_id__in", source_ids),
            ("title__in", titles),
        ):
            for part in chunked(values):
                # The exclusion lets the database use the partial unique index on the column.
                column = lookup.split("__", 1)[0]
                found = (
                    Publication.objects.filter(**{lookup: part}).exclude(**{column: ""}).order_by()
                )
                for publication in found.only(*_LIGHT):
                    light.setdefault(publication.pk, publication)
        self._index(
            light.values(),
            first_authors=_first_authors([p.pk for p in light.values() if not p.doi]),
        )
        self.source_owners = {
            (p.source_platform, p.source_id): p for p in light.values() if p.source_id
        }
        self.fast_skips: dict[int, Publication] = {}
        self.fingerprints: dict[int, str] = {}
        to_load = set()
        for index, row in enumerate(rows):
            match = self._match(row)
            if match is None:
                continue
            stored = match.import_fingerprint
            if stored and stored == self.source_fingerprints[index]:
                self.fast_skips[index] = match
                continue
            fingerprint = self.fingerprints[index] = row_fingerprint(row)
            if stored and stored == fingerprint:
                self.fast_skips[index] = match
            else:
                to_load.add(match.pk)
        full = {}
        for part in chunked(to_load):
            full.update(Publication.objects.in_bulk(part))
        self.snapshots = publication_snapshots(list(full.values()))
        self._index(
            full.values(),
            first_authors={
                pk: (s["authors"][0]["name"] if s["authors"] else "")
                for pk, s in self.snapshots.items()
            },
        )
        keys = set()
        for index, row in enumerate(rows):
            if index not in self.fast_skips:
                keys.update(names.match_key(n) for n in canonical.split_list(row.get("authors")))
        self.people.load(keys)

    def _index(self, publications, *, first_authors: dict[int, str]) -> None:
        publications = list(publications)
        self.by_doi = {p.doi: p for p in publications if p.doi}
        self.by_source = {(p.source_platform, p.source_id): p for p in publications if p.source_id}
        self.by_title = defaultdict(list)
        for publication in publications:
            self.by_title[(publication.title, publication.year)].append(publication)
        self.first_authors = first_authors

    def _match(self, row) -> Publication | None:
        doi = row["doi"]
        if doi and doi in self.by_doi:
            return self.by_doi[doi]
        source = (clean_text(row.get("source_platform")), clean_text(row.get("source_id")))
        if source[1] and source in self.by_source:
            return self.by_source[source]
        if doi:
            return None
        year = str(row.get("publication_date") or "")[:4]
        authors = canonical.split_list(row.get("authors"))
        first_author = names.match_key(authors[0]) if authors else ""
        for candidate in self.by_title.get(
            (clean_title(row.get("title")), int(year) if year.isdecimal() else None), []
        ):
            if names.match_key(self.first_authors.get(candidate.pk, "")) == first_author:
                return candidate
        return None

    # --- one row ---------------------------------------------------------------------------

    def _plan(self, index: int, row: dict, number: int) -> _Plan:
        outcome = RowOutcome(number=number, import_type="invalid")
        plan = _Plan(outcome, row, {}, None, "")
        key = matching_key(row)
        first = self.seen_keys.setdefault(key, number)
        if first == number and index in self.fast_skips:
            unchanged = self.fast_skips[index]
            outcome.import_type, outcome.pk = "skip", unchanged.pk
            outcome.title, outcome.year = _plain(unchanged.title), unchanged.year
            return plan
        plan.fingerprint = (
            self.source_fingerprints[index] or self.fingerprints.get(index) or row_fingerprint(row)
        )
        row["title"] = clean_title(row.get("title"))
        if row.get("abstract") is not None:
            row["abstract"] = clean_abstract(row["abstract"])
        for column in _TEXT_COLUMNS:
            if row.get(column) is not None:
                row[column] = clean_text(row[column])
        outcome.title = _plain(row["title"])
        if first != number:
            if row["doi"]:
                repeated = _("This row repeats row %(row)s (same DOI); remove one of them.")
            else:
                repeated = _(
                    "This row repeats row %(row)s (same title, year and first author); remove "
                    "one of them."
                )
            outcome.errors = {"doi" if row["doi"] else "title": [repeated % {"row": first}]}
            return plan
        match = self._match(row)
        errors = defaultdict(list)
        before = self.snapshots[match.pk]["fields"] if match is not None else None
        values = dict(before) if before is not None else dict(self._defaults)
        for column, reader, default, kind in self._readers:
            if column not in row:
                continue
            if default is _AS_GIVEN:
                values[column] = row[column]
                continue
            if default is not None:
                # CharWidget and Field.clean(), for the common case of a text cell.
                value = row[column]
                if value is None or value == "":
                    values[column] = default
                    continue
                if type(value) is str:
                    values[column] = value
                    continue
            elif kind is not None:
                value = row[column]
                known = _PLAIN_CELLS.get((kind, value), _AS_GIVEN)
                if known is not _AS_GIVEN:
                    values[column] = known
                    continue
                if kind is widgets.IntegerWidget and _DIGITS.fullmatch(str(value)):
                    values[column] = int(value)  # what the widget's Decimal() makes of digits
                    continue
            try:
                values[column] = reader.clean(row)
            except ValueError as error:
                errors[column].append(str(error))
            except ArithmeticError:  # the widget's Decimal() of text that is no number
                errors[column].append(_("Enter a number."))
        if type(row.get("raw_record")) is str and values.get("raw_record") is not None:
            # Written as the text it came as, rather than serialised again.
            plan.raw_record = (values["raw_record"], row["raw_record"])
        if before is not None and not self.authoritative:
            self._keep_what_the_source_lacks(values, before)
        elif before is not None:
            self._keep_columns_not_given(values, row, before)
        for column, value in row.items():
            # What is still missing (a new record, or an empty spreadsheet cell) is empty text.
            if value is None and column in _MODEL_FIELDS and column != "journal":
                model_field = Publication._meta.get_field(column)
                if values.get(model_field.attname) is None and not model_field.null:
                    values[model_field.attname] = model_field.get_default()
        self._count_date(values, row, before)
        if not values["language"]:
            values["language"] = "und"
        source = (values["source_platform"], values["source_id"])
        owner = self.source_owners.get(source) if values["source_id"] else None
        if owner is not None and (match is None or owner.pk != match.pk):
            errors["source_id"].append(
                _("Another publication (%(other)s) already has this id at %(platform)s.")
                % {"other": owner, "platform": source[0]}
            )
        for column in ("title_translations", "abstract_translations", "journal_metrics"):
            try:
                loaded = canonical.load_json(row.get(column), column=column) or []
                text = _TRANSLATED.get(column)
                if text and not (
                    isinstance(loaded, list)
                    and all(
                        isinstance(item, dict) and "language" in item and text in item
                        for item in loaded
                    )
                ):
                    raise ValueError(
                        _("%(column)s must be a list of translations, e.g. %(example)s")
                        % {"column": column, "example": canonical.JSON_EXAMPLES[column]}
                    )
                plan.translations[column] = loaded
            except ValueError as error:
                plan.translations[column] = []
                errors[column].append(str(error))
        self._journal(values, row, before, plan.translations["journal_metrics"], errors)
        self._validate(values, errors)
        plan.values, plan.before = values, (self.snapshots[match.pk] if match else None)
        outcome.pk = match.pk if match is not None else None
        outcome.title = _plain(values["title"] or "")
        if errors:
            outcome.errors = dict(errors)
            return plan
        found = dates.bounds(values["publication_date"])
        values["date_sort"] = found.earliest
        values["year"] = outcome.year = found.earliest.year if found.earliest else None
        if match is None:
            outcome.import_type = "new"
            return plan
        outcome.changes = [
            name.removesuffix("_id") for name in COMPARED_FIELDS if values[name] != before[name]
        ] + self._relations_changed(plan.before, row, plan.translations)
        outcome.import_type = "update" if outcome.changes else "skip"
        return plan

    def _count_date(self, values: dict, row: dict, before: dict | None) -> None:
        if row.get("citation_count_date"):
            return
        counted = before["citation_count"] if before else None
        counted_on = before["citation_count_date"] if before else None
        if counted == values["citation_count"] and counted_on:
            values["citation_count_date"] = counted_on
        elif values["citation_count"] is not None:
            values["citation_count_date"] = self.today
        else:
            values["citation_count_date"] = None

    def _journal(self, values, row, before, metrics, errors) -> None:
        facts = tuple(
            row.get(column)
            for column in (
                "journal",
                "journal_issn_print",
                "journal_issn_electronic",
                "journal_ids",
            )
        )
        try:
            # A journal's rows repeat its facts; once resolved (and completed), they name it.
            values["journal_id"] = self._journal_ids[facts]
        except KeyError:
            try:
                values["journal_id"] = self._journal_ids[facts] = self.journals.resolve(
                    name=clean_text(facts[0]),
                    issn_print=clean_text(facts[1]),
                    issn_electronic=clean_text(facts[2]),
                    ids=_parse_ids(facts[3]),
                )
            except ValidationError as error:
                values["journal_id"] = None
                errors["journal"].extend(error.messages)
        journal_not_given = all(
            row.get(column) is None
            for column in (
                "journal",
                "journal_issn_print",
                "journal_issn_electronic",
                "journal_ids",
            )
        )
        if (
            values["journal_id"] is None
            and before is not None
            and (not self.authoritative or journal_not_given)
        ):
            values["journal_id"] = before["journal_id"]
        # Rows of one journal mostly repeat its rankings; each text is recorded once.
        seen = (values["journal_id"], row.get("journal_metrics"))
        if values["journal_id"] is not None and seen not in self._rankings_seen:
            try:
                self.metrics.record(values["journal_id"], metrics)
                self._rankings_seen.add(seen)
            except (ValueError, KeyError, TypeError) as error:
                errors["journal_metrics"].append(
                    _(
                        "A ranking could not be read (%(error)s); each needs at least a system "
                        "(jcr or cas)."
                    )
                    % {"error": error}
                )
        if not values["publication_type"]:
            values["publication_type"] = "journal-article" if values["journal_id"] else "other"

    def _validate(self, values: dict, errors: dict) -> None:
        """The checks of Publication.full_clean() (uniqueness aside: matching settled it)."""
        for model_field, passes in _CHECKS:
            if model_field.name in errors:
                continue
            value = values[model_field.attname]
            if model_field.blank and value in model_field.empty_values:
                continue
            if passes is not None and passes(value):
                continue
            try:
                values[model_field.attname] = model_field.clean(value, None)
            except ValidationError as error:
                errors[model_field.name].extend(error.messages)
        record = SimpleNamespace(**values)
        try:
            Publication.clean(record)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[name].extend(messages)
        values["doi"], values["title"] = record.doi, record.title

    def _keep_columns_not_given(self, values: dict, row: dict, before: dict) -> None:
        """A table without a column (None in the row) leaves that field as it was."""
        for column, value in row.items():
            if value is None and column in _MODEL_FIELDS and column != "journal":
                name = Publication._meta.get_field(column).attname
                values[name] = before[name]

    def _keep_what_the_source_lacks(self, values: dict, before: dict) -> None:
        """A bibliographic source that says less than the archive knows does not erase it:
        empty values keep what was there, and a date keeps its precision within the same year."""
        for name in COMPARED_FIELDS:
            if values.get(name) in ("", None) and before.get(name) not in ("", None):
                values[name] = before[name]
        old, new = before.get("publication_date") or "", values["publication_date"] or ""
        if old[:4] == new[:4] and len(new) < len(old):
            values["publication_date"] = old

    def _printed_authors(self, row) -> list[str]:
        """The authors the row names, as stored (computed once a row)."""
        if "_printed" not in row:
            row["_printed"] = [names.normalize(n) for n in canonical.split_list(row.get("authors"))]
        return row["_printed"]

    def _keeps_authors(self, snapshot: dict | None, row: dict, printed: list[str]) -> bool:
        return snapshot is not None and (
            row.get("authors") is None or (not printed and not self.authoritative)
        )

    def _relations_changed(self, snapshot: dict, row: dict, translations: dict) -> list[str]:
        changed = []
        printed = self._printed_authors(row)
        if not self._keeps_authors(snapshot, row, printed) and printed != [
            a["name"] for a in snapshot["authors"]
        ]:
            changed.append("authors")
        for column, known, text, clean in (
            ("title_translations", snapshot["titles"], "title", clean_title),
            ("abstract_translations", snapshot["abstracts"], "text", clean_abstract),
        ):
            for item in translations[column]:
                wanted = (clean(item[text]), bool(item.get("machine_translation")))
                if (known.get(item["language"]) or (None,))[1:] != wanted:
                    changed.append(column)
                    break
        if not set(canonical.split_list(row.get("keywords"))) <= snapshot["keywords"]:
            changed.append("keywords")
        return changed

    # --- writing a chunk -------------------------------------------------------------------

    def _write(self, plans: list[_Plan]) -> None:
        if not plans:
            return
        now = timezone.now()
        printed = {id(p): self._printed_authors(p.row) for p in plans}
        person_ids = self.people.ensure(name for names_ in printed.values() for name in names_)
        self.people.describe(
            entry["person"]
            for p in plans
            if p.before is not None
            for entry in (*p.before["authors"], *p.before["others"])
        )
        new = [p for p in plans if p.outcome.import_type == "new"]
        ids = allocate_ids(Publication, len(new))
        slugs = self.slugs.allocate([p.outcome.title for p in new])
        for plan, pk, slug in zip(new, ids, slugs, strict=True):
            plan.outcome.pk = pk
            plan.values.update(id=pk, slug=slug, status=self.status, created_at=now)
        stale_authors, authorships = [], []
        new_titles, changed_titles, new_abstracts, changed_abstracts = [], [], [], []
        keyword_links = []
        for plan in plans:
            pk, snapshot = plan.outcome.pk, plan.before
            known = snapshot or {
                "authors": [],
                "others": [],
                "titles": {},
                "abstracts": {},
                "keywords": set(),
            }
            authors = printed[id(plan)]
            written_authors = [(a["name"], a["person"]) for a in known["authors"]]
            if not self._keeps_authors(snapshot, plan.row, authors) and (
                [a["name"] for a in known["authors"]] != authors
            ):
                if snapshot is not None:
                    stale_authors.append(pk)
                written_authors = [(n, person_ids[names.match_key(n)]) for n in authors]
                authorships.extend(
                    {
                        "publication_id": pk,
                        "person_id": person_id,
                        "position": position,
                        "name_as_printed": name,
                        "role": Authorship.Role.AUTHOR,
                    }
                    for position, (name, person_id) in enumerate(written_authors, start=1)
                )
            titles = {lang: value for lang, (_, value, _) in known["titles"].items()}
            for item in plan.translations["title_translations"]:
                wanted = (clean_title(item["title"]), bool(item.get("machine_translation")))
                language = item["language"]
                titles[language] = wanted[0]
                found = known["titles"].get(language)
                if found is None:
                    new_titles.append(
                        {
                            "publication_id": pk,
                            "language": language,
                            "title": wanted[0],
                            "is_machine_translation": wanted[1],
                        }
                    )
                elif found[1:] != wanted:
                    changed_titles.append(
                        {"id": found[0], "title": wanted[0], "is_machine_translation": wanted[1]}
                    )
            abstracts = {lang: value for lang, (_, value, _) in known["abstracts"].items()}
            for item in plan.translations["abstract_translations"]:
                wanted = (clean_abstract(item["text"]), bool(item.get("machine_translation")))
                language = item["language"]
                abstracts[language] = wanted[0]
                found = known["abstracts"].get(language)
                if found is None:
                    new_abstracts.append(
                        {
                            "publication_id": pk,
                            "language": language,
                            "text": wanted[0],
                            "is_machine_translation": wanted[1],
                        }
                    )
                elif found[1:] != wanted:
                    changed_abstracts.append(
                        {"id": found[0], "text": wanted[0], "is_machine_translation": wanted[1]}
                    )
            for name in canonical.split_list(plan.row.get("keywords")):
                if name not in known["keywords"]:
                    keyword_links.append((pk, name))
            values = plan.values
            values.update(
                import_batch_id=self.batch.pk if self.batch is not None else None,
                imported_at=now,
                updated_at=now,
                import_fingerprint=plan.fingerprint,
            )
            people = self.people.names
            shown = [(n, *people[person_id]) for n, person_id in written_authors]
            shown += [(a["name"], *people[a["person"]]) for a in known["others"]]
            values["search_text"] = publication_search_text(
                title=values["title"],
                titles=[titles[lang] for lang in sorted(titles)],
                abstract=values["abstract"],
                abstracts=[abstracts[lang] for lang in sorted(abstracts)],
                authorships=shown,
                journal=self.journals.name_of(values["journal_id"]),
            )
        for plan in plans:
            if plan.raw_record is not None and plan.values["raw_record"] is plan.raw_record[0]:
                plan.values["raw_record"] = plan.raw_record[1]
        with indexed_once_written(Publication, ids):
            self._writer.insert([p.values for p in new])
        updated = [p for p in plans if p.outcome.import_type == "update"]
        for plan in updated:
            plan.values["id"] = plan.outcome.pk
        self._writer.update([p.values for p in updated], _WRITTEN_ON_UPDATE)
        for part in chunked(stale_authors):
            Authorship.objects.filter(publication_id__in=part, role=Authorship.Role.AUTHOR).delete()
        RowWriter(Authorship).insert(authorships, with_pk=False)
        titles_writer, abstracts_writer = (
            RowWriter(PublicationTitle),
            RowWriter(PublicationAbstract),
        )
        titles_writer.insert(new_titles, with_pk=False)
        titles_writer.update(changed_titles, ["title", "is_machine_translation"])
        abstracts_writer.insert(new_abstracts, with_pk=False)
        abstracts_writer.update(changed_abstracts, ["text", "is_machine_translation"])
        self._link_keywords(keyword_links)
        if self.batch is not None and updated:
            # New records point to their batch already; only what an update overwrote is kept.
            content_type = ContentType.objects.get_for_model(Publication)
            ImportChange.objects.bulk_create(
                [
                    ImportChange(
                        batch=self.batch,
                        content_type=content_type,
                        object_id=plan.outcome.pk,
                        action=ImportChange.Action.UPDATED,
                        before=_serialisable(plan.before),
                    )
                    for plan in updated
                ],
                batch_size=1000,
            )

    def _link_keywords(self, links: list[tuple[int, str]]) -> None:
        if not links:
            return
        known = self.keywords
        missing = {name for _, name in links} - known.keys()
        for part in chunked(missing):
            known.update(Keyword.objects.filter(name__in=part).values_list("name", "pk"))
        new = [Keyword(name=name) for name in missing - known.keys()]
        if new:
            Keyword.objects.bulk_create(new, ignore_conflicts=True)
            for part in chunked([k.name for k in new]):
                known.update(Keyword.objects.filter(name__in=part).values_list("name", "pk"))
        through = Publication.keywords.through
        through.objects.bulk_create(
            [through(publication_id=pk, keyword_id=known[name]) for pk, name in set(links)],
            ignore_conflicts=True,
            batch_size=1000,
        )


def describe_outcomes(outcomes: list[RowOutcome], rows: list[dict]) -> list[str]:
    """Each problem in the curator's words: `Row 3, column doi (value “10.x”): …`."""
    lines = []
    for outcome, row in zip(outcomes, rows, strict=True):
        for column, messages in outcome.errors.items():
            for message in messages:
                lines.append(
                    row_problem(
                        outcome.number, column=column, value=row.get(column), message=message
                    )
                )
    return lines
