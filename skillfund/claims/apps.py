from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "skillfund.claims"
    verbose_name = _("Claims and decisions (§3.3)")
