from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "kraftsamla.support"
    label = "support"
    verbose_name = _("Regional support")

    def ready(self) -> None:
        from kraftsamla.core.start import register_start_section
        from kraftsamla.support import policies  # noqa: F401 - registers the rules
        from kraftsamla.support.start import enrolments_section, gaps_section, offers_section

        register_start_section(
            key="support.enrolments",
            template="support/start_enrolments.html",
            context=enrolments_section,
            order=20,
        )
        register_start_section(
            key="support.offers",
            template="support/start_offers.html",
            context=offers_section,
            order=30,
        )
        register_start_section(
            key="support.gaps",
            template="support/start_gaps.html",
            context=gaps_section,
            order=50,
        )
