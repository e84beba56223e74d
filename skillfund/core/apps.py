from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "skillfund.core"
    verbose_name = _("Audit and core")

    def ready(self) -> None:
        from skillfund.core import checks  # noqa: F401  (registers the production checks)
