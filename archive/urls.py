from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    # Not under events/, where an event whose slug is "timeline" would lose its page to it.
    path("timeline/", views.EventTimelineView.as_view(), name="event_timeline"),
    path("publications/", views.PublicationListView.as_view(), name="publication_list"),
    path("publications.csv", views.PublicationCSVView.as_view(), name="publication_list_csv"),
    *(
        path(
            f"publications.{citation_format.extension}",
            views.PublicationCitationsView.as_view(citation_format=citation_format),
            name=f"publication_list_{name}",
        )
        for name, citation_format in views.CITATION_FORMATS.items()
    ),
    path(
        "publications/<slug:slug>/",
        views.PublicationDetailView.as_view(),
        name="publication_detail",
    ),
    *(
        path(
            f"publications/<slug:slug>/cite.{citation_format.extension}",
            views.PublicationCitationView.as_view(citation_format=citation_format),
            name=f"publication_{name}",
        )
        for name, citation_format in views.CITATION_FORMATS.items()
    ),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people.csv", views.PersonCSVView.as_view(), name="person_list_csv"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events.csv", views.EventCSVView.as_view(), name="event_list_csv"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event_detail"),
    path("journals/", views.JournalListView.as_view(), name="journal_list"),
    path("journals.csv", views.JournalCSVView.as_view(), name="journal_list_csv"),
    path("journals/<slug:slug>/", views.JournalDetailView.as_view(), name="journal_detail"),
]
