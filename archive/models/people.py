"""People: authors of publications and the historical figures they write about."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive import dates, identifiers, names, search
from archive.models.base import Record


class Person(Record):
    """A person, under one display name, with every other name they are known by."""

    display_name = models.CharField(
        _("display name"),
        max_length=300,
        db_index=True,
        help_text=_("The name as the archive shows it, e.g. Nikita Khrushchev."),
    )
    name_key = models.CharField(max_length=300, editable=False, db_index=True, default="")
    family_name = models.CharField(
        _("family name"), max_length=200, blank=True, help_text=_("Used for sorting, e.g. Mao.")
    )
    given_names = models.CharField(_("given names"), max_length=200, blank=True)
    birth_date = models.CharField(
        _("born"),
        max_length=60,
        blank=True,
        validators=[dates.validate_edtf],
        help_text=_("EDTF: 1894, 1894-04-15, 1894~ (about), 1894? (uncertain)."),
    )
    death_date = models.CharField(
        _("died"), max_length=60, blank=True, validators=[dates.validate_edtf]
    )
    birth_earliest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    birth_latest = models.DateField(null=True, blank=True, editable=False)
    death_earliest = models.DateField(null=True, blank=True, editable=False)
    death_latest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    biography = models.TextField(_("biography"), blank=True)
    orcid = models.CharField(
        _("ORCID iD"),
        max_length=100,
        blank=True,
        validators=[identifiers.validate_orcid],
        help_text=_("e.g. 0000-0002-1825-0097; a full https://orcid.org/ link is accepted."),
    )
    wikidata = models.CharField(
        _("Wikidata item"),
        max_length=100,
        blank=True,
        validators=[identifiers.validate_wikidata],
        help_text=_("e.g. Q35314; a Wikidata link is accepted."),
    )
    viaf = models.CharField(
        _("VIAF id"), max_length=100, blank=True, validators=[identifiers.validate_viaf]
    )
    import_batch = models.ForeignKey(
        "archive.ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        help_text=_("The import that created this person."),
    )

    slug_source_field = "display_name"

    class Meta:
        ordering = ["family_name", "given_names", "display_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        default_permissions = ("add", "change", "delete", "view", "import", "export")
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"],
                condition=~models.Q(orcid=""),
                name="person_unique_orcid",
                violation_error_message=_("Another person already has this ORCID iD."),
            ),
            models.UniqueConstraint(
                fields=["wikidata"],
                condition=~models.Q(wikidata=""),
                name="person_unique_wikidata",
                violation_error_message=_("Another person already has this Wikidata item."),
            ),
            models.UniqueConstraint(
                fields=["viaf"],
                condition=~models.Q(viaf=""),
                name="person_unique_viaf",
                violation_error_message=_("Another person already has this VIAF id."),
            ),
            models.CheckConstraint(
                condition=models.Q(birth_earliest__isnull=True)
                | models.Q(death_latest__isnull=True)
                | models.Q(birth_earliest__lte=models.F("death_latest")),
                name="person_born_before_died",
                violation_error_message=_("The person cannot die before being born."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("archive:person_detail", kwargs={"slug": self.slug})

    @property
    def life_dates(self) -> str:
        return dates.life_in_words(self.birth_date, self.death_date)

    def clean_fields(self, exclude=None) -> None:
        # Before the field checks, so a pasted https://orcid.org/… link is not refused as too long.
        self.orcid = identifiers.normalize_orcid(self.orcid)
        self.wikidata = identifiers.normalize_wikidata(self.wikidata)
        self.viaf = identifiers.normalize_viaf(self.viaf)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        self.display_name = names.normalize(self.display_name)
        self.family_name = names.normalize(self.family_name)
        self.given_names = names.normalize(self.given_names)
        errors = {}
        for field in ("birth_date", "death_date"):
            try:
                dates.validate_edtf(getattr(self, field))
            except ValidationError as error:
                errors[field] = error.messages
        if not errors:
            born, died = dates.bounds(self.birth_date), dates.bounds(self.death_date)
            if born.earliest and died.latest and born.earliest > died.latest:
                errors["death_date"] = [_("The person cannot die before being born.")]
        if errors:
            raise ValidationError(errors)

    def build_search_text(self) -> str:
        return search.search_text_for_person(self)

    def derive_fields(self) -> None:
        born, died = dates.bounds(self.birth_date), dates.bounds(self.death_date)
        self.birth_earliest, self.birth_latest = born.earliest, born.latest
        self.death_earliest, self.death_latest = died.earliest, died.latest
        self.display_name = names.normalize(self.display_name)
        self.name_key = names.match_key(self.display_name)
        if not self.family_name and not self.given_names:
            self.family_name, self.given_names = names.split(self.display_name)


class PersonName(models.Model):
    """Another form of a person's name, in any script or romanisation."""

    class Kind(models.TextChoices):
        VARIANT = "variant", _("Variant")
        NATIVE = "native", _("Name in the original script")
        ROMANISATION = "romanisation", _("Romanisation")
        AS_PRINTED = "as_printed", _("As printed in a publication")
        FORMER = "former", _("Former display name (merged)")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=300, db_index=True)
    name_key = models.CharField(max_length=300, editable=False, db_index=True, default="")
    language = models.CharField(
        _("language"), max_length=35, blank=True, help_text=_("e.g. zh, ru, zh-Latn-pinyin.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VARIANT)

    class Meta:
        ordering = ["person_id", "kind", "name"]
        verbose_name = _("name variant")
        verbose_name_plural = _("name variants")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "name"],
                name="personname_unique_per_person",
                violation_error_message=_("This person already has this name variant."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = names.normalize(self.name)
        self.name_key = names.match_key(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = names.normalize(self.name)
