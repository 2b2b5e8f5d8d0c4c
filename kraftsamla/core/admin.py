from django.contrib import admin

from kraftsamla.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show rows in the Django admin without a second, unaudited write path.

    Audited data changes only through the services (pages, API, loaders).
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "organisation",
    ]
    list_filter = ["action", "object_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
