"""Forms of the public site that are not a list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_LENGTH = 200


class SiteSearchForm(forms.Form):
    """The one search box across everything; its `q` is the lists' `q`."""

    q = forms.CharField(
        label=_("Search the archive"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        help_text=_(
            "Titles, names in any script, journals, places. Every word must match; accents and "
            "case do not matter."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
