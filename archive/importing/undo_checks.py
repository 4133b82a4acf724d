"""Why an import cannot be undone: one readable reason per record, naming it.

An undo changes nothing that was edited after the import. It is refused when
- the import was already undone, or never finished;
- a record the import created or updated has been edited since it finished (`updated_at`, with a
  small tolerance), or changed by a later import that has not been undone;
- a record the import created is linked to a record from outside the import by a link the import
  cannot have made (a person it created since named as the author of another work, a journal it
  created since holding the publications of another import, ...);
- a link the undo would remove leads to a record from outside the import that was edited since:
  that edit may be what made the link (a curator adding, on a publication's page, an event the
  import created);
- what a record is to be put back to refers to records since deleted, a record it updated has
  since been deleted, or it changed a record (or overwrote a ranking) without keeping what it was.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from archive.importing.matching import chunked
from archive.importing.undo import RECORD_MODELS, BatchRecords, batch_records
from archive.models import (
    Authorship,
    Event,
    EventParticipation,
    ImportBatch,
    ImportChange,
    Journal,
    JournalMetric,
    Person,
    Publication,
    PublicationEvent,
    PublicationSubject,
)

# The import's own writes are all before `finished_at`; this only absorbs clock jitter.
TOLERANCE = datetime.timedelta(seconds=2)
SHOWN = 10  # reasons of one kind listed before "…and N more"
_NAME_FIELDS = {Publication: "title", Person: "display_name", Event: "title", Journal: "name"}


def undo_blockers(batch: ImportBatch, records: BatchRecords | None = None) -> list[str]:
    """Why the batch cannot be undone, one line per record (capped per kind); [] when it can."""
    if batch.status == ImportBatch.Status.UNDONE:
        by = f" ({batch.undone_by})" if batch.undone_by else ""
        when = _when(batch.undone_at) if batch.undone_at else "?"
        return [_("This import was already undone, on %(when)s%(by)s.") % {"when": when, "by": by}]
    if batch.finished_at is None:
        return [_("This import never finished, so what it wrote is not known.")]
    checks = _Checks(batch, records or batch_records(batch))
    checks.later_imports()
    checks.edits()
    checks.snapshots()
    checks.untracked()
    checks.overwritten_rankings()
    checks.links_from_outside()
    checks.links_to_edited_records()
    return checks.messages()


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _label(record) -> str:
    return f"{record._meta.verbose_name} “{record}” (#{record.pk})"


def _batch_label(batch: ImportBatch) -> str:
    return _("the import of “%(file)s” (#%(pk)s, %(when)s)") % {
        "file": batch.file_name,
        "pk": batch.pk,
        "when": _when(batch.created_at),
    }


class _Checks:
    def __init__(self, batch: ImportBatch, records: BatchRecords):
        self.batch = batch
        self.records = records
        self.limit = batch.finished_at + TOLERANCE
        self.kinds: dict[str, list[str]] = {}
        self.seen: set = set()
        # (record model, pk, other model, other pk) of links an undo of an update would remove.
        self.removed_links: list[tuple] = []
        self._later: list[ImportBatch] | None = None

    def add(self, kind: str, key, text: str) -> None:
        if key not in self.seen:
            self.seen.add(key)
            self.kinds.setdefault(kind, []).append(text)

    def messages(self) -> list[str]:
        lines = []
        for texts in self.kinds.values():
            lines += texts[:SHOWN]
            if len(texts) > SHOWN:
                more = len(texts) - SHOWN
                lines.append(
                    ngettext("…and %d more like those.", "…and %d more like those.", more) % more
                )
        return lines

    def of(self, model) -> set[int]:
        return self.records.of(model)

    def _ranked_journals(self) -> set[int]:
        return {journal for _pk, journal in self.records.rankings} - self.of(Journal)

    # --- changed since ---------------------------------------------------------------------

    def later_imports(self) -> None:
        later = ImportChange.objects.filter(
            batch__pk__gt=self.batch.pk, batch__status=ImportBatch.Status.COMPLETED
        )
        for model in RECORD_MODELS:
            content_type = ContentType.objects.get_for_model(model)
            hits: dict[int, int] = {}
            for part in chunked(self.of(model)):
                hits.update(
                    later.filter(content_type=content_type, object_id__in=part).values_list(
                        "object_id", "batch_id"
                    )
                )
                hits.update(
                    model.objects.filter(
                        pk__in=part,
                        import_batch__pk__gt=self.batch.pk,
                        import_batch__status=ImportBatch.Status.COMPLETED,
                    ).values_list("pk", "import_batch_id")
                )
            if model is Journal:
                for part in chunked(self.of(Journal) | self._ranked_journals()):
                    hits.update(
                        JournalMetric.objects.filter(
                            journal_id__in=part,
                            import_batch__pk__gt=self.batch.pk,
                            import_batch__status=ImportBatch.Status.COMPLETED,
                        ).values_list("journal_id", "import_batch_id")
                    )
            found = model.objects.in_bulk(list(hits))
            batches = ImportBatch.objects.in_bulk(set(hits.values()))
            for pk, batch_id in hits.items():
                if pk in found:
                    self.add(
                        "later",
                        (model, pk),
                        _("%(record)s was changed again by %(import)s; undo that import first.")
                        % {
                            "record": capfirst(_label(found[pk])),
                            "import": _batch_label(batches[batch_id]),
                        },
                    )

    def _edited_on(self, record) -> str:
        """When the record was last changed, naming the later import that changed it, if one did."""
        if self._later is None:
            self._later = list(
                ImportBatch.objects.filter(
                    pk__gt=self.batch.pk, status=ImportBatch.Status.COMPLETED
                ).exclude(finished_at=None)
            )
        when = _when(record.updated_at)
        for later in self._later:
            if later.created_at <= record.updated_at <= later.finished_at + TOLERANCE:
                return when + " " + _("(during %(import)s)") % {"import": _batch_label(later)}
        return when

    def edits(self) -> None:
        text = _("%(record)s was edited on %(when)s, after this import.")
        ranked_text = _(
            "%(record)s, to which this import added rankings, was edited on %(when)s, after this "
            "import."
        )
        for model, pks, message in [
            *((model, self.of(model), text) for model in RECORD_MODELS),
            (Journal, self._ranked_journals(), ranked_text),
        ]:
            for part in chunked(pks):
                for record in model.objects.filter(pk__in=part, updated_at__gt=self.limit):
                    self.add(
                        "edited",
                        (model, record.pk),
                        message
                        % {"record": capfirst(_label(record)), "when": self._edited_on(record)},
                    )

    # --- what records are to be put back to ------------------------------------------------

    def snapshots(self) -> None:
        """Updated records deleted since, and records their snapshots need that are gone."""
        needed: dict[type, dict[int, tuple]] = {}
        for model in RECORD_MODELS:
            for befores in self.records.snapshots(model):
                present = set(
                    model.objects.filter(pk__in=list(befores)).values_list("pk", flat=True)
                )
                for pk, before in befores.items():
                    if pk not in present:
                        name = strip_tags(before.get("fields", {}).get(_NAME_FIELDS[model], ""))
                        self.add(
                            "deleted",
                            (model, pk),
                            _(
                                "The %(kind)s “%(name)s” (#%(pk)s), which this import updated, "
                                "has since been deleted, so it cannot be put back."
                            )
                            % {"kind": model._meta.verbose_name, "name": name, "pk": pk},
                        )
                        continue
                    for other, other_pk, what in _references(model, before):
                        needed.setdefault(other, {}).setdefault(other_pk, (model, pk, what))
                self._removed_links(model, befores, present)
        for other, wanted in needed.items():
            found = set()
            for part in chunked(wanted):
                found |= set(other.objects.filter(pk__in=part).values_list("pk", flat=True))
            missing = {pk: wanted[pk] for pk in wanted if pk not in found}
            owners = {}
            for model in {owner for owner, _pk, _what in missing.values()}:
                owners[model] = model.objects.in_bulk(
                    [pk for owner, pk, _what in missing.values() if owner is model]
                )
            for other_pk, (model, pk, what) in missing.items():
                self.add(
                    "gone",
                    (model, pk),
                    _(
                        "%(record)s cannot be put back: %(what)s before this import (#%(pk)s) "
                        "has since been deleted or merged into another record."
                    )
                    % {
                        "record": capfirst(_label(owners[model][pk])),
                        "what": what,
                        "pk": other_pk,
                    },
                )

    def _removed_links(self, model, befores: dict[int, dict], present: set[int]) -> None:
        """Links to other records that putting these records back would remove."""
        pks = [pk for pk in befores if pk in present]
        if model is Publication:
            had = {pk: {a["person"] for a in _all_authors(befores[pk])} for pk in pks}
            for publication_id, person_id in Authorship.objects.filter(
                publication_id__in=pks
            ).values_list("publication_id", "person_id"):
                if person_id not in had[publication_id]:
                    self.removed_links.append((Publication, publication_id, Person, person_id))
        elif model is Event:
            for relation, other, column in (
                (EventParticipation, Person, "person_id"),
                (PublicationEvent, Publication, "publication_id"),
            ):
                key = "participations" if other is Person else "publication_links"
                had = {pk: {row[column] for row in befores[pk].get(key, [])} for pk in pks}
                for event_id, other_pk in relation.objects.filter(event_id__in=pks).values_list(
                    "event_id", column
                ):
                    if other_pk not in had[event_id]:
                        self.removed_links.append((Event, event_id, other, other_pk))
            through = Event.related.through
            had = {pk: set(befores[pk].get("related", [])) for pk in pks}
            for event_id, other_pk in through.objects.filter(from_event_id__in=pks).values_list(
                "from_event_id", "to_event_id"
            ):
                if other_pk not in had[event_id]:
                    self.removed_links.append((Event, event_id, Event, other_pk))

    def untracked(self) -> None:
        for model in RECORD_MODELS:
            for part in chunked(self.records.untracked[model]):
                for record in model.objects.filter(pk__in=part):
                    self.add(
                        "untracked",
                        (model, record.pk),
                        _(
                            "%(record)s points to this import but was in the archive before it, "
                            "and the import kept no copy of what it was, so it cannot be put back."
                        )
                        % {"record": capfirst(_label(record))},
                    )

    def overwritten_rankings(self) -> None:
        """Rankings of the batch that it overwrote (MetricLedger replaces one recorded the same
        day) rather than added: deleting them would lose the earlier one. Primary keys tell some:
        one lower than that of a ranking last written by an earlier import was there before."""
        older = JournalMetric.objects.filter(import_batch__pk__lt=self.batch.pk).aggregate(
            newest=Max("pk")
        )["newest"]
        if older is None:
            return
        for part in chunked(pk for pk, _journal in self.records.rankings):
            for ranking in JournalMetric.objects.filter(pk__in=part, pk__lt=older).select_related(
                "journal"
            ):
                self.add(
                    "overwritten",
                    (JournalMetric, ranking.pk),
                    _(
                        "The ranking “%(ranking)s” of %(journal)s was in the archive before this "
                        "import, which overwrote it without keeping a copy, so it cannot be put "
                        "back."
                    )
                    % {"ranking": ranking, "journal": _label(ranking.journal)},
                )

    # --- links -----------------------------------------------------------------------------

    def links_from_outside(self) -> None:
        """Records the import created, linked since to records from outside it."""
        created = self.records.created
        publications, events = self.of(Publication), self.of(Event)
        links = []
        for part in chunked(created[Person]):
            links += [
                (Person, person, Publication, publication, _("as an author"))
                for person, publication in Authorship.objects.filter(
                    person_id__in=part
                ).values_list("person_id", "publication_id")
                if publication not in publications
            ]
            links += [
                (Person, person, Publication, publication, _("as a person it is about"))
                for person, publication in PublicationSubject.objects.filter(
                    person_id__in=part
                ).values_list("person_id", "publication_id")
            ]
            links += [
                (Person, person, Event, event, _("as a participant"))
                for person, event in EventParticipation.objects.filter(
                    person_id__in=part
                ).values_list("person_id", "event_id")
                if event not in events
            ]
        for part in chunked(created[Journal]):
            links += [
                (Journal, journal, Publication, publication, _("as its journal"))
                for journal, publication in Publication.objects.filter(
                    journal_id__in=part
                ).values_list("journal_id", "pk")
                if publication not in publications
            ]
            for journal in Journal.objects.filter(pk__in=part).filter(
                pk__in=JournalMetric.objects.filter(journal_id__in=part)
                .exclude(import_batch=self.batch)
                .values("journal_id")
            ):
                self.add(
                    "outside",
                    (Journal, journal.pk),
                    _(
                        "%(record)s, which this import created, has since been given rankings "
                        "that did not come from this import."
                    )
                    % {"record": capfirst(_label(journal))},
                )
        for part in chunked(created[Event]):
            links += [
                (Event, parent, Event, event, _("as a part of it"))
                for parent, event in Event.objects.filter(parent_id__in=part).values_list(
                    "parent_id", "pk"
                )
                if event not in events
            ]
        for part in chunked(created[Publication]):
            links += [
                (Publication, publication, Event, event, _("as an event it discusses"))
                for publication, event in PublicationEvent.objects.filter(
                    publication_id__in=part
                ).values_list("publication_id", "event_id")
                if event not in events
            ]
            links += [
                (Publication, publication, Person, person, _("as a person it is about"))
                for publication, person in PublicationSubject.objects.filter(
                    publication_id__in=part
                ).values_list("publication_id", "person_id")
            ]
        text = _(
            "%(record)s, which this import created, has since been linked to %(other)s "
            "(%(how)s), which is not part of this import; undoing would break that link."
        )
        for (model, pk, other, other_pk, how), (record, other_record) in self._load(links):
            self.add(
                "outside",
                (model, pk, other, other_pk),
                text
                % {
                    "record": capfirst(_label(record)),
                    "other": _label(other_record),
                    "how": how,
                },
            )

    def links_to_edited_records(self) -> None:
        """Links the undo removes whose other end, from outside the import, was edited since."""
        created, limit = self.records.created, self.limit
        links = list(self.removed_links)
        for part in chunked(created[Publication]):
            links += [
                (Publication, publication, Person, person)
                for publication, person in Authorship.objects.filter(
                    publication_id__in=part, person__updated_at__gt=limit
                ).values_list("publication_id", "person_id")
            ]
        for part in chunked(created[Event]):
            links += [
                (Event, event, Publication, publication)
                for event, publication in PublicationEvent.objects.filter(
                    event_id__in=part, publication__updated_at__gt=limit
                ).values_list("event_id", "publication_id")
            ]
            links += [
                (Event, event, Person, person)
                for event, person in EventParticipation.objects.filter(
                    event_id__in=part, person__updated_at__gt=limit
                ).values_list("event_id", "person_id")
            ]
            links += [
                (Event, event, Event, other)
                for event, other in Event.related.through.objects.filter(
                    from_event_id__in=part, to_event__updated_at__gt=limit
                ).values_list("from_event_id", "to_event_id")
            ]
        links = [link for link in links if link[3] not in self.of(link[2])]
        text = _(
            "Undoing would remove the link between %(record)s and %(other)s, which was edited "
            "on %(when)s, after this import: the link may have been made by hand then."
        )
        for (model, pk, other, other_pk), (record, other_record) in self._load(links):
            if other_record.updated_at > limit:
                self.add(
                    "edited link",
                    (model, pk, other, other_pk),
                    text
                    % {
                        "record": _label(record),
                        "other": _label(other_record),
                        "when": self._edited_on(other_record),
                    },
                )

    def _load(self, links):
        """Each link with its two records (links whose records are gone are left out)."""
        wanted: dict[type, set[int]] = {}
        for model, pk, other, other_pk, *_rest in links:
            wanted.setdefault(model, set()).add(pk)
            wanted.setdefault(other, set()).add(other_pk)
        found = {model: model.objects.in_bulk(list(pks)) for model, pks in wanted.items()}
        for link in links:
            model, pk, other, other_pk = link[:4]
            if pk in found[model] and other_pk in found[other]:
                yield link, (found[model][pk], found[other][other_pk])


def _all_authors(before: dict) -> list[dict]:
    return [*before.get("authors", []), *before.get("others", [])]


def _references(model, before: dict):
    """(model, pk, what it is to the record) of each record a snapshot refers to."""
    fields = before.get("fields", {})
    if fields.get("import_batch_id"):
        yield ImportBatch, fields["import_batch_id"], _("the import it came from")
    if model is Publication:
        if fields.get("journal_id"):
            yield Journal, fields["journal_id"], _("its journal")
        for author in _all_authors(before):
            yield Person, author["person"], _("its author “%(name)s”") % {"name": author["name"]}
    elif model is Event:
        if fields.get("parent_id"):
            yield Event, fields["parent_id"], _("the event it was part of")
        for row in before.get("participations", []):
            yield Person, row["person_id"], _("a participant")
        for row in before.get("publication_links", []):
            yield Publication, row["publication_id"], _("a publication discussing it")
        for pk in before.get("related", []):
            yield Event, pk, _("a related event")
    elif model is Journal:
        for row in before.get("metrics", []):
            if row.get("import_batch_id"):
                yield ImportBatch, row["import_batch_id"], _("the import of one of its rankings")
