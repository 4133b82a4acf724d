"""The public pages: each view hands a selector's published records to its template."""

from django.conf import settings
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, ListView, TemplateView, View

from archive import filters, forms, freshness, selectors
from archive.exporting import citations, kept, streaming
from archive.models import FormerSlug
from archive.pagination import IdsFirstPaginator

PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 50
CSV_LABEL = gettext_lazy("CSV")
# URL name suffix -> format, for a publication's own downloads and its list's.
CITATION_FORMATS = {
    "bibtex": citations.BIBTEX,
    "ris": citations.RIS,
    "csljson": citations.CSL_JSON,
}


class RobotsView(TemplateView):
    """robots.txt: crawlers may read every public page, but not the admin nor whole-list
    downloads, which are costly to make and hold nothing the pages do not."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
    downloads = [
        "archive:publication_list_csv",
        "archive:person_list_csv",
        "archive:event_list_csv",
        "archive:journal_list_csv",
        *(f"archive:publication_list_{name}" for name in CITATION_FORMATS),
    ]

    def get_context_data(self, **kwargs):
        disallowed = []
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                disallowed += [reverse(url_name) for url_name in self.downloads]
        return super().get_context_data(
            disallowed=disallowed,
            sitemap_url=self.request.build_absolute_uri(reverse("sitemap-index")),
            **kwargs,
        )


class HomeView(TemplateView):
    template_name = "archive/home.html"

    def get_context_data(self, **kwargs):
        # Counted again only once the archive has changed.
        summary = freshness.while_unchanged("home", self.summary)
        return super().get_context_data(
            search_form=forms.SiteSearchForm(),
            recent_additions=selectors.recent_additions(),
            **summary,
            **kwargs,
        )

    @staticmethod
    def summary() -> dict:
        return {
            "counts": selectors.published_counts(),
            "timeline_events": selectors.timeline_highlights(),
            "publications_per_year": selectors.publications_per_year(),
        }


class SearchView(TemplateView):
    """One search across every kind of record: how many of each it finds and the first few,
    each kind with a link to its list searched the same way."""

    template_name = "archive/search.html"

    def get_context_data(self, **kwargs):
        form = forms.SiteSearchForm(self.request.GET)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        results = selectors.search_everything(query)
        return super().get_context_data(
            search_form=form,
            query=query,
            results=results,
            found=sum(kind.count for kind in results.values()) if results else 0,
            **kwargs,
        )


class RecordDetailView(DetailView):
    """A published record's page; a slug the record had before a merge redirects to it (301)."""

    former_slug_kind: str

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            record = selectors.record_by_former_slug(
                kind=self.former_slug_kind, slug=self.kwargs["slug"]
            )
            if record is None:
                raise
            return HttpResponsePermanentRedirect(record.get_absolute_url())
        return self.render_to_response(self.get_context_data(object=self.object))


class FilteredRecords:
    """A selector's published records narrowed by a FilterSet, for a list page or a download."""

    filterset_class: type[filters.SearchFilterSet]

    def get_base_queryset(self):
        raise NotImplementedError

    def get_filterset(self):
        return self.filterset_class(self.request.GET or None, queryset=self.get_base_queryset())


class FilteredListView(FilteredRecords, ListView):
    """A filtered list. A filter that cannot be read (a year that is not a number, an unknown
    choice) is shown with its error and no records, rather than a list the reader would take for
    filtered. `download_formats` are (URL name, label) pairs: each is offered as a link to the
    records of every page, with the filters of this one. Each filter in use comes with a link
    that removes it; a FilterSet with `facets()` has its counts shown as links that narrow."""

    paginate_by = PAGE_SIZE
    paginator_class = IdsFirstPaginator
    download_formats: list[tuple[str, str]] = []

    def get_queryset(self):
        self.filterset = self.get_filterset()
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def query_with(self, **changes) -> str:
        """This page's query string with some parameters set or, when None, removed; always
        back to the first page."""
        query = self.request.GET.copy()
        query.pop("page", None)
        for name, value in changes.items():
            query.pop(name, None)
            if value is not None:
                query[name] = value
        return f"?{query.urlencode()}" if query else "?"

    def get_downloads(self) -> list[dict]:
        suffix = self.query_with().rstrip("?")
        return [
            {"url": reverse(url_name) + suffix, "label": label}
            for url_name, label in self.download_formats
        ]

    def get_facets(self) -> list[dict]:
        facets = getattr(self.filterset, "facets", None)
        if facets is None:
            return []
        return [
            {
                "name": facet.name,
                "label": facet.label,
                "values": [
                    {
                        "label": value.label,
                        "count": value.count,
                        "selected": value.selected,
                        "url": self.query_with(
                            **{
                                **dict.fromkeys(facet.params),
                                **({} if value.selected else value.params),
                            }
                        ),
                    }
                    for value in facet.values
                ],
            }
            for facet in facets()
            if facet.values
        ]

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        total = getattr(self.filterset, "fresh_total", None)
        if total is not None:
            paginator.count = total  # counted with the facets, under this content version
        return paginator

    def get_context_data(self, **kwargs):
        facets = self.get_facets()  # before the page, which may take its total from them
        form = self.filterset.form
        filtered = any(self.request.GET.get(name) for name in form.fields if name != "sort")
        readable = not self.filterset.is_bound or self.filterset.is_valid()
        active_filters = [
            {
                "label": active.label,
                "value": active.value,
                "remove": self.query_with(**{active.name: None}),
            }
            for active in self.filterset.active_filters()
        ]
        return super().get_context_data(
            filter_form=form,
            filtered=filtered,
            active_filters=active_filters,
            facets=facets,
            downloads=self.get_downloads() if readable else [],
            permalink=self.request.build_absolute_uri(
                self.request.path + self.query_with().rstrip("?")
            ),
            **kwargs,
        )


