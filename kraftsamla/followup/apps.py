from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "kraftsamla.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from kraftsamla.core.sections import register_object_section
        from kraftsamla.followup import policies  # noqa: F401 - registers the rules
        from kraftsamla.followup.selectors import public_panel
        from kraftsamla.organisations.selectors import ORGANISATION_SECTIONS_PAGE

        register_object_section(
            page=ORGANISATION_SECTIONS_PAGE,
            key="followup.commitments",
            template="followup/organisation_panel.html",
            context=public_panel,
            depends_on=("followup",),
            order=10,
        )
