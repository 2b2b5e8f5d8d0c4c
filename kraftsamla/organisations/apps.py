from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def home_stats(request) -> dict:
    """Give the home page the platform's counts of organisations."""
    from kraftsamla.organisations.selectors import platform_stats

    return {"stats": platform_stats()}


class OrganisationsConfig(AppConfig):
    name = "kraftsamla.organisations"
    label = "organisations"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        from kraftsamla.core.home import register_home_context
        from kraftsamla.organisations import (
            policies,  # noqa: F401 - registers the rules
            scopes,  # noqa: F401 - declares the data scopes
        )

        register_home_context(home_stats)
