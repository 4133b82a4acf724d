from django.views.generic import DetailView, ListView, TemplateView

from archive.models import Event, Journal, Person, Publication


class HomeView(TemplateView):
    template_name = "archive/home.html"


class PublicationListView(ListView):
    queryset = Publication.objects.published()


class PublicationDetailView(DetailView):
    queryset = Publication.objects.published()


class PersonListView(ListView):
    queryset = Person.objects.published()


class PersonDetailView(DetailView):
    queryset = Person.objects.published()


class EventListView(ListView):
    queryset = Event.objects.published()


class EventDetailView(DetailView):
    queryset = Event.objects.published()


class JournalListView(ListView):
    queryset = Journal.objects.published()


class JournalDetailView(DetailView):
    queryset = Journal.objects.published()
