"""The portal's filter forms (GET). A value that is not one of the choices is an error shown at its
field, and the list is shown without that filter."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from skillfund.catalog.models import TrainingType
from skillfund.regions.models import Region

SEARCH_MAX_CHARS = 60


def _english() -> bool:
    return (get_language() or "").startswith("en")


class _Filter(forms.Form):
    def chosen(self) -> dict:
        """The valid values (cleaning each field runs once): an invalid field counts as not chosen."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def query_without_page(self) -> str:
        """The chosen filters as a query string, for the pager's links."""
        if not self.is_bound:
            return ""
        return urlencode({name: value for name, value in self.chosen().items()})


class CatalogFilter(_Filter):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    q = forms.CharField(
        label=_("Occupation"),
        max_length=SEARCH_MAX_CHARS,
        required=False,
        strip=True,
        help_text=_("Name or code, e.g. 焊工 or 6-18-02-04"),
    )
    type = forms.ChoiceField(label=_("Training type"), required=False)

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["type"].choices = [("", _("all types")), *TrainingType.choices]


class ClassFilter(_Filter):
    district = forms.ChoiceField(label=_("Banner or district"), required=False)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False)

    def __init__(self, *args, districts: list[Region], occupations: list[tuple[str, str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        english = _english()
        self.fields["district"].choices = [
            ("", _("all banners and districts")),
            *((r.code, (r.name_en or r.name) if english else r.name) for r in districts),
        ]
        self.fields["occupation"].choices = [
            ("", _("all occupations")),
            *((code, f"{(name_en or name) if english else name} ({code})") for code, name, name_en in occupations),
        ]
