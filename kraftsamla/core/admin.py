from django.contrib import admin

from kraftsamla.core.models import AuditEvent
from kraftsamla.core.services import admin_object_delete, admin_object_save


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


class AuditedAdmin(admin.ModelAdmin):
    """Let staff edit rows in the Django admin through audited saves.

    Each save and delete, also of an inline's rows, asks `change_rule` about
    `rule_object(obj)` and writes an audit row (see core/services.py).
    """

    change_rule: str = ""

    def rule_object(self, obj):
        """Return what `change_rule` is asked about (default: the object itself)."""
        return obj

    def save_model(self, request, obj, form, change):
        self._save(request, obj, form.changed_data)

    def delete_model(self, request, obj):
        admin_object_delete(
            actor=request.user, rule=self.change_rule, obj=obj, rule_object=self.rule_object(obj)
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        changed = {id(f.instance): f.changed_data for f in formset.forms}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_model(request, obj)
        for obj in instances:
            self._save(request, obj, changed.get(id(obj), []))
        formset.save_m2m()

    def _save(self, request, obj, changed_fields) -> None:
        admin_object_save(
            actor=request.user,
            rule=self.change_rule,
            obj=obj,
            changed_fields=changed_fields,
            rule_object=self.rule_object(obj),
        )


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
