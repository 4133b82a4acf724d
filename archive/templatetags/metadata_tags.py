"""A record page's metadata for machines: canonical address, Highwire Press, Open Graph, JSON-LD."""

from django import template
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from archive import metadata

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context, record, page=1) -> str:
    """The record's own address in the page's language, whatever else the query string held;
    a later page of the records it lists keeps its number."""
    url = metadata.absolute(context["request"], record.get_absolute_url())
    return f"{url}?page={page}" if page != 1 else url


@register.simple_tag(takes_context=True)
def highwire_tags(context, publication):
    return format_html_join(
        "\n  ",
        '<meta name="{}" content="{}">',
        metadata.highwire_tags(publication, context["request"]),
    )


@register.simple_tag(takes_context=True)
def open_graph_tags(context, record):
    tags = metadata.open_graph(record, context["request"], site_name=_("Cold War Archive"))
    return format_html_join("\n  ", '<meta property="{}" content="{}">', tags)


@register.simple_tag(takes_context=True)
def json_ld(context, record):
    return metadata.json_ld_script(metadata.json_ld(record, context["request"]))


@register.simple_tag
def record_description(record) -> str:
    return metadata.description(record)
