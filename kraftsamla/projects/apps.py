from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "kraftsamla.projects"
    label = "projects"
    verbose_name = _("Project bank")

    def ready(self) -> None:
        from kraftsamla.projects import (
            policies,  # noqa: F401 - registers the rules
            receivers,  # noqa: F401 - connects the hooks
        )
