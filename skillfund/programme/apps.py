from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "skillfund.programme"
    verbose_name = _("Programme and targets (§2, §3.1, Annex)")
