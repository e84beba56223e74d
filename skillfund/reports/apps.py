from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "skillfund.reports"
    label = "reports"
    verbose_name = _("public disclosure of fund use (§4.3.a)")
