from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "kraftsamla.capacity"
    label = "capacity"
    verbose_name = _("Transition capacity")

    def ready(self) -> None:
        from kraftsamla.capacity import (
            policies,  # noqa: F401 - registers the rules
            receivers,  # noqa: F401 - connects the hooks
        )
