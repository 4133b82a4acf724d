"""Finding the journals and people that canonical rows speak of, or creating them, in bulk.

Journals match on ISSN, then on an identifier in another system, then on their name or a known
other name (case, accents and spacing ignored); people on their normalised name (archive.names).
An import loads what it needs once, in a few queries, and creates what is missing in bulk, so a
100,000-record file does not cost a query per row.
"""

import datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import names, slugs
from archive.identifiers import normalize_issn
from archive.importing.rows_sql import RowWriter, allocate_ids, select_where_in
from archive.models import (
    ImportChange,
    Journal,
    JournalIdentifier,
    JournalMetric,
    JournalName,
    Person,
    PersonName,
    Status,
)
from archive.search import person_search_text

QUERY_CHUNK = 500  # values per IN (...) list: well under SQLite's limit of bound parameters


def chunked(values, size: int = QUERY_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def new_record_status(publish: bool) -> str:
    return Status.PUBLISHED if publish else Status.DRAFT


def _shown(status: str, name, hidden):
    # A publication's search text holds a person's or journal's names only while it is published.
    return name if status == Status.PUBLISHED else hidden


class SlugAllocator:
    """Unique slugs for many new records of one model, with one query per batch of texts."""

    def __init__(self, model):
        self.model = model
        self.assigned: set[str] = set()

    def allocate(self, texts: list[str]) -> list[str]:
        bases = [slugs.base_slug(text) for text in texts]
        taken: set[str] = set()
        for part in chunked(set(bases)):
            taken.update(slug for (slug,) in select_where_in(self.model, ["slug"], "slug", part))
        allocated = []
        for base in bases:
            slug = base
            if base in taken or base in self.assigned:
                used = set(
                    self.model._default_manager.filter(slug__startswith=f"{base}-").values_list(
                        "slug", flat=True
                    )
                )
                counter = 2
                while f"{base}-{counter}" in used or f"{base}-{counter}" in self.assigned:
                    counter += 1
                slug = f"{base}-{counter}"
            self.assigned.add(slug)
            allocated.append(slug)
        return allocated


class JournalIndex:
    """Every journal, indexed by ISSN, identifier and name key; loaded on first use."""

    def __init__(self, *, status: str, batch=None):
        self.status = status
        self.batch = batch
        self.created_ids: list[int] = []
        # The name the search text of the journal's publications shows: blank for a draft.
        self.names: dict[int, str] = {}
        self._kept: set[int] = set()
        self._loaded = False
        self._slugs = SlugAllocator(Journal)
        self._writer = None

    def _load(self):
        self.by_issn: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_identifier: dict[tuple[str, str], int] = {}
        self.issns: dict[int, tuple[str, str]] = {}
        for pk, issn_print, issn_electronic, name_key, name, status in Journal.objects.order_by(
            "pk"
        ).values_list("pk", "issn_print", "issn_electronic", "name_key", "name", "status"):
            self.issns[pk] = (issn_print, issn_electronic)
            self.names[pk] = _shown(status, name, "")
            for issn in (issn_print, issn_electronic):
                if issn:
                    self.by_issn.setdefault(issn, pk)
            self.by_name.setdefault(name_key, pk)
        for journal_id, name_key in JournalName.objects.order_by("pk").values_list(
            "journal_id", "name_key"
        ):
            self.by_name.setdefault(name_key, journal_id)
        for journal_id, scheme, value in JournalIdentifier.objects.values_list(
            "journal_id", "scheme", "value"
        ):
            self.by_identifier[(scheme, value)] = journal_id
        self._loaded = True

    def resolve(
        self, *, name: str, issn_print: str, issn_electronic: str, ids: list[tuple[str, str]]
    ) -> int | None:
        """The id of the journal these facts name, created when missing; None with no facts."""
        if not self._loaded:
            self._load()
        issn_print, issn_electronic = normalize_issn(issn_print), normalize_issn(issn_electronic)
        issns = [issn for issn in (issn_print, issn_electronic) if issn]
        key = names.match_key(name)
        if not (key or issns or ids):
            return None
        journal_id = next((self.by_issn[i] for i in issns if i in self.by_issn), None)
        if journal_id is None:
            journal_id = next((self.by_identifier[i] for i in ids if i in self.by_identifier), None)
        if journal_id is None and key:
            journal_id = self.by_name.get(key)
        if journal_id is None and not (name or issns):
            raise ValidationError(
                _(
                    "No journal in the archive has the identifier %(identifiers)s, and the row "
                    "gives no journal name or ISSN to add it with."
                )
                % {"identifiers": ", ".join(f"{scheme}:{value}" for scheme, value in ids)}
            )
        if journal_id is None:
            journal = Journal(
                name=name or issns[0],
                issn_print=issn_print,
                issn_electronic=issn_electronic,
                status=self.status,
                import_batch=self.batch,
            )
            # The batch was made by this import: checking that it exists costs a query each.
            journal.full_clean(
                exclude=["slug", "import_batch"], validate_unique=False, validate_constraints=False
            )
            journal.derive_fields()
            journal.slug = self._slugs.allocate([journal.name])[0]
            journal.search_text = journal.build_search_text()
            journal.pk = allocate_ids(Journal, 1)[0]
            if self._writer is None:
                self._writer = RowWriter(Journal)
            self._writer.insert(
                [{f.attname: getattr(journal, f.attname) for f in self._writer.fields}]
            )
            journal_id = journal.pk
            self.created_ids.append(journal_id)
            self.names[journal_id] = _shown(self.status, journal.name, "")
            self.issns[journal_id] = (issn_print, issn_electronic)
        else:
            self._add_missing_issns(journal_id, issn_print, issn_electronic)
        for issn in issns:
            self.by_issn.setdefault(issn, journal_id)
        if key:
            self.by_name.setdefault(key, journal_id)
        new_ids = [pair for pair in ids if pair not in self.by_identifier]
        if new_ids:
            self._keep_before(journal_id)
            JournalIdentifier.objects.bulk_create(
                [JournalIdentifier(journal_id=journal_id, scheme=s, value=v) for s, v in new_ids],
                ignore_conflicts=True,
            )
            for pair in new_ids:
                self.by_identifier[pair] = journal_id
        return journal_id

    def name_of(self, journal_id: int | None) -> str:
        if journal_id is None:
            return ""
        if journal_id not in self.names:
            for pk, name, status in Journal.objects.filter(pk=journal_id).values_list(
                "pk", "name", "status"
            ):
                self.names[pk] = _shown(status, name, "")
        return self.names[journal_id]

    def _keep_before(self, journal_id: int) -> None:
        """Record what a journal already in the archive was, before the import adds to it."""
        if self.batch is None or journal_id in self.created_ids or journal_id in self._kept:
            return
        from archive.importing.undo import record_snapshots  # undo reads this module's helpers

        self._kept.add(journal_id)
        ImportChange.objects.create(
            batch=self.batch,
            content_type=ContentType.objects.get_for_model(Journal),
            object_id=journal_id,
            action=ImportChange.Action.UPDATED,
            before=record_snapshots(Journal, [journal_id])[journal_id],
        )

    def _add_missing_issns(self, journal_id: int, issn_print: str, issn_electronic: str) -> None:
        known_print, known_electronic = self.issns.get(journal_id, ("", ""))
        changes = {}
        if issn_print and not known_print and issn_print not in self.by_issn:
            changes["issn_print"] = issn_print
        if issn_electronic and not known_electronic and issn_electronic not in self.by_issn:
            changes["issn_electronic"] = issn_electronic
        if changes:
            self._keep_before(journal_id)
            journal = Journal.objects.prefetch_related("other_names").get(pk=journal_id)
            for name, value in changes.items():
                setattr(journal, name, value)
            Journal.objects.filter(pk=journal_id).update(
                **changes, search_text=journal.build_search_text(), updated_at=timezone.now()
            )
            self.issns[journal_id] = (
                changes.get("issn_print", known_print),
                changes.get("issn_electronic", known_electronic),
            )


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise ValueError(
            _("impact factor “%(value)s” is not a number") % {"value": value}
        ) from error


def _whole_number(metric: dict, key: str) -> int | None:
    value = metric.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(
            _("%(key)s “%(value)s” is not a whole number") % {"key": key, "value": value}
        ) from None


def _day(value) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(
            _("recorded_on “%(value)s” is not a day such as 2024-06-30") % {"value": value}
        ) from None


class MetricLedger:
    """Journal rankings. A ranking dated by its source (an exported series carries
    `recorded_on`) is matched to the ranking of that day; an undated one is compared with the
    latest of its kind and written, dated today, only when it differs."""

    def __init__(self, *, batch=None):
        self.batch = batch
        self.latest: dict[tuple, tuple] | None = None
        self.by_day: dict[tuple, tuple] = {}
        self.pending: dict[tuple, JournalMetric] = {}

    def _load(self):
        self.latest = {}
        rows = JournalMetric.objects.order_by("recorded_on", "pk").values_list(
            "journal_id",
            "system",
            "category",
            "recorded_on",
            "impact_factor",
            "quartile",
            "zone",
            "year",
        )
        for journal_id, system, category, recorded_on, *values in rows:
            self.latest[(journal_id, system, category)] = tuple(values)
            self.by_day[(journal_id, system, category, recorded_on)] = tuple(values)

    def record(self, journal_id: int, metrics: list[dict]) -> None:
        if self.latest is None:
            self._load()
        for metric in metrics:
            key = (journal_id, metric["system"], metric.get("category", "") or "")
            values = (
                _decimal(metric.get("impact_factor")),
                metric.get("quartile", "") or "",
                _whole_number(metric, "zone"),
                _whole_number(metric, "year"),
            )
            dated = metric.get("recorded_on")
            if dated:
                recorded_on = _day(dated)
                if self.by_day.get((*key, recorded_on)) == values:
                    continue
            else:
                if self.latest.get(key) == values:
                    continue
                recorded_on = timezone.localdate()
            self.by_day[(*key, recorded_on)] = values
            if self.latest.get(key) is None or not dated:
                self.latest[key] = values
            self.pending[(*key, recorded_on)] = JournalMetric(
                journal_id=journal_id,
                system=key[1],
                category=key[2],
                impact_factor=values[0],
                quartile=values[1],
                zone=values[2],
                year=values[3],
                recorded_on=recorded_on,
                source=metric.get("source", "") or "",
                import_batch=self.batch,
            )

    def flush(self) -> None:
        """Write the pending rankings; one recorded the same day for the same kind is replaced."""
        if not self.pending:
            return
        metrics = list(self.pending.values())
        self.pending.clear()
        for metric in metrics:
            metric.full_clean(
                exclude=["journal", "import_batch"],  # this import's: no query to find it
                validate_unique=False,
                validate_constraints=False,
            )
        same_day = {
            (m.journal_id, m.system, m.category, m.recorded_on): m.pk
            for m in JournalMetric.objects.filter(
                journal_id__in={m.journal_id for m in metrics},
                recorded_on__in={m.recorded_on for m in metrics},
            )
        }
        for metric in metrics:
            metric.pk = same_day.get(
                (metric.journal_id, metric.system, metric.category, metric.recorded_on)
            )
        updates = [m for m in metrics if m.pk]
        if updates:
            JournalMetric.objects.bulk_update(
                updates, ["impact_factor", "quartile", "zone", "year", "source", "import_batch"]
            )
        JournalMetric.objects.bulk_create([m for m in metrics if not m.pk])


class PersonIndex:
    """People by the key of any of their names; new people are created in bulk.

    It also knows, for the people it has met, their name and its variants, which a
    publication's search text shows (nothing of a draft)."""

    def __init__(self, *, status: str, batch=None):
        self.status = status
        self.batch = batch
        self.by_key: dict[str, int] = {}
        self.looked_up: set[str] = set()
        self.names: dict[int, tuple[str, list[str]]] = {}
        self._slugs = SlugAllocator(Person)
        self._writer = None

    def load(self, keys) -> None:
        missing = set(keys) - self.looked_up
        if not missing:
            return
        self.looked_up |= missing
        found: dict[str, int] = {}
        for part in chunked(missing):
            rows = select_where_in(Person, ["name_key", "id"], "name_key", part)
            for key, pk in sorted(rows, key=lambda row: row[1], reverse=True):
                found[key] = pk  # the oldest person with the name wins
        for part in chunked(missing - found.keys()):
            rows = select_where_in(PersonName, ["name_key", "person"], "name_key", part)
            for key, pk in sorted(rows, key=lambda row: row[1], reverse=True):
                found[key] = pk
        self.by_key.update(found)
        self.describe(found.values())

    def describe(self, person_ids) -> None:
        """Load the names of these people, for the search text of their publications."""
        missing = set(person_ids) - self.names.keys()
        for part in chunked(missing):
            variants: dict[int, list[str]] = {pk: [] for pk in part}
            for person_id, name in (
                PersonName.objects.filter(person_id__in=part)
                .order_by("person_id", "kind", "name")
                .values_list("person_id", "name")
            ):
                variants[person_id].append(name)
            for pk, display_name, status in Person.objects.filter(pk__in=part).values_list(
                "pk", "display_name", "status"
            ):
                self.names[pk] = _shown(status, (display_name, variants[pk]), ("", []))

    def ensure(self, printed_names) -> dict[str, int]:
        """Person ids for the printed names, keyed by name key; creates the missing people."""
        last_printed = {names.match_key(name): name for name in printed_names}
        # A name is printed on many publications: each person's is put in order once.
        wanted = {key: names.natural_order(name) for key, name in last_printed.items()}
        wanted.pop("", None)
        self.load(wanted)
        new_people = []
        for key, name in wanted.items():
            if key not in self.by_key:
                # The fields a new person has, derived by the model's own derive_fields() (a
                # namespace stands in for the instance: thousands of them cost seconds).
                person = SimpleNamespace(
                    display_name=name, family_name="", given_names="", birth_date="", death_date=""
                )
                Person.derive_fields(person)
                new_people.append(vars(person))
        if new_people:
            self._create(new_people)
        return {key: self.by_key[key] for key in wanted}

    def _create(self, people: list[dict]) -> None:
        if self._writer is None:
            self._writer = RowWriter(Person)
        slugs_ = self._slugs.allocate([p["display_name"] for p in people])
        ids = allocate_ids(Person, len(people))
        for person, slug, pk in zip(people, slugs_, ids, strict=True):
            person.update(
                id=pk,
                slug=slug,
                status=self.status,
                import_batch_id=self.batch.pk if self.batch is not None else None,
                search_text=person_search_text(person["display_name"], []),
            )
            self.by_key[person["name_key"]] = pk
            self.names[pk] = _shown(self.status, (person["display_name"], []), ("", []))
        self._writer.insert(people)
