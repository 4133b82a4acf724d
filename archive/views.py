"""The public pages: each view hands a selector's published records to its template."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.views.generic import DetailView, ListView, TemplateView

from archive import selectors
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


class PublicationListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.publication_list()


class PublicationDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.PUBLICATION

    def get_queryset(self):
        return selectors.publication_detail_queryset()


class PersonListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.person_list()


class PersonDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.PERSON

    def get_queryset(self):
        return selectors.person_detail_queryset()


class EventListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.event_list()


class EventDetailView(RecordDetailView):
    former_slug_kind = FormerSlug.Kind.EVENT

    def get_queryset(self):
        return selectors.event_detail_queryset()


class JournalListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
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
