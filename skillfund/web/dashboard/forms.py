"""The HR bureau's form for the yearly employed-person figures (§2.b). Bounds and types are checked
here so a wrong value is named at its field; the rules (skilled ≤ employed …) are the action's,
whose refusals the view puts back at the same fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from skillfund.programme.actions import FIRST_YEAR, LAST_YEAR

MOST = 2_000_000_000


class WorkforceForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    region = forms.ChoiceField(label=_("Region"))
    employed = forms.IntegerField(label=_("Employed persons"), min_value=1, max_value=MOST)
    skilled_base = forms.IntegerField(
        label=_("Skilled workers (base)"),
        min_value=0,
        max_value=MOST,
        help_text=_("技能劳动者 counted by the statistics at the start of the year"),
    )
    high_skilled_base = forms.IntegerField(
        label=_("High-skilled workers (base)"),
        min_value=0,
        max_value=MOST,
        help_text=_("高级工, 技师 and 高级技师 among them"),
    )
    source_document = forms.CharField(
        label=_("Source document"),
        max_length=200,
        help_text=_("e.g. the statistical yearbook or the bureau's annual report the figures come from"),
    )

    def __init__(self, *args, regions: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions
