from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "kraftsamla.funding"
    label = "funding"
    verbose_name = _("Funding calls")

    def ready(self) -> None:
        from kraftsamla.core.sections import register_object_section
        from kraftsamla.core.start import register_start_section
        from kraftsamla.funding import policies, receivers  # noqa: F401 - registers them
        from kraftsamla.funding.start import (
            invitations_section,
            notices_section,
            project_applications_section,
        )
        from kraftsamla.projects.selectors import PROJECT_PAGE

        register_start_section(
            key="funding.notices",
            template="funding/start_notices.html",
            context=notices_section,
            order=40,
        )
        register_start_section(
            key="funding.invitations",
            template="funding/start_invitations.html",
            context=invitations_section,
            order=41,
        )
        register_object_section(
            page=PROJECT_PAGE,
            key="funding.applications",
            template="funding/project_applications.html",
            context=project_applications_section,
            order=10,
        )