class FilteredDownloadView(FilteredRecords, View):
    """Every record of a filtered list, in one file. Filters that cannot be read get a 400 that
    says which, never a file the reader would take for filtered."""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if filterset.is_bound and not filterset.is_valid():
            problems = "\n".join(
                f"{filterset.form.fields[name].label}: {' '.join(errors)}"
                for name, errors in filterset.form.errors.items()
            )
            return HttpResponseBadRequest(
                _("These filters could not be used:") + "\n" + problems,
                content_type="text/plain; charset=utf-8",
            )
        return self.download(filterset.qs)

    def download(self, queryset):
        raise NotImplementedError


class CSVDownloadView(FilteredDownloadView):
    """The archive's own CSV, the columns its importer reads, streamed. The whole, unfiltered
    file is the same for every reader until the archive changes: it is kept and served as it
    is, with an ETag."""

    filename: str

    def download(self, queryset):
        if self.request.GET:
            response = StreamingHttpResponse(
                streaming.csv_download(queryset), content_type=kept.CONTENT_TYPE
            )
        else:
            response = kept.whole_csv(
                self.request, self.filename, lambda: streaming.csv_download(queryset)
            )
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response


class PublicationRecords(FilteredRecords):
    filterset_class = filters.PublicationFilterSet

    def get_base_queryset(self):
        return selectors.publication_list()


class PublicationListView(PublicationRecords, FilteredListView):
    def get_base_queryset(self):
        return selectors.publication_summaries()

    download_formats = [
        ("archive:publication_list_csv", CSV_LABEL),
        ("archive:publication_list_bibtex", gettext_lazy("BibTeX")),
        ("archive:publication_list_ris", gettext_lazy("RIS")),
        ("archive:publication_list_csljson", gettext_lazy("CSL-JSON")),
    ]


class PublicationCSVView(PublicationRecords, CSVDownloadView):
    filename = "publications.csv"


class PublicationCitationsView(PublicationRecords, FilteredDownloadView):
    """Every publication of the filtered list as BibTeX, RIS or CSL-JSON, streamed."""

    citation_format: citations.CitationFormat = citations.BIBTEX

    def download(self, queryset):
        response = StreamingHttpResponse(
            citations.stream(queryset, self.citation_format),
            content_type=self.citation_format.content_type,
        )
        filename = f"publications.{self.citation_format.extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PublicationDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.PUBLICATION

    def get_queryset(self):
        return selectors.publication_detail_queryset()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            citation=citations.formatted_citation(self.object),
            citation_formats=[
                (f"archive:publication_{name}", citation_format.name)
                for name, citation_format in CITATION_FORMATS.items()
            ],
            **kwargs,
        )


class PublicationCitationView(DetailView):
    """One publication as BibTeX, RIS or CSL-JSON."""

    citation_format: citations.CitationFormat = citations.BIBTEX

    def get_queryset(self):
        return selectors.publication_citations()

    def render_to_response(self, context, **response_kwargs):
        response = HttpResponse(
            citations.single(self.object, self.citation_format),
            content_type=self.citation_format.content_type,
        )
        filename = f"{self.object.slug}.{self.citation_format.extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PersonRecords(FilteredRecords):
    filterset_class = filters.PersonFilterSet

    def get_base_queryset(self):
        return selectors.person_list()


class PersonListView(PersonRecords, FilteredListView):
    download_formats = [("archive:person_list_csv", CSV_LABEL)]


class PersonCSVView(PersonRecords, CSVDownloadView):
    filename = "people.csv"


class PersonDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.PERSON

    def get_queryset(self):
        return selectors.person_detail_queryset()

    def get_context_data(self, **kwargs):
        return super().get_context_data(links=selectors.person_links(self.object), **kwargs)


class EventRecords(FilteredRecords):
    filterset_class = filters.EventFilterSet

    def get_base_queryset(self):
        return selectors.event_list()


class EventListView(EventRecords, FilteredListView):
    download_formats = [("archive:event_list_csv", CSV_LABEL)]

    def get_context_data(self, **kwargs):
        order = self.request.GET.get("sort") or "date"
        return super().get_context_data(chronological=order == "date", **kwargs)


class EventCSVView(EventRecords, CSVDownloadView):
    filename = "events.csv"


class EventTimelineView(EventRecords, FilteredListView):
    """The dated events, filtered as on their list, on a time axis in time order."""

    template_name = "archive/event_timeline.html"
    paginate_by = TIMELINE_PAGE_SIZE

    def get_base_queryset(self):
        return selectors.dated_events()


class EventDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.EVENT

    def get_queryset(self):
        return selectors.event_detail_queryset()

    def get_context_data(self, **kwargs):
        links = selectors.event_links(self.object, page=self.request.GET.get("page"))
        return super().get_context_data(links=links, **kwargs)


class JournalRecords(FilteredRecords):
    filterset_class = filters.JournalFilterSet

    def get_base_queryset(self):
        return selectors.journal_list()


class JournalListView(JournalRecords, FilteredListView):
    download_formats = [("archive:journal_list_csv", CSV_LABEL)]


class JournalCSVView(JournalRecords, CSVDownloadView):
    filename = "journals.csv"


class JournalDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.JOURNAL

    def get_queryset(self):
        return selectors.journal_detail_queryset()

    def get_context_data(self, **kwargs):
        paginator = IdsFirstPaginator(selectors.journal_publications(self.object), PAGE_SIZE)
        return super().get_context_data(
            publications_page=paginator.get_page(self.request.GET.get("page")),
            metric_history=selectors.journal_metric_history(self.object),
            publications_per_year=selectors.publications_per_year(journal=self.object),
            **kwargs,
        )
