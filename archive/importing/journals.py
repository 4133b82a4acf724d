"""Journals in the archive's own CSV: one row per journal, with its other names, its identifiers
in other systems and its rankings over time.

Journals match on either ISSN, then on an identifier (`booksci:46099`), then on the slug, then on
the name or a known other name (ignoring case, accents and spacing). The metrics cell holds the
journal's whole series of rankings: a ranking missing from it is removed.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from import_export import fields

from archive import names
from archive.identifiers import normalize_issn
from archive.importing import canonical
from archive.importing.cleaning import clean_text
from archive.importing.entities import EntityResource, json_items, listing, validate_item
from archive.models import Journal, JournalIdentifier, JournalMetric, JournalName
from archive.models.journals import format_decimal

JOURNAL_COLUMNS = [
    "slug",
    "name",
    "other_names",
    "issn_print",
    "issn_electronic",
    "publisher",
    "homepage",
    "identifiers",
    "metrics",
]
OTHER_NAMES_EXAMPLE = '[{"name": "Cold War Hist.", "kind": "abbreviation", "language": "en"}]'
METRICS_EXAMPLE = (
    '[{"system": "jcr", "year": 2023, "recorded_on": "2024-06-30", "impact_factor": "1.2", '
    '"quartile": "Q1", "category": "HISTORY", "source": "BookSci"}]'
)
METRIC_FIELDS = [
    "system",
    "year",
    "recorded_on",
    "impact_factor",
    "quartile",
    "zone",
    "category",
    "source",
]


def clean_issn(value) -> str:
    return normalize_issn(clean_text(value))


class JournalResource(EntityResource):
    """Rows of the journals CSV <-> journals with other names, identifiers and metrics."""

    other_names = fields.Field(column_name="other_names", readonly=True)
    identifiers = fields.Field(column_name="identifiers", readonly=True)
    metrics = fields.Field(column_name="metrics", readonly=True)

    required_columns = ("name",)
    relation_columns = ("other_names", "identifiers", "metrics")
    cleaners = {
        "name": clean_text,
        "issn_print": clean_issn,
        "issn_electronic": clean_issn,
        "publisher": clean_text,
        "homepage": clean_text,
    }
    batch_marks_updates = True

    class Meta:
        model = Journal
        fields = JOURNAL_COLUMNS
        import_order = JOURNAL_COLUMNS
        export_order = JOURNAL_COLUMNS

    # --- matching --------------------------------------------------------------------------

    def match(self, row):
        issns = {row.get("issn_print"), row.get("issn_electronic")} - {"", None}
        if issns:
            found = self._one(
                Journal.objects.filter(Q(issn_print__in=issns) | Q(issn_electronic__in=issns)),
                column="issn_print" if row.get("issn_print") else "issn_electronic",
                message=_(
                    "%(count)s journals in the archive have these ISSNs (%(slugs)s); correct the "
                    "row."
                ),
            )
            if found:
                return found
        pairs = _identifiers(row.get("identifiers", ""))
        if pairs:
            query = Q()
            for scheme, value in pairs:
                query |= Q(external_ids__scheme=scheme, external_ids__value=value)
            found = self._one(
                Journal.objects.filter(query),
                column="identifiers",
                message=_(
                    "%(count)s journals in the archive have these identifiers (%(slugs)s); "
                    "correct the row."
                ),
            )
            if found:
                return found
        if row.get("slug"):
            found = Journal.objects.filter(slug=row["slug"]).first()
            if found:
                return found
        key = names.match_key(row.get("name", ""))
        if not key:
            return None
        return self._one(
            Journal.objects.filter(Q(name_key=key) | Q(other_names__name_key=key)),
            column="name",
            message=_(
                "%(count)s journals in the archive have this name (%(slugs)s); add the slug, an "
                "ISSN or an identifier to say which."
            ),
        )

    def _one(self, queryset, *, column: str, message: str):
        """The one journal found, or None; `message` names the several found."""
        found = list(queryset.distinct().order_by("pk")[:6])
        if len(found) > 1:
            raise ValidationError(
                {column: message % {"count": len(found), "slugs": listing(j.slug for j in found)}}
            )
        return found[0] if found else None

    # other_names

    def read_other_names(self, cell, *, row, instance):
        other_names, errors = set(), []
        seen: set[str] = set()
        for number, item in enumerate(json_items(cell, example=OTHER_NAMES_EXAMPLE), start=1):
            other = JournalName(
                name=clean_text(item.get("name")),
                kind=clean_text(item.get("kind")) or JournalName.Kind.ALTERNATIVE,
                language=clean_text(item.get("language")),
            )
            errors += validate_item(other, exclude=["journal"], number=number, label=other.name)
            if other.name in seen:
                errors.append(
                    _("Item %(number)s: “%(reference)s” is listed twice.")
                    % {"number": number, "reference": other.name}
                )
            seen.add(other.name)
            other_names.add((other.name, other.kind, other.language))
        if errors:
            raise ValidationError(errors)
        return other_names

    def other_names_unchanged(self, journal, value):
        return {
            (clean_text(other.name), other.kind, clean_text(other.language))
            for other in journal.other_names.all()
        } == value

    def save_other_names(self, journal, value, *, row_number):
        current = {other.name: other for other in journal.other_names.all()}
        wanted = {name: (kind, language) for name, kind, language in value}
        journal.other_names.exclude(name__in=wanted).delete()
        for name, (kind, language) in wanted.items():
            other = current.get(name)
            if other is None:
                JournalName.objects.create(journal=journal, name=name, kind=kind, language=language)
            elif (other.kind, other.language) != (kind, language):
                other.kind, other.language = kind, language
                other.save(update_fields=["kind", "language"])

    # identifiers

    def read_identifiers(self, cell, *, row, instance):
        pairs, errors = set(), []
        for number, item in enumerate(canonical.split_list(cell), start=1):
            scheme, _colon, value = (part.strip() for part in item.partition(":"))
            if not (scheme and value):
                errors.append(
                    _("“%(item)s” is not scheme:value, e.g. booksci:46099.") % {"item": item}
                )
                continue
            identifier = JournalIdentifier(scheme=scheme.lower(), value=value)
            errors += validate_item(identifier, exclude=["journal"], number=number, label=item)
            pairs.add((identifier.scheme, identifier.value))
        held = Q()
        for scheme, value in pairs:
            held |= Q(scheme=scheme, value=value)
        if pairs:
            for other in JournalIdentifier.objects.filter(held).select_related("journal"):
                if other.journal_id != instance.pk:
                    errors.append(
                        _("“%(identifier)s” is already the identifier of %(journal)s.")
                        % {"identifier": other, "journal": other.journal}
                    )
        if errors:
            raise ValidationError(errors)
        return pairs

    def identifiers_unchanged(self, journal, value):
        return _identifier_pairs(journal) == value

    def save_identifiers(self, journal, value, *, row_number):
        current = {(i.scheme.lower(), i.value): i for i in journal.external_ids.all()}
        for pair, identifier in current.items():
            if pair not in value:
                identifier.delete()
        JournalIdentifier.objects.bulk_create(
            JournalIdentifier(journal=journal, scheme=scheme, value=value)
            for scheme, value in sorted(value - set(current))
        )

    # metrics

    def read_metrics(self, cell, *, row, instance):
        metrics, errors = {}, []
        for number, item in enumerate(json_items(cell, example=METRICS_EXAMPLE), start=1):
            try:
                metric = JournalMetric(**_metric_values(item))
            except ValueError as error:
                errors.append(
                    _("Item %(number)s: %(problem)s") % {"number": number, "problem": error}
                )
                continue
            label = f"{metric.system} {metric.category}".strip()
            errors += validate_item(metric, exclude=["journal"], number=number, label=label)
            key = (metric.system, metric.category, metric.recorded_on)
            if key in metrics:
                errors.append(
                    _("Item %(number)s: a second %(ranking)s ranking recorded on %(day)s.")
                    % {"number": number, "ranking": label, "day": metric.recorded_on}
                )
            metrics[key] = _metric_tuple(metric)
        if errors:
            raise ValidationError(errors)
        return metrics

    def metrics_unchanged(self, journal, value):
        return {
            (m.system, m.category, m.recorded_on): _metric_tuple(m) for m in journal.metrics.all()
        } == value

    def save_metrics(self, journal, value, *, row_number):
        current = {(m.system, m.category, m.recorded_on): m for m in journal.metrics.all()}
        for key, metric in current.items():
            if key not in value:
                metric.delete()
        for key, wanted in value.items():
            metric = current.get(key) or JournalMetric(journal=journal)
            if metric.pk and _metric_tuple(metric) == wanted:
                continue
            for name, field_value in zip(METRIC_FIELDS, wanted, strict=True):
                setattr(metric, name, field_value)
            metric.import_batch = self.batch
            metric.save()

    # --- export ----------------------------------------------------------------------------

    def with_relations(self, queryset):
        return queryset.prefetch_related(
            Prefetch("other_names", queryset=JournalName.objects.order_by("kind", "name", "pk")),
            Prefetch(
                "external_ids", queryset=JournalIdentifier.objects.order_by("scheme", "value")
            ),
            Prefetch(
                "metrics",
                queryset=JournalMetric.objects.order_by("system", "category", "recorded_on", "pk"),
            ),
        )

    def dehydrate_other_names(self, journal):
        return canonical.dump_json(
            [
                {"name": other.name, "kind": other.kind, "language": other.language}
                for other in journal.other_names.all()
            ]
        )

    def dehydrate_identifiers(self, journal):
        return canonical.join_list(f"{i.scheme}:{i.value}" for i in journal.external_ids.all())

    def dehydrate_metrics(self, journal):
        return canonical.dump_json([_metric_item(metric) for metric in journal.metrics.all()])


def _identifiers(cell) -> list[tuple[str, str]]:
    pairs = []
    for item in canonical.split_list(cell):
        scheme, _, value = (part.strip() for part in item.partition(":"))
        if scheme and value:
            pairs.append((scheme.lower(), value))
    return pairs


def _identifier_pairs(journal: Journal) -> set[tuple[str, str]]:
    return {(i.scheme.lower(), i.value) for i in journal.external_ids.all()}


def _metric_values(item: dict) -> dict:
    """A metrics item as JournalMetric field values; ValueError for what cannot be read."""
    unknown = sorted(set(item) - set(METRIC_FIELDS))
    if unknown:
        raise ValueError(
            _("unknown keys %(unknown)s; the keys are %(keys)s.")
            % {"unknown": ", ".join(unknown), "keys": ", ".join(METRIC_FIELDS)}
        )
    recorded_on = clean_text(item.get("recorded_on"))
    if not recorded_on:
        raise ValueError(
            _("recorded_on is missing: the day the ranking was recorded, e.g. 2024-06-30.")
        )
    try:
        recorded = datetime.date.fromisoformat(recorded_on)
    except ValueError as error:
        raise ValueError(
            _("recorded_on “%(value)s” is not a day such as 2024-06-30.") % {"value": recorded_on}
        ) from error
    return {
        "system": clean_text(item.get("system")),
        "year": _whole_number(item.get("year"), "year"),
        "recorded_on": recorded,
        "impact_factor": _decimal(item.get("impact_factor")),
        "quartile": clean_text(item.get("quartile")),
        "zone": _whole_number(item.get("zone"), "zone"),
        "category": clean_text(item.get("category")),
        "source": clean_text(item.get("source")),
    }


def _whole_number(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(
            _("%(key)s “%(value)s” is not a whole number.") % {"key": name, "value": value}
        )
    return int(text)


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(_not_a_number(value)) from error
    if not number.is_finite():
        raise ValueError(_not_a_number(value))
    return number


def _not_a_number(value) -> str:
    return _("impact_factor “%(value)s” is not a number.") % {"value": value}


def _metric_item(metric: JournalMetric) -> dict:
    impact = metric.impact_factor
    item = {
        "system": metric.system,
        "year": metric.year,
        "recorded_on": metric.recorded_on.isoformat(),
        "impact_factor": format_decimal(impact) if impact is not None else None,
        "quartile": metric.quartile,
        "zone": metric.zone,
        "category": metric.category,
        "source": metric.source,
    }
    return {key: value for key, value in item.items() if value not in (None, "")}


def _metric_tuple(metric: JournalMetric) -> tuple:
    return (
        metric.system,
        metric.year,
        metric.recorded_on,
        metric.impact_factor,
        clean_text(metric.quartile),
        metric.zone,
        clean_text(metric.category),
        clean_text(metric.source),
    )
