"""Publications, their authors, translations and the people and events they are about."""

import html
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from archive import dates, identifiers, search
from archive.models.base import Language, Record, RecordQuerySet


class PublicationType(models.TextChoices):
    JOURNAL_ARTICLE = "journal-article", _("Journal article")
    REVIEW = "review", _("Review")
    BOOK = "book", _("Book")
    BOOK_CHAPTER = "book-chapter", _("Book chapter")
    EDITED_BOOK = "edited-book", _("Edited book")
    CONFERENCE_PAPER = "conference-paper", _("Conference paper")
    THESIS = "thesis", _("Thesis")
    REPORT = "report", _("Report")
    DATASET = "dataset", _("Dataset")
    OTHER = "other", _("Other")


class PublicationQuerySet(RecordQuerySet):
    def in_year_range(self, start: int | None, end: int | None):
        queryset = self
        if start:
            queryset = queryset.filter(year__gte=start)
        if end:
            queryset = queryset.filter(year__lte=end)
        return queryset

    def about(self, person):
        return self.filter(subjects__person=person)

    def discussing(self, event):
        return self.filter(event_links__event=event)


class Keyword(models.Model):
    """A field of study or keyword attached to publications."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")

    def __str__(self) -> str:
        return self.name


class Publication(Record):
    """A work that has been published: an article, a book, a chapter."""

    title = models.TextField(
        _("title"),
        help_text=_("In the language it was published in. Italics (<i>…</i>) are kept."),
    )
    language = models.CharField(
        _("language of the title"),
        max_length=35,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("BCP 47 code of the original title and abstract, e.g. en, zh, ru."),
    )
    abstract = models.TextField(_("abstract"), blank=True)
    doi = models.CharField(
        _("DOI"),
        max_length=255,
        blank=True,
        validators=[identifiers.validate_doi],
        help_text=_(
            "Stored in lower case without https://doi.org/, e.g. 10.1080/14682745.2022.2050698."
        ),
    )
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    journal = models.ForeignKey(
        "archive.Journal",
        verbose_name=_("journal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publications",
    )
    volume = models.CharField(_("volume"), max_length=50, blank=True)
    issue = models.CharField(_("issue"), max_length=50, blank=True)
    first_page = models.CharField(
        _("first page"), max_length=30, blank=True, help_text=_("As printed: 437, e88528, i.")
    )
    last_page = models.CharField(_("last page"), max_length=30, blank=True)
    publication_date = models.CharField(
        _("publication date"),
        max_length=10,
        blank=True,
        validators=[dates.validate_calendar_date],
        help_text=_(
            "As precise as known and no more: 2022 (a year), 2022-06 (a month) or 2022-06-21."
        ),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, editable=False, db_index=True
    )
    date_sort = models.DateField(null=True, blank=True, editable=False, db_index=True)
    publication_type = models.CharField(
        _("type"),
        max_length=30,
        choices=PublicationType.choices,
        default=PublicationType.JOURNAL_ARTICLE,
        db_index=True,
    )
    is_open_access = models.BooleanField(_("open access"), null=True, blank=True)
    pdf_url = models.URLField(_("open access PDF"), max_length=1000, blank=True)
    citation_count = models.PositiveIntegerField(_("citations"), null=True, blank=True)
    citation_count_date = models.DateField(_("citations counted on"), null=True, blank=True)
    keywords = models.ManyToManyField(
        Keyword,
        verbose_name=_("fields of study and keywords"),
        blank=True,
        related_name="publications",
    )
    authors = models.ManyToManyField(
        "archive.Person", through="Authorship", related_name="works", blank=True
    )
    # Provenance: where the record came from and as what.
    source_platform = models.CharField(
        _("source platform"), max_length=100, blank=True, help_text=_("e.g. BookSci, Crossref.")
    )
    source_id = models.CharField(_("id at the source"), max_length=200, blank=True)
    raw_record = models.JSONField(_("record as received"), null=True, blank=True)
    import_batch = models.ForeignKey(
        "archive.ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
    )
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    import_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text="SHA-256 of the source record (or canonical row) last imported; an identical "
        "one is recognised by this index and skipped unread.",
    )

    objects = PublicationQuerySet.as_manager()

    slug_source_field = "plain_title"

    class Meta:
        ordering = [models.F("date_sort").desc(nulls_last=True), "title", "id"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        default_permissions = ("add", "change", "delete", "view", "import", "export")
        constraints = [
            models.UniqueConstraint(
                fields=["doi"],
                condition=~models.Q(doi=""),
                name="publication_unique_doi",
                violation_error_message=_("Another publication already has this DOI."),
            ),
            models.UniqueConstraint(
                fields=["source_platform", "source_id"],
                condition=~models.Q(source_id=""),
                name="publication_unique_source_id",
                violation_error_message=_(
                    "Another publication already has this id at this source."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(citation_count__isnull=True) | models.Q(citation_count__gte=0),
                name="publication_citations_not_negative",
                violation_error_message=_("A citation count cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plain_title} ({self.year})" if self.year else self.plain_title

    def get_absolute_url(self) -> str:
        return reverse("archive:publication_detail", kwargs={"slug": self.slug})

    @property
    def plain_title(self) -> str:
        return html.unescape(strip_tags(self.title))

    @property
    def date_precision(self) -> str | None:
        return dates.precision(self.publication_date)

    @property
    def date_in_words(self) -> str:
        return dates.in_words(self.publication_date)

    @property
    def pages(self) -> str:
        if self.first_page and self.last_page and self.first_page != self.last_page:
            return f"{self.first_page}–{self.last_page}"
        return self.first_page or self.last_page

    @property
    def doi_url(self) -> str:
        return identifiers.doi_url(self.doi)

    def clean(self) -> None:
        self.doi = identifiers.normalize_doi(self.doi)
        self.title = unicodedata.normalize("NFC", self.title.strip())
        if self.pdf_url and self.is_open_access is False:
            raise ValidationError(
                {"is_open_access": _("A publication with an open-access PDF is open access.")}
            )

    def build_search_text(self) -> str:
        return search.search_text_for_publication(self)

    def derive_fields(self) -> None:
        found = dates.bounds(self.publication_date)
        self.date_sort = found.earliest
        self.year = found.earliest.year if found.earliest else None


class PublicationTitle(models.Model):
    """The publication's title in another language, such as an aggregator's translation."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="translated_titles"
    )
    language = models.CharField(_("language"), max_length=35)
    title = models.TextField(_("title"))
    is_machine_translation = models.BooleanField(
        _("machine translation"),
        default=False,
        help_text=_("Tick when the translation was made by software, not by the author or editor."),
    )

    class Meta:
        ordering = ["publication_id", "language"]
        verbose_name = _("translated title")
        verbose_name_plural = _("translated titles")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "language"],
                name="publicationtitle_unique_language",
                violation_error_message=_("This publication already has a title in this language."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"


class PublicationAbstract(models.Model):
    """The publication's abstract in another language."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="translated_abstracts"
    )
    language = models.CharField(_("language"), max_length=35)
    text = models.TextField(_("abstract"))
    is_machine_translation = models.BooleanField(_("machine translation"), default=False)

    class Meta:
        ordering = ["publication_id", "language"]
        verbose_name = _("translated abstract")
        verbose_name_plural = _("translated abstracts")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "language"],
                name="publicationabstract_unique_language",
                violation_error_message=_(
                    "This publication already has an abstract in this language."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication} [{self.language}]"


class Authorship(models.Model):
    """A person's part in making a publication, in the order and the name printed on it."""

    class Role(models.TextChoices):
        AUTHOR = "author", _("Author")
        EDITOR = "editor", _("Editor")
        TRANSLATOR = "translator", _("Translator")

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="authorships"
    )
    person = models.ForeignKey(
        "archive.Person", on_delete=models.PROTECT, related_name="authorships"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    name_as_printed = models.CharField(
        _("name as printed"),
        max_length=300,
        blank=True,
        help_text=_("Exactly as the publication prints it, e.g. J.-D. Gu."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AUTHOR)

    class Meta:
        ordering = ["publication_id", "role", "position"]
        verbose_name = _("authorship")
        verbose_name_plural = _("authorships")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "role", "position"],
                name="authorship_unique_position",
                violation_error_message=_("Two authors cannot share one place in the order."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_as_printed or str(self.person)

    def save(self, *args, **kwargs):
        if not self.name_as_printed:
            self.name_as_printed = self.person.display_name
        super().save(*args, **kwargs)


class PublicationSubject(models.Model):
    """A person a publication is about."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(
        "archive.Person", on_delete=models.CASCADE, related_name="written_about_in"
    )
    pages = models.CharField(_("pages"), max_length=100, blank=True, help_text=_("e.g. 440–445."))

    class Meta:
        ordering = ["publication_id", "person_id"]
        verbose_name = _("person written about")
        verbose_name_plural = _("people written about")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "person"],
                name="publicationsubject_unique",
                violation_error_message=_("This person is already listed."),
            )
        ]

    def __str__(self) -> str:
        return _("%(publication)s is about %(person)s") % {
            "publication": self.publication,
            "person": self.person,
        }


class PublicationEvent(models.Model):
    """An event a publication discusses, optionally where."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="event_links"
    )
    event = models.ForeignKey(
        "archive.Event", on_delete=models.CASCADE, related_name="publication_links"
    )
    pages = models.CharField(_("pages"), max_length=100, blank=True, help_text=_("e.g. 437–440."))

    class Meta:
        ordering = ["publication_id", "event_id"]
        verbose_name = _("event discussed")
        verbose_name_plural = _("events discussed")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "event"],
                name="publicationevent_unique",
                violation_error_message=_("This event is already listed."),
            )
        ]

    def __str__(self) -> str:
        return _("%(publication)s discusses %(event)s") % {
            "publication": self.publication,
            "event": self.event,
        }
