from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwinningConfig(AppConfig):
    name = "kraftsamla.twinning"
    label = "twinning"
    verbose_name = _("Twin cities and peers")

    def ready(self) -> None:
        from kraftsamla.twinning import policies  # noqa: F401 - registers the rules
