"""Events in the archive's own CSV: one row per event, with its participants, the publications
that discuss it, the larger event it belongs to and its related events.

Events match on their slug, then on title and date together. People are named by slug or
display name and publications by DOI (or slug when they have none); they must already be in
the archive, so people and publications are imported first. The parent and related events may
also be rows of the same file, in any order. Anything a row names that cannot be found is an
error for that row and column: it is never dropped silently.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields

from archive import names
from archive.identifiers import normalize_doi
from archive.importing import canonical
from archive.importing.cleaning import clean_paragraphs, clean_text
from archive.importing.entities import EntityResource, json_items, listing, validate_item
from archive.importing.spreadsheets import cell_text
from archive.models import (
    Event,
    EventParticipation,
    EventTitle,
    Person,
    Publication,
    PublicationEvent,
)

EVENT_COLUMNS = [
    "slug",
    "title",
    "title_translations",
    "date",
    "place",
    "description",
    "parent",
    "related",
    "participants",
    "publications",
]
TRANSLATIONS_EXAMPLE = '[{"language": "zh", "title": "赫鲁晓夫访华"}]'
PARTICIPANTS_EXAMPLE = '[{"person": "nikita-khrushchev", "role": "visitor"}]'
PUBLICATIONS_EXAMPLE = (
    '[{"doi": "10.1080/14682745.2022.2050698", "pages": "437–440"}, {"slug": "a-book-without-doi"}]'
)


class EventResource(EntityResource):
    """Rows of the events CSV <-> events with translations, participants and links."""

    title_translations = fields.Field(column_name="title_translations", readonly=True)
    parent = fields.Field(column_name="parent", readonly=True)
    related = fields.Field(column_name="related", readonly=True)
    participants = fields.Field(column_name="participants", readonly=True)
    publications = fields.Field(column_name="publications", readonly=True)

    required_columns = ("title",)
    relation_columns = ("title_translations", "parent", "related", "participants", "publications")
    cleaners = {
        "title": clean_text,
        "date": clean_text,
        "place": clean_text,
        "description": clean_paragraphs,
    }

    class Meta:
        model = Event
        fields = EVENT_COLUMNS
        import_order = EVENT_COLUMNS
        export_order = EVENT_COLUMNS

    # --- the import as a whole -----------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # Rows may name events further down the file, so their slugs are known from the start.
        self.file_rows: dict[str, int] = {}
        self.file_related: dict[str, set[str]] = {}
        for number, raw in enumerate(dataset.dict, start=1):
            slug = clean_text(cell_text(raw.get("slug")))
            if slug:
                self.file_rows.setdefault(slug, number)
                if "related" in raw:
                    self.file_related[slug] = set(canonical.split_list(cell_text(raw["related"])))
        self.deferred: list[tuple[int, int, str, object]] = []
        self.person_ids: dict[str, int] = {}

    def finish_import(self):
        for row_number, event_id, column, value in self.deferred:
            if column == "parent":
                parent_id = self._event_id(value) if value else None
                Event.objects.filter(pk=event_id).update(parent_id=parent_id)
                self._refuse_cycle(row_number, event_id, value)
            else:
                Event(pk=event_id).related.set([self._event_id(slug) for slug in value])

    def _refuse_cycle(self, row_number: int, event_id: int, slug: str) -> None:
        seen, current = {event_id}, event_id
        while True:
            current = Event.objects.filter(pk=current).values_list("parent_id", flat=True).first()
            if current is None:
                return
            if current in seen:
                raise ValueError(
                    _(
                        "Row %(row)s, column parent (value “%(slug)s”): the event would be part "
                        "of itself, through the events it belongs to."
                    )
                    % {"row": row_number, "slug": slug}
                )
            seen.add(current)

    # --- one row ---------------------------------------------------------------------------

    def match(self, row):
        if row.get("slug"):
            found = Event.objects.filter(slug=row["slug"]).first()
            if found:
                return found
        if not row.get("title"):
            return None
        found = list(
            Event.objects.filter(title=row["title"], date=row.get("date", "")).order_by("pk")[:6]
        )
        if len(found) > 1:
            raise ValidationError(
                {
                    "title": _(
                        "%(count)s events in the archive have this title and date (%(slugs)s); "
                        "add the slug to say which."
                    )
                    % {"count": len(found), "slugs": listing(e.slug for e in found)}
                }
            )
        return found[0] if found else None

    def _event_id(self, slug: str) -> int | None:
        if slug in self.records_by_slug:
            return self.records_by_slug[slug]
        return Event.objects.filter(slug=slug).values_list("pk", flat=True).first()

    def _is_self(self, slug: str, row, instance) -> bool:
        return slug == row.get("slug") or (instance.pk is not None and slug == instance.slug)

    def _unknown_events(self, slugs) -> list[str]:
        outside = [slug for slug in slugs if slug not in self.file_rows]
        known = set(Event.objects.filter(slug__in=outside).values_list("slug", flat=True))
        return [slug for slug in outside if slug not in known]

    # title_translations

    def read_title_translations(self, cell, *, row, instance):
        translations, errors = {}, []
        for number, item in enumerate(json_items(cell, example=TRANSLATIONS_EXAMPLE), start=1):
            title = EventTitle(
                language=clean_text(item.get("language")), title=clean_text(item.get("title"))
            )
            errors += validate_item(title, exclude=["event"], number=number, label=title.title)
            if title.language in translations:
                errors.append(
                    _("Item %(number)s: a second title in “%(language)s”.")
                    % {"number": number, "language": title.language}
                )
            translations[title.language] = title.title
        if errors:
            raise ValidationError(errors)
        return translations

    def title_translations_unchanged(self, event, value):
        return {t.language: clean_text(t.title) for t in event.translations.all()} == value

    def save_title_translations(self, event, value, *, row_number):
        current = {t.language: t for t in event.translations.all()}
        event.translations.exclude(language__in=value).delete()
        for language, title in value.items():
            translation = current.get(language)
            if translation is None:
                EventTitle.objects.create(event=event, language=language, title=title)
            elif translation.title != title:
                translation.title = title
                translation.save(update_fields=["title"])

    # parent

    def read_parent(self, cell, *, row, instance):
        slug = clean_text(cell)
        if not slug:
            return ""
        if self._is_self(slug, row, instance):
            raise ValueError(_("An event cannot be part of itself."))
        if self._unknown_events([slug]):
            raise ValueError(
                _(
                    "No event “%(slug)s” in the archive or in this file; name the larger event "
                    "by its slug."
                )
                % {"slug": slug}
            )
        return slug

    def parent_unchanged(self, event, value):
        parent_id = self._event_id(value) if value else None
        return (parent_id is not None or not value) and event.parent_id == parent_id

    def save_parent(self, event, value, *, row_number):
        self.deferred.append((row_number, event.pk, "parent", value))

    # related

    def read_related(self, cell, *, row, instance):
        slugs = sorted(set(canonical.split_list(cell)))
        own, errors = row.get("slug"), []
        for slug in slugs:
            if self._is_self(slug, row, instance):
                errors.append(
                    _("“%(slug)s” is this event; an event is not related to itself.")
                    % {"slug": slug}
                )
        errors += [
            _(
                "No event “%(slug)s” in the archive or in this file; name related events by their "
                "slugs."
            )
            % {"slug": slug}
            for slug in self._unknown_events(slugs)
        ]
        for slug in slugs:
            if slug in self.file_related and own not in self.file_related[slug]:
                if own:
                    message = _(
                        "“%(slug)s” (row %(row)s) does not list this event back. Related events "
                        "are mutual: list each on the other's row."
                    )
                else:
                    message = _(
                        "“%(slug)s” (row %(row)s) does not list this event back. Related events "
                        "are mutual: list each on the other's row, and give this event a slug to "
                        "be listed by."
                    )
                errors.append(message % {"slug": slug, "row": self.file_rows[slug]})
        if errors:
            raise ValidationError(errors)
        return tuple(slugs)

    def related_unchanged(self, event, value):
        ids = {self._event_id(slug) for slug in value}
        return None not in ids and ids == {related.pk for related in event.related.all()}

    def save_related(self, event, value, *, row_number):
        self.deferred.append((row_number, event.pk, "related", value))

    # participants

    def read_participants(self, cell, *, row, instance):
        participants, errors = [], []
        for number, item in enumerate(json_items(cell, example=PARTICIPANTS_EXAMPLE), start=1):
            reference, role = clean_text(item.get("person")), clean_text(item.get("role"))
            try:
                person_id = self._person_id(reference)
            except ValueError as error:
                errors.append(
                    _("Item %(number)s: %(problem)s") % {"number": number, "problem": error}
                )
                continue
            participation = EventParticipation(person_id=person_id, role=role)
            errors += validate_item(
                participation, exclude=["event", "person"], number=number, label=reference
            )
            if (person_id, role) in participants:
                errors.append(
                    _("Item %(number)s: “%(person)s” is listed twice as “%(role)s”.")
                    % {"number": number, "person": reference, "role": role}
                )
            participants.append((person_id, role))
        if errors:
            raise ValidationError(errors)
        return participants

    def _person_id(self, reference: str) -> int:
        if not reference:
            raise ValueError(_("no person is named."))
        if reference not in self.person_ids:
            found = list(Person.objects.filter(slug=reference).values_list("pk", "slug"))
            if not found:
                found = list(
                    Person.objects.filter(name_key=names.match_key(reference))
                    .order_by("pk")
                    .values_list("pk", "slug")[:6]
                )
            if not found:
                raise ValueError(
                    _(
                        "No person “%(person)s” in the archive. Name people by slug or display "
                        "name, and import them before the events they took part in."
                    )
                    % {"person": reference}
                )
            if len(found) > 1:
                raise ValueError(
                    _("%(count)s people are called “%(person)s” (%(slugs)s); give the slug.")
                    % {
                        "count": len(found),
                        "person": reference,
                        "slugs": listing(slug for _pk, slug in found),
                    }
                )
            self.person_ids[reference] = found[0][0]
        return self.person_ids[reference]

    def participants_unchanged(self, event, value):
        return [(p.person_id, clean_text(p.role)) for p in event.participations.all()] == value

    def save_participants(self, event, value, *, row_number):
        if self.participants_unchanged(event, value):
            return
        event.participations.all().delete()
        EventParticipation.objects.bulk_create(
            EventParticipation(event=event, person_id=person_id, role=role, position=position)
            for position, (person_id, role) in enumerate(value, start=1)
        )

    # publications

    def read_publications(self, cell, *, row, instance):
        links, errors = {}, []
        for number, item in enumerate(json_items(cell, example=PUBLICATIONS_EXAMPLE), start=1):
            doi, slug = normalize_doi(clean_text(item.get("doi"))), clean_text(item.get("slug"))
            if doi:
                found = Publication.objects.filter(doi=doi).values_list("pk", flat=True).first()
                missing = _("No publication with the DOI “%(doi)s” in the archive.") % {"doi": doi}
            elif slug:
                found = Publication.objects.filter(slug=slug).values_list("pk", flat=True).first()
                missing = _("No publication “%(slug)s” in the archive.") % {"slug": slug}
            else:
                errors.append(
                    _("Item %(number)s has neither a doi nor a slug.") % {"number": number}
                )
                continue
            if found is None:
                errors.append(
                    _(
                        "Item %(number)s: %(problem)s Import publications before the events they discuss."
                    )
                    % {"number": number, "problem": missing}
                )
                continue
            link = PublicationEvent(publication_id=found, pages=clean_text(item.get("pages")))
            errors += validate_item(
                link, exclude=["event", "publication"], number=number, label=doi or slug
            )
            if found in links:
                errors.append(
                    _("Item %(number)s: “%(reference)s” is listed twice.")
                    % {"number": number, "reference": doi or slug}
                )
            links[found] = link.pages
        if errors:
            raise ValidationError(errors)
        return links

    def publications_unchanged(self, event, value):
        return {
            link.publication_id: clean_text(link.pages) for link in event.publication_links.all()
        } == value

    def save_publications(self, event, value, *, row_number):
        current = {link.publication_id: link for link in event.publication_links.all()}
        event.publication_links.exclude(publication_id__in=value).delete()
        for publication_id, pages in value.items():
            link = current.get(publication_id)
            if link is None:
                PublicationEvent.objects.create(
                    event=event, publication_id=publication_id, pages=pages
                )
            elif link.pages != pages:
                link.pages = pages
                link.save(update_fields=["pages"])

    # --- export ----------------------------------------------------------------------------

    def with_relations(self, queryset, *, publication_links: bool = True):
        """With `publication_links=False` the caller gives each event its `publication_links`,
        as the public download does from rows rather than models."""
        queryset = queryset.select_related("parent").prefetch_related(
            Prefetch("translations", queryset=EventTitle.objects.order_by("language")),
            Prefetch("related", queryset=Event.objects.order_by("slug")),
            # Only what the cells show of the people: whole people would fill memory.
            Prefetch(
                "participations",
                queryset=EventParticipation.objects.select_related("person")
                .only("event", "role", "position", "person__slug", "person__status")
                .order_by("position", "pk"),
            ),
        )
        if publication_links:
            queryset = queryset.prefetch_related(
                Prefetch(
                    "publication_links",
                    queryset=PublicationEvent.objects.select_related("publication").order_by(
                        "publication__doi", "publication__slug"
                    ),
                )
            )
        return queryset

    def _shown(self, record) -> bool:
        return record is not None and (not self.published_only or record.is_published)

    def dehydrate_title_translations(self, event):
        return canonical.dump_json(
            [{"language": t.language, "title": t.title} for t in event.translations.all()]
        )

    def dehydrate_parent(self, event):
        return event.parent.slug if self._shown(event.parent) else ""

    def dehydrate_related(self, event):
        return canonical.join_list(
            related.slug for related in event.related.all() if self._shown(related)
        )

    def dehydrate_participants(self, event):
        return canonical.dump_json(
            [
                {"person": p.person.slug, "role": p.role}
                for p in event.participations.all()
                if self._shown(p.person)
            ]
        )

    def dehydrate_publications(self, event):
        links = []
        for link in event.publication_links.all():
            if not self._shown(link.publication):
                continue
            publication = link.publication
            item = {"doi": publication.doi} if publication.doi else {"slug": publication.slug}
            if link.pages:
                item["pages"] = link.pages
            links.append(item)
        return canonical.dump_json(links)
