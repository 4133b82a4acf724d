from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
]

# English pages keep the unprefixed addresses; Chinese pages live under /zh-hans/. Each language
# version has its own permalink, and the address alone decides the language.
urlpatterns += i18n_patterns(
    path("", include("archive.urls")),
    prefix_default_language=False,
)
