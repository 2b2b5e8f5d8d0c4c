from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kraftsamla.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from kraftsamla.accounts import access, policies  # noqa: F401 - registers the rules
        from kraftsamla.core.access import register_access_loader

        register_access_loader(roles=access.roles_of, coordinated=access.coordinated_by)
