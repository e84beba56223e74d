"""The worker's sign-in forms: mobile number, one-time code, and the first sign-in's real-name binding."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from skillfund.accounts import mobile


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )

    def clean_mobile(self) -> str:
        try:
            return mobile.normalize(self.cleaned_data["mobile"])
        except mobile.InvalidMobile:
            raise forms.ValidationError(_("Enter an 11-digit mobile number starting with 1.")) from None


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6-digit code from the text message"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class BindForm(forms.Form):
    name = forms.CharField(label=_("Name (as on your ID card)"), max_length=60)
    id_number = forms.CharField(
        label=_("ID card number"),
        max_length=18,
        min_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "min_length": _("An ID number has 18 characters."),
            "max_length": _("An ID number has 18 characters."),
        },
    )

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name
