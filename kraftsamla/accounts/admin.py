"""People in the Django admin: roles and invitations read-only; user edits audited."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from kraftsamla.accounts import services
from kraftsamla.accounts.models import ApiToken, Invitation, OrganisationRole, User
from kraftsamla.core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Staff may edit accounts here; each save and delete is audited (passwords never)."""

    change_rule = "accounts.user.change_in_admin"

    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "is_demo"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def user_change_password(self, request, id, form_url=""):
        """Django's own password form, then the same record and token revocation as the
        account page's (one transaction, so a failed audit keeps the old password)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                services.user_password_changed(actor=request.user, user=user)
        return response


@admin.register(OrganisationRole)
class OrganisationRoleAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organisation", "role", "created_at", "accepted_at"]
    exclude = ["token_hash"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "prefix", "created_at"]
    exclude = ["key_hash"]
