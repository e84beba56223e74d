from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "skillfund.catalog"
    verbose_name = _("Training catalog (§4.4.c)")
