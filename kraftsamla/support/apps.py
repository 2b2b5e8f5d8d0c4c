from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "kraftsamla.support"
    label = "support"
    verbose_name = _("Regional support")

    def ready(self) -> None:
        from kraftsamla.support import policies  # noqa: F401 - registers the rules
