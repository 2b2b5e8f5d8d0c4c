from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "kraftsamla.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from kraftsamla.followup import policies  # noqa: F401 - registers the rules
