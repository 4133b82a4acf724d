"""Journals, their other names and identifiers, and their rankings over time."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive import identifiers, names, search
from archive.models.base import Record


def format_decimal(value: Decimal) -> str:
    """0.400 -> "0.4", 10.000 -> "10" (never "1E+1")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Journal(Record):
    """A periodical in which publications appear."""

    name = models.CharField(_("name"), max_length=300, db_index=True)
    name_key = models.CharField(max_length=300, editable=False, db_index=True, default="")
    issn_print = models.CharField(
        _("ISSN (print)"),
        max_length=9,
        blank=True,
        validators=[identifiers.validate_issn],
        help_text=_("Eight characters with a hyphen, e.g. 1468-2745."),
    )
    issn_electronic = models.CharField(
        _("ISSN (electronic)"),
        max_length=9,
        blank=True,
        validators=[identifiers.validate_issn],
        help_text=_("Eight characters with a hyphen, e.g. 1743-7962."),
    )
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    homepage = models.URLField(_("homepage"), max_length=500, blank=True)
    import_batch = models.ForeignKey(
        "archive.ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="journals",
        help_text=_("The import that created this journal or last changed it."),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        default_permissions = ("add", "change", "delete", "view", "import", "export")
        constraints = [
            models.UniqueConstraint(
                fields=["issn_print"],
                condition=~models.Q(issn_print=""),
                name="journal_unique_issn_print",
                violation_error_message=_("Another journal already has this print ISSN."),
            ),
            models.UniqueConstraint(
                fields=["issn_electronic"],
                condition=~models.Q(issn_electronic=""),
                name="journal_unique_issn_electronic",
                violation_error_message=_("Another journal already has this electronic ISSN."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("archive:journal_detail", kwargs={"slug": self.slug})

    def build_search_text(self) -> str:
        return search.search_text_for_journal(self)

    def derive_fields(self) -> None:
        self.name_key = names.match_key(self.name)

    def clean(self) -> None:
        self.issn_print = identifiers.normalize_issn(self.issn_print)
        self.issn_electronic = identifiers.normalize_issn(self.issn_electronic)
        if self.issn_print and self.issn_print == self.issn_electronic:
            raise ValidationError(
                {"issn_electronic": _("The electronic ISSN repeats the print ISSN.")}
            )


class JournalName(models.Model):
    """Another name a journal goes by: an abbreviation, a former or translated title."""

    class Kind(models.TextChoices):
        ABBREVIATION = "abbreviation", _("Abbreviation")
        ALTERNATIVE = "alternative", _("Alternative name")
        FORMER = "former", _("Former name")
        TRANSLATION = "translation", _("Translated name")

    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="other_names")
    name = models.CharField(_("name"), max_length=300, db_index=True)
    name_key = models.CharField(max_length=300, editable=False, db_index=True, default="")
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.ALTERNATIVE
    )
    language = models.CharField(_("language"), max_length=35, blank=True)

    class Meta:
        ordering = ["journal_id", "kind", "name"]
        verbose_name = _("other journal name")
        verbose_name_plural = _("other journal names")
        constraints = [
            models.UniqueConstraint(
                fields=["journal", "name"],
                name="journalname_unique_per_journal",
                violation_error_message=_("This journal already has this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = names.match_key(self.name)
        super().save(*args, **kwargs)


class JournalIdentifier(models.Model):
    """An identifier a journal has in another system (e.g. the BookSci periodical id 46099)."""

    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="external_ids")
    scheme = models.CharField(
        _("scheme"),
        max_length=50,
        help_text=_("The system the identifier belongs to, e.g. booksci, wikidata, openalex."),
    )
    value = models.CharField(_("value"), max_length=100)

    class Meta:
        ordering = ["scheme", "value"]
        verbose_name = _("journal identifier")
        verbose_name_plural = _("journal identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"],
                name="journalidentifier_unique",
                violation_error_message=_("Another journal already has this identifier."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class JournalMetric(models.Model):
    """One ranking of a journal as one ranking system recorded it at one time."""

    class System(models.TextChoices):
        JCR = "jcr", _("Clarivate Journal Citation Reports")
        CAS = "cas", _("Chinese Academy of Sciences journal zones")

    class Quartile(models.TextChoices):
        Q1 = "Q1", "Q1"
        Q2 = "Q2", "Q2"
        Q3 = "Q3", "Q3"
        Q4 = "Q4", "Q4"

    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="metrics")
    system = models.CharField(_("ranking system"), max_length=10, choices=System.choices)
    year = models.PositiveSmallIntegerField(
        _("year ranked"),
        null=True,
        blank=True,
        help_text=_("The edition the ranking belongs to, when the source says; else leave blank."),
    )
    recorded_on = models.DateField(
        _("recorded on"), help_text=_("When the archive learned this ranking.")
    )
    impact_factor = models.DecimalField(
        _("impact factor"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    quartile = models.CharField(_("quartile"), max_length=2, choices=Quartile.choices, blank=True)
    zone = models.PositiveSmallIntegerField(
        _("zone"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Chinese Academy of Sciences zone, 1 (highest) to 4."),
    )
    category = models.CharField(
        _("category"), max_length=200, blank=True, help_text=_("e.g. HISTORY, 历史学.")
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Where the ranking was taken from, e.g. BookSci (booksci.cn)."),
    )
    import_batch = models.ForeignKey(
        "archive.ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="journal_metrics",
    )

    class Meta:
        ordering = ["journal_id", "system", "-recorded_on", "-id"]
        get_latest_by = "recorded_on"
        verbose_name = _("journal metric")
        verbose_name_plural = _("journal metrics")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(zone__isnull=True) | models.Q(zone__gte=1, zone__lte=4),
                name="journalmetric_zone_1_to_4",
                violation_error_message=_("A CAS zone is 1, 2, 3 or 4."),
            ),
            models.UniqueConstraint(
                fields=["journal", "system", "category", "recorded_on"],
                name="journalmetric_unique_per_day",
                violation_error_message=_(
                    "This journal already has a ranking of this system and category recorded that day."
                ),
            ),
        ]

    def __str__(self) -> str:
        parts = [self.get_system_display()]
        if self.impact_factor is not None:
            parts.append(_("IF %(value)s") % {"value": format_decimal(self.impact_factor)})
        if self.quartile:
            parts.append(self.quartile)
        if self.zone:
            parts.append(_("zone %(zone)s") % {"zone": self.zone})
        if self.category:
            parts.append(self.category)
        parts.append(str(self.year or self.recorded_on))
        return " · ".join(parts)

    def clean(self) -> None:
        if self.system == self.System.CAS and self.quartile:
            raise ValidationError({"quartile": _("CAS rankings have zones, not quartiles.")})
        if self.system == self.System.JCR and self.zone:
            raise ValidationError({"zone": _("JCR rankings have quartiles, not zones.")})
