from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "skillfund.demo"
    verbose_name = "Demo data"
