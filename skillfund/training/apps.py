from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "skillfund.training"
    verbose_name = _("Training delivery (§4.3.d)")
