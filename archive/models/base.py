"""What every public record shares: a status, a stable slug, timestamps."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from archive import slugs


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RecordQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def drafts(self):
        return self.filter(status=Status.DRAFT)


class Record(models.Model):
    """Abstract base of the four public kinds of record."""

    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        blank=True,
        help_text=_(
            "The record's address on the public site. Made from the name when left blank, in "
            "Latin letters for any script, and kept when the name changes so links stay valid."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text=_("Only published records appear on the public site, in exports and feeds."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    search_text = models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text="Normalised text the public search matches; see archive/search.py.",
    )

    objects = RecordQuerySet.as_manager()

    slug_source_field = "name"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.derive_fields()
        # What the record holds itself is always current; search_index_refresh() catches up
        # with related rows written after it.
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields"):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        # Slugs are made once and then left alone, so published URLs stay stable.
        if not self.slug:
            self.slug = slugs.unique_slug(
                type(self), getattr(self, self.slug_source_field), instance_pk=self.pk
            )
        super().save(*args, **kwargs)

    def derive_fields(self) -> None:
        """Set the fields computed from others; bulk imports call it since they skip save()."""

    def build_search_text(self) -> str:
        """What `search_text` should hold; reads related rows when the record has been saved."""
        raise NotImplementedError

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class Language(models.TextChoices):
    """Languages of record content (BCP 47 codes); curators may add others in code."""

    ENGLISH = "en", _("English")
    CHINESE = "zh", _("Chinese")
    CHINESE_SIMPLIFIED = "zh-Hans", _("Chinese (simplified script)")
    CHINESE_TRADITIONAL = "zh-Hant", _("Chinese (traditional script)")
    RUSSIAN = "ru", _("Russian")
    JAPANESE = "ja", _("Japanese")
    KOREAN = "ko", _("Korean")
    GERMAN = "de", _("German")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    PORTUGUESE = "pt", _("Portuguese")
    ITALIAN = "it", _("Italian")
    POLISH = "pl", _("Polish")
    CZECH = "cs", _("Czech")
    HUNGARIAN = "hu", _("Hungarian")
    MONGOLIAN = "mn", _("Mongolian")
    VIETNAMESE = "vi", _("Vietnamese")
    UNDETERMINED = "und", _("Undetermined")


class FormerSlug(models.Model):
    """A slug a record no longer has (after a merge), kept so old links redirect to it."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("publication")
        PERSON = "person", _("person")
        EVENT = "event", _("event")
        JOURNAL = "journal", _("journal")

    kind = models.CharField(_("kind of record"), max_length=20, choices=Kind.choices)
    slug = models.SlugField(_("former slug"), max_length=100)
    target_id = models.PositiveBigIntegerField(_("now the record with id"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "slug"]
        verbose_name = _("former slug")
        verbose_name_plural = _("former slugs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slug"],
                name="formerslug_unique",
                violation_error_message=_("This former address already points somewhere."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.slug} -> {self.target_id}"
