from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "skillfund.portal"
    verbose_name = "public portal"
