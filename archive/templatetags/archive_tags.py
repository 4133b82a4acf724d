"""Showing records safely: stored markup, links out, language names and page ranges."""

import html
from urllib.parse import urlsplit

import nh3
from django import template
from django.utils.safestring import mark_safe

from archive import identifiers
from archive.models import Language

register = template.Library()

# The inline markup titles and abstracts carry: italics for titles of works and foreign words,
# sub- and superscripts, and JATS small caps (<sc>). No attributes, so no event handlers or styles.
INLINE_MARKUP = {"i", "em", "b", "strong", "sub", "sup", "sc", "span"}

LANGUAGE_NAMES = dict(Language.choices)


@register.filter
def safe_markup(value) -> str:
    """Stored markup cleaned again at display, so a bad import or admin edit cannot inject."""
    if not value:
        return ""
    # nh3 returns well-formed HTML holding only the tags above; that is what makes it safe.
    return mark_safe(nh3.clean(str(value), tags=INLINE_MARKUP, attributes={}))


@register.filter
def plain_text(value) -> str:
    """Markup reduced to its text, for <title> and meta tags; autoescaping escapes it again."""
    if not value:
        return ""
    return html.unescape(nh3.clean(str(value), tags=set()))


@register.filter
def external_url(value) -> str:
    """The URL if it is a web address, else ''; a stored `javascript:` link is never followed."""
    if value and urlsplit(str(value)).scheme.lower() in {"http", "https"}:
        return value
    return ""


@register.filter
def language_name(code) -> str:
    """`zh-Hans` -> "Chinese (simplified script)"; a code the archive does not name stays a code."""
    return LANGUAGE_NAMES.get(code, code)


register.filter("orcid_url", identifiers.orcid_url)
register.filter("wikidata_url", identifiers.wikidata_url)
register.filter("viaf_url", identifiers.viaf_url)


@register.simple_tag
def page_range(page_obj):
    """Page numbers around the current one, with `Paginator.ELLIPSIS` for the gaps."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)


@register.simple_tag(takes_context=True)
def querystring_without(context, name: str) -> str:
    """The current query string without one parameter (nor the page, which would then be off)."""
    query = context["request"].GET.copy()
    for key in (name, "page"):
        query.pop(key, None)
    return f"?{query.urlencode()}" if query else "?"
