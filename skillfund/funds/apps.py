from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "skillfund.funds"
    verbose_name = _("Special account and budgets (§4.2)")
