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
        from kraftsamla.capacity.start import answers_section, follow_up_section
        from kraftsamla.core.start import register_start_section

        register_start_section(
            key="capacity.answers",
            template="capacity/start_answers.html",
            context=answers_section,
            order=10,
        )
        register_start_section(
            key="capacity.follow_up",
            template="capacity/start_follow_up.html",
            context=follow_up_section,
            order=40,
        )
