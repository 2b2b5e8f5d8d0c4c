from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "kraftsamla.funding"
    label = "funding"
    verbose_name = _("Funding calls")

    def ready(self) -> None:
        from kraftsamla.core.start import register_start_section
        from kraftsamla.funding import policies, receivers  # noqa: F401 - registers them
        from kraftsamla.funding.start import invitations_section, notices_section

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
