"""sitemap.xml: the public pages and every published record, in both interface languages.

Each address is listed once per language, with the other language's version (and the English
one as `x-default`) as `hreflang` alternates. Records are read as (slug, last change) pairs, not
model instances, since the framework lists a section whole to paginate it.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from archive.models import Event, Journal, Person, Publication

# The sitemaps protocol allows 50,000 addresses per file; a smaller page keeps each one quick.
ADDRESSES_PER_FILE = 10_000


class BilingualSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    limit = ADDRESSES_PER_FILE


class PageSitemap(BilingualSitemap):
    """The home page and the four lists."""

    changefreq = "daily"

    def items(self):
        return [
            "archive:home",
            "archive:publication_list",
            "archive:person_list",
            "archive:event_list",
            "archive:journal_list",
        ]

    def location(self, item):
        return reverse(item)


class RecordSitemap(BilingualSitemap):
    """Every published record of one kind, oldest first so that pages stay stable."""

    model: type
    url_name: str

    def items(self):
        return self.model.objects.published().order_by("pk").values_list("slug", "updated_at")

    def location(self, item):
        return reverse(self.url_name, kwargs={"slug": item[0]})

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        # One aggregate, rather than the framework's reading of every record for the index.
        return self.model.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class PublicationSitemap(RecordSitemap):
    model = Publication
    url_name = "archive:publication_detail"


class PersonSitemap(RecordSitemap):
    model = Person
    url_name = "archive:person_detail"


class EventSitemap(RecordSitemap):
    model = Event
    url_name = "archive:event_detail"


class JournalSitemap(RecordSitemap):
    model = Journal
    url_name = "archive:journal_detail"


SITEMAPS = {
    "pages": PageSitemap,
    "publications": PublicationSitemap,
    "people": PersonSitemap,
    "events": EventSitemap,
    "journals": JournalSitemap,
}
