"""Historical events, dated uncertainly, with the people who took part."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive import dates, search
from archive.models.base import Record, RecordQuerySet


class EventQuerySet(RecordQuerySet):
    def overlapping(self, start, end):
        """Events that may have happened at some time between two dates (either may be None)."""
        queryset = self
        if start:
            queryset = queryset.filter(date_latest__gte=start)
        if end:
            queryset = queryset.filter(date_earliest__lte=end)
        return queryset


class Event(Record):
    """Something that happened: a visit, an agreement, a campaign."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    date = models.CharField(
        _("date"),
        max_length=60,
        blank=True,
        validators=[dates.validate_edtf],
        help_text=_(
            "EDTF: 1954 (a year), 1954-09/1954-10 (a span), 1954/1957, 1954~ (about), "
            "1954? (uncertain)."
        ),
    )
    date_earliest = models.DateField(
        _("earliest possible day"), null=True, blank=True, editable=False, db_index=True
    )
    date_latest = models.DateField(
        _("latest possible day"), null=True, blank=True, editable=False, db_index=True
    )
    place = models.CharField(_("place"), max_length=200, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parts",
        help_text=_("A larger event this one belongs to."),
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("related events"), blank=True, symmetrical=True
    )
    import_batch = models.ForeignKey(
        "archive.ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("The import that created this event or last changed it."),
    )
    participants = models.ManyToManyField(
        "archive.Person", through="EventParticipation", related_name="events", blank=True
    )

    objects = EventQuerySet.as_manager()

    slug_source_field = "title"

    class Meta:
        ordering = [models.F("date_earliest").asc(nulls_last=True), "title", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        default_permissions = ("add", "change", "delete", "view", "import", "export")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_earliest__isnull=True)
                | models.Q(date_latest__isnull=True)
                | models.Q(date_earliest__lte=models.F("date_latest")),
                name="event_starts_before_it_ends",
                violation_error_message=_("The event ends before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({dates.in_words(self.date)})" if self.date else self.title

    def get_absolute_url(self) -> str:
        return reverse("archive:event_detail", kwargs={"slug": self.slug})

    @property
    def date_in_words(self) -> str:
        return dates.in_words(self.date)

    def clean(self) -> None:
        try:
            found = dates.bounds(self.date)
        except ValidationError as error:
            raise ValidationError({"date": error.messages}) from error
        if found.earliest and found.latest and found.earliest > found.latest:
            raise ValidationError({"date": _("The span ends before it starts.")})
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An event cannot be part of itself.")})

    def build_search_text(self) -> str:
        return search.search_text_for_event(self)

    def derive_fields(self) -> None:
        found = dates.bounds(self.date)
        self.date_earliest, self.date_latest = found.earliest, found.latest


class EventTitle(models.Model):
    """The event's title in another language."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=35)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        ordering = ["event_id", "language"]
        verbose_name = _("translated event title")
        verbose_name_plural = _("translated event titles")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "language"],
                name="eventtitle_unique_language",
                violation_error_message=_("This event already has a title in this language."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"


class EventParticipation(models.Model):
    """A person taking part in an event, in a role."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(
        "archive.Person", on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(
        _("role"), max_length=200, blank=True, help_text=_("e.g. visitor, host, signatory.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["event_id", "position", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person", "role"],
                name="eventparticipation_unique_role",
                violation_error_message=_("This person is already listed in this role."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.role}" if self.role else str(self.person)
