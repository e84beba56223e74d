from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "skillfund.registry"
    verbose_name = _("Real-name registry (§4.4.d)")
