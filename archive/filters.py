"""What readers can narrow the four public lists by; each FilterSet filters a selector's queryset.

Links to people, events and journals take their slugs. An unknown slug matches nothing; a value
that is not a slug, a year that is not a year or an unknown choice makes the form invalid, and
the view then shows the error and no records (`FilteredListView`).
"""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from archive import search
from archive.models import (
    Authorship,
    Event,
    EventParticipation,
    Journal,
    JournalMetric,
    Language,
    Person,
    Publication,
    PublicationEvent,
    PublicationSubject,
    PublicationType,
    Status,
)

EARLIEST_YEAR, LATEST_YEAR = 1, 9999


class YearFilter(django_filters.NumberFilter):
    """A four-digit year; 1954.5 or 100000 are refused by the form rather than by the database."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", EARLIEST_YEAR)
        kwargs.setdefault("max_value", LATEST_YEAR)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


class SlugFilter(django_filters.CharFilter):
    field_class = forms.SlugField


def first_day(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def last_day(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Every word must match; accents and case do not matter."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def search(self, queryset, name, value):
        return search.search_filter(queryset, value)


# Publications


PUBLICATION_ORDERS = {
    "date": (F("date_sort").asc(nulls_last=True), "title", "pk"),
    "-date": (F("date_sort").desc(nulls_last=True), "title", "pk"),
    "title": ("title", "pk"),
    "-citations": (
        F("citation_count").desc(nulls_last=True),
        F("date_sort").desc(nulls_last=True),
        "pk",
    ),
}


class PublicationFilterSet(SearchFilterSet):
    journal = django_filters.ChoiceFilter(
        label=_("Journal"), field_name="journal__slug", empty_label=_("Any journal")
    )
    year_min = YearFilter(label=_("From year"), field_name="year", lookup_expr="gte")
    year_max = YearFilter(label=_("To year"), field_name="year", lookup_expr="lte")
    publication_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=PublicationType.choices, empty_label=_("Any type")
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Language.choices, empty_label=_("Any language")
    )
    open_access = django_filters.BooleanFilter(
        label=_("Open access"),
        field_name="is_open_access",
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Open access only")), ("false", _("Closed"))]
        ),
    )
    author = SlugFilter(label=_("Author"), method="by_author", widget=forms.HiddenInput)
    about = SlugFilter(label=_("About"), method="about_person", widget=forms.HiddenInput)
    event = SlugFilter(label=_("Event"), method="discussing_event", widget=forms.HiddenInput)
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="sort_by",
        empty_label=None,
        choices=[
            ("-date", _("Newest first")),
            ("date", _("Oldest first")),
            ("title", _("Title")),
            ("-citations", _("Most cited")),
        ],
    )

    class Meta:
        model = Publication
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Fetched once here: a callable of choices would be run again to render and to validate.
        self.form.fields["journal"].choices = list(
            Journal.objects.published().order_by("name", "pk").values_list("slug", "name")
        )

    # Exists() rather than a join, so that a person credited twice (author and editor) or an
    # event linked once does not repeat a publication.

    def by_author(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Authorship.objects.filter(
                    publication=OuterRef("pk"), person__slug=value, person__status=Status.PUBLISHED
                )
            )
        )

    def about_person(self, queryset, name, value):
        return queryset.filter(
            Exists(
                PublicationSubject.objects.filter(
                    publication=OuterRef("pk"), person__slug=value, person__status=Status.PUBLISHED
                )
            )
        )

    def discussing_event(self, queryset, name, value):
        return queryset.filter(
            Exists(
                PublicationEvent.objects.filter(
                    publication=OuterRef("pk"), event__slug=value, event__status=Status.PUBLISHED
                )
            )
        )

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*PUBLICATION_ORDERS[value])


# People


def has_published_works():
    return Exists(
        Authorship.objects.filter(person=OuterRef("pk"), publication__status=Status.PUBLISHED)
    )


class PersonFilterSet(SearchFilterSet):
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        method="in_role",
        empty_label=_("Everyone"),
        choices=[("author", _("Authors")), ("figure", _("Historical figures"))],
    )
    # "May have been born in the range": the span of possible birth days meets the range.
    born_min = YearFilter(label=_("Born from"), field_name="birth_latest", method="on_or_after")
    born_max = YearFilter(label=_("Born until"), field_name="birth_earliest", method="on_or_before")
    died_min = YearFilter(label=_("Died from"), field_name="death_latest", method="on_or_after")
    died_max = YearFilter(label=_("Died until"), field_name="death_earliest", method="on_or_before")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="sort_by",
        empty_label=None,
        choices=[("name", _("Family name, A–Z")), ("-name", _("Family name, Z–A"))],
    )

    class Meta:
        model = Person
        fields = []

    def in_role(self, queryset, name, value):
        # Authors of published works; everyone else is here as a figure written about.
        return queryset.filter(
            has_published_works() if value == "author" else ~has_published_works()
        )

    def on_or_after(self, queryset, name, value):
        return queryset.filter(**{f"{name}__gte": first_day(value)})

    def on_or_before(self, queryset, name, value):
        return queryset.filter(**{f"{name}__lte": last_day(value)})

    def sort_by(self, queryset, name, value):
        fields = ("family_name", "given_names", "display_name", "pk")
        if value == "-name":
            fields = tuple(f"-{field}" for field in fields)
        return queryset.order_by(*fields)


# Events


class EventFilterSet(SearchFilterSet):
    year_min = YearFilter(label=_("From year"), method="from_year")
    year_max = YearFilter(label=_("To year"), method="to_year")
    person = SlugFilter(
        label=_("Person taking part"), method="with_person", widget=forms.HiddenInput
    )
    place = django_filters.ChoiceFilter(label=_("Place"), empty_label=_("Anywhere"))

    class Meta:
        model = Event
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = (
            Event.objects.published()
            .exclude(place="")
            .order_by("place")
            .values_list("place", flat=True)
            .distinct()
        )
        self.form.fields["place"].choices = [(place, place) for place in places]

    # An event is in the range when it may have happened in it: its span of possible days meets
    # the range. Undated events are left out once a range is given.

    def from_year(self, queryset, name, value):
        return queryset.overlapping(first_day(value), None)

    def to_year(self, queryset, name, value):
        return queryset.overlapping(None, last_day(value))

    def with_person(self, queryset, name, value):
        return queryset.filter(
            Exists(
                EventParticipation.objects.filter(
                    event=OuterRef("pk"), person__slug=value, person__status=Status.PUBLISHED
                )
            )
        )


# Journals


def latest_metric(system: str, field: str) -> Subquery:
    """The value of `field` in the journal's latest ranking by `system`, as its page orders them."""
    return Subquery(
        JournalMetric.objects.filter(journal=OuterRef("pk"), system=system)
        .order_by(F("year").desc(nulls_last=True), "-recorded_on", "-pk")
        .values(field)[:1]
    )


