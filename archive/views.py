"""The public pages: each view hands a selector's published records to its template."""

from django.core.paginator import Paginator
from django.views.generic import DetailView, ListView, TemplateView

from archive import selectors

PAGE_SIZE = 25


class HomeView(TemplateView):
    template_name = "archive/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=selectors.published_counts(),
            latest_publications=selectors.latest_publications(),
            **kwargs,
        )


class PublicationListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.publication_list()


class PublicationDetailView(DetailView):
    def get_queryset(self):
        return selectors.publication_detail_queryset()


class PersonListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.person_list()


class PersonDetailView(DetailView):
    def get_queryset(self):
        return selectors.person_detail_queryset()


class EventListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.event_list()


class EventDetailView(DetailView):
    def get_queryset(self):
        return selectors.event_detail_queryset()


class JournalListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.journal_list()


class JournalDetailView(DetailView):
    def get_queryset(self):
        return selectors.journal_detail_queryset()

    def get_context_data(self, **kwargs):
        paginator = Paginator(selectors.journal_publications(self.object), PAGE_SIZE)
        return super().get_context_data(
            publications_page=paginator.get_page(self.request.GET.get("page")), **kwargs
        )
