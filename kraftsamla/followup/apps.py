from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "kraftsamla.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from kraftsamla.core.panels import register_organisation_panel
        from kraftsamla.followup import policies  # noqa: F401 - registers the rules
        from kraftsamla.followup.selectors import public_panel

        register_organisation_panel(
            key="followup.commitments",
            template="followup/organisation_panel.html",
            context=public_panel,
            depends_on=("followup",),
            order=10,
        )