class JournalFilterSet(SearchFilterSet):
    quartile = django_filters.ChoiceFilter(
        label=_("JCR quartile"),
        choices=JournalMetric.Quartile.choices,
        method="latest_quartile",
        empty_label=_("Any quartile"),
    )
    zone = django_filters.ChoiceFilter(
        label=_("CAS zone"),
        choices=[(str(zone), str(zone)) for zone in range(1, 5)],
        method="latest_zone",
        empty_label=_("Any zone"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), method="latest_category", empty_label=_("Any category")
    )

    class Meta:
        model = Journal
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = (
            JournalMetric.objects.filter(journal__status=Status.PUBLISHED)
            .exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.form.fields["category"].choices = [(category, category) for category in categories]

    def latest_quartile(self, queryset, name, value):
        return queryset.alias(
            latest_quartile=latest_metric(JournalMetric.System.JCR, "quartile")
        ).filter(latest_quartile=value)

    def latest_zone(self, queryset, name, value):
        return queryset.alias(latest_zone=latest_metric(JournalMetric.System.CAS, "zone")).filter(
            latest_zone=int(value)
        )

    def latest_category(self, queryset, name, value):
        return queryset.alias(
            latest_jcr_category=latest_metric(JournalMetric.System.JCR, "category"),
            latest_cas_category=latest_metric(JournalMetric.System.CAS, "category"),
        ).filter(Q(latest_jcr_category=value) | Q(latest_cas_category=value))
