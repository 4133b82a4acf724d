"""The public pages: each view hands a selector's published records to its template."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.views.generic import DetailView, ListView, TemplateView

from archive import filters, selectors
from archive.models import FormerSlug

PAGE_SIZE = 25


class HomeView(TemplateView):
    template_name = "archive/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=selectors.published_counts(),
            latest_publications=selectors.latest_publications(),
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


class FilteredListView(ListView):
    """A selector's published records narrowed by a FilterSet. A filter that cannot be read
    (a year that is not a number, an unknown choice) is shown with its error and no records,
    rather than a list the reader would take for filtered."""

    paginate_by = PAGE_SIZE
    filterset_class: type[filters.SearchFilterSet]

    def get_base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset()
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        form = self.filterset.form
        filtered = any(self.request.GET.get(name) for name in form.fields if name != "sort")
        return super().get_context_data(filter_form=form, filtered=filtered, **kwargs)


class PublicationListView(FilteredListView):
    filterset_class = filters.PublicationFilterSet

    def get_base_queryset(self):
        return selectors.publication_list()


class PublicationDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.PUBLICATION

    def get_queryset(self):
        return selectors.publication_detail_queryset()


class PersonListView(FilteredListView):
    filterset_class = filters.PersonFilterSet

    def get_base_queryset(self):
        return selectors.person_list()


class PersonDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.PERSON

    def get_queryset(self):
        return selectors.person_detail_queryset()


class EventListView(FilteredListView):
    filterset_class = filters.EventFilterSet

    def get_base_queryset(self):
        return selectors.event_list()


class EventDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.EVENT

    def get_queryset(self):
        return selectors.event_detail_queryset()


class JournalListView(FilteredListView):
    filterset_class = filters.JournalFilterSet

    def get_base_queryset(self):
        return selectors.journal_list()


class JournalDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.JOURNAL

    def get_queryset(self):
        return selectors.journal_detail_queryset()

    def get_context_data(self, **kwargs):
        paginator = Paginator(selectors.journal_publications(self.object), PAGE_SIZE)
        return super().get_context_data(
            publications_page=paginator.get_page(self.request.GET.get("page")), **kwargs
        )
