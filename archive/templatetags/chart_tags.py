"""The charts of `archive.charts`, laid out where an include draws them."""

from django import template

from archive import charts

register = template.Library()


@register.simple_tag
def event_timeline(events):
    return charts.event_timeline(events)


@register.simple_tag
def bar_chart(values, decimal_places=0):
    return charts.bar_chart(values, decimal_places=decimal_places)


@register.simple_tag
def impact_factors(history):
    """{year: impact factor} of a `selectors.journal_metric_history`, for `bar_chart`."""
    return {row.year: row.impact_factor for row in history if row.impact_factor is not None}


@register.simple_tag
def rank_chart(history):
    return charts.rank_chart(history)
