"""People in the Django admin: roles and invitations read-only; user edits audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from kraftsamla.accounts import services
from kraftsamla.accounts.models import ApiToken, Invitation, OrganisationRole, User
from kraftsamla.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff may edit accounts here; each save and delete is audited through a service."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "is_demo"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        services.user_save_from_admin(
            actor=request.user, user=obj, changed_fields=list(form.changed_data)
        )

    def delete_model(self, request, obj):
        services.user_delete_from_admin(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete_from_admin(actor=request.user, user=user)


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
