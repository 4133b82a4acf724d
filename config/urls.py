from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from archive import health, views
from archive.sitemaps import SITEMAPS

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("healthz", health.healthz, name="healthz"),
]

# English pages keep the unprefixed addresses; Chinese pages live under /zh-hans/. Each language
# version has its own permalink, and the address alone decides the language.
urlpatterns += i18n_patterns(
    path("", include("archive.urls")),
    prefix_default_language=False,
)
