"""Finding the journal and the people a canonical row speaks of, or creating them.

Journals match on ISSN, then on an external id, then on their name or a known other name;
people on their normalised name (see archive.names). Lookups are cached for one import.
"""

from decimal import Decimal

from django.utils import timezone

from archive import names
from archive.identifiers import normalize_issn
from archive.models import (
    Journal,
    JournalIdentifier,
    JournalMetric,
    JournalName,
    Person,
    Status,
)


def journal_key(name: str) -> str:
    return names.match_key(name)


class JournalMatcher:
    def __init__(self, *, status: str, batch=None):
        self.status = status
        self.batch = batch
        self._cache: dict[tuple, Journal] = {}

    def _find(self, name, issns, ids) -> Journal | None:
        for issn in issns:
            found = (
                Journal.objects.filter(issn_print=issn).first()
                or Journal.objects.filter(issn_electronic=issn).first()
            )
            if found:
                return found
        for scheme, value in ids:
            link = (
                JournalIdentifier.objects.select_related("journal")
                .filter(scheme=scheme, value=value)
                .first()
            )
            if link:
                return link.journal
        if not name:
            return None
        found = Journal.objects.filter(name__iexact=name).order_by("pk").first()
        if found:
            return found
        other = JournalName.objects.select_related("journal").filter(name__iexact=name).first()
        return other.journal if other else None

    def resolve(self, *, name: str, issn_print: str, issn_electronic: str, ids: list[tuple]):
        """The journal for these facts, created when the archive has none; None with no facts."""
        issns = [normalize_issn(v) for v in (issn_print, issn_electronic) if v]
        if not (name or issns or ids):
            return None
        cache_key = (journal_key(name), tuple(issns), tuple(ids))
        if cache_key in self._cache:
            return self._cache[cache_key]
        journal = self._find(name, issns, ids)
        if journal is None:
            journal = Journal(
                name=name or issns[0],
                issn_print=normalize_issn(issn_print),
                issn_electronic=normalize_issn(issn_electronic),
                status=self.status,
                import_batch=self.batch,
            )
            journal.full_clean()
            journal.save()
        else:
            changed = False
            if issn_print and not journal.issn_print:
                journal.issn_print, changed = normalize_issn(issn_print), True
            if issn_electronic and not journal.issn_electronic:
                journal.issn_electronic, changed = normalize_issn(issn_electronic), True
            if changed:
                journal.full_clean()
                journal.save()
        for scheme, value in ids:
            JournalIdentifier.objects.get_or_create(
                scheme=scheme, value=value, defaults={"journal": journal}
            )
        self._cache[cache_key] = journal
        return journal

    def record_metrics(self, journal: Journal, metrics: list[dict]) -> None:
        """Add rankings unless the latest one of the same system and category already says so."""
        today = timezone.localdate()
        for metric in metrics:
            values = {
                "impact_factor": metric.get("impact_factor") or None,
                "quartile": metric.get("quartile", ""),
                "zone": int(metric["zone"]) if metric.get("zone") else None,
                "year": int(metric["year"]) if metric.get("year") else None,
            }
            latest = (
                JournalMetric.objects.filter(
                    journal=journal, system=metric["system"], category=metric.get("category", "")
                )
                .order_by("-recorded_on", "-id")
                .first()
            )
            if latest and _same_metric(latest, values):
                continue
            recorded_on = metric.get("recorded_on") or today
            JournalMetric.objects.update_or_create(
                journal=journal,
                system=metric["system"],
                category=metric.get("category", ""),
                recorded_on=recorded_on,
                defaults={**values, "source": metric.get("source", ""), "import_batch": self.batch},
            )


def _same_metric(existing: JournalMetric, values: dict) -> bool:
    impact = values["impact_factor"]
    return (
        (existing.impact_factor is None and impact is None)
        or (
            existing.impact_factor is not None
            and impact is not None
            and existing.impact_factor == Decimal(str(impact))
        )
    ) and (
        existing.quartile == values["quartile"]
        and existing.zone == values["zone"]
        and existing.year == values["year"]
    )


class PersonMatcher:
    def __init__(self, *, status: str, batch=None):
        self.status = status
        self.batch = batch
        self._cache: dict[str, Person] = {}

    def resolve(self, printed_name: str) -> Person:
        key = names.match_key(printed_name)
        if key in self._cache:
            return self._cache[key]
        person = (
            Person.objects.filter(name_key=key).order_by("pk").first()
            or Person.objects.filter(names__name_key=key).order_by("pk").first()
        )
        if person is None:
            person = Person(
                display_name=names.normalize(printed_name),
                status=self.status,
                import_batch=self.batch,
            )
            person.full_clean()
            person.save()
        self._cache[key] = person
        return person


def new_record_status(publish: bool) -> str:
    return Status.PUBLISHED if publish else Status.DRAFT
