"""Template context every public page needs."""

from django.conf import settings
from django.urls import translate_url


def language_versions(request):
    """The address of the current page in each interface language, for the language switcher and
    the `hreflang` alternates. Query strings (filters, page) are kept."""
    # One slash at the start, however many the request had: "//host/..." or "///host/..." in a
    # link leads a browser to another site.
    path = "/" + request.get_full_path().lstrip("/")
    versions = [
        {"code": code, "name": name, "url": translate_url(path, code)}
        for code, name in settings.LANGUAGES
    ]
    return {"language_versions": versions}
