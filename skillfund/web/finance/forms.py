"""The finance pages' forms: they parse and bound input; every rule is in funds/payments.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from skillfund.claims.models import Application
from skillfund.funds.payments import BANK_REFERENCE_MAX

BATCH_MAX = 500  # applications per batch created from the page


class PayableFilter(forms.Form):
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    q = forms.CharField(label=_("Reference or payee"), required=False, max_length=60)

    def __init__(self, *args, departments=(), **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["department"].choices = [("", _("All departments")), *[(d.pk, str(d)) for d in departments]]
        self.fields["kind"].choices = [("", _("All kinds")), *Application.Kind.choices]


class IdChoices(forms.ModelMultipleChoiceField):
    """Ids that are not small positive integers are refused at the field, before any query (a
    40-digit id would overflow the database's integer)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not text.isascii() or not text.isdigit() or len(text) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": text[:20]}
                )
        return super()._check_values(value)


class BatchCreateForm(forms.Form):
    applications = IdChoices(
        label=_("Applications"),
        queryset=Application.objects.none(),
        error_messages={"required": _("Choose at least one application.")},
    )

    def __init__(self, *args, applications=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if applications is not None:
            self.fields["applications"].queryset = applications

    def clean_applications(self):
        chosen = self.cleaned_data["applications"]
        if len(chosen) > BATCH_MAX:
            raise forms.ValidationError(
                _("A batch holds at most %(max)s applications; you chose %(n)s."),
                params={"max": BATCH_MAX, "n": len(chosen)},
            )
        return chosen


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "data-nokeep": ""}),
    )

    def __init__(self, *args, code_needed: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = code_needed
        if not code_needed:
            self.fields["code"].widget = forms.HiddenInput()

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if code and not (code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("The code has digits only."))
        return code


class BankReferenceForm(forms.Form):
    reference = forms.CharField(label=_("Bank reference"), max_length=BANK_REFERENCE_MAX)


class LineCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for taking the line out"), max_length=300)


class BankAccountForm(forms.Form):
    account_name = forms.CharField(label=_("Account name"), max_length=120)
    bank_name = forms.CharField(label=_("Bank (branch)"), max_length=120)
    number = forms.CharField(
        label=_("Account number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "data-nokeep": ""}),
    )


class ReferencesUploadForm(forms.Form):
    file = forms.FileField(label=_("The bank's file with references (.xlsx or .csv: 申请编号, 银行流水号)"))
