"""Let platform staff edit the framework as versioned data.

A version that assessments already use is read-only here, so past assessments
never change; staff copy it into a new version (admin action) and edit that.
Every save goes through an audited service; assessments are read-only here.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity import services
from kraftsamla.capacity.models import Assessment, Capital, Framework, Statement
from kraftsamla.core.admin import AuditedAdmin, ReadOnlyAdmin

FRAMEWORK_RULE = "capacity.framework.change"


class InUseReadOnly:
    def _framework_in_use(self, obj) -> bool:
        framework = obj if isinstance(obj, Framework) else getattr(obj, "framework", None)
        if framework is None and isinstance(obj, Statement):
            framework = obj.capital.framework
        return bool(framework and framework.pk and framework.assessments.exists())

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._framework_in_use(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._framework_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)


class CapitalInline(admin.StackedInline):
    model = Capital
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.assessments.exists()) and super().has_change_permission(
            request, obj
        )


class StatementInline(admin.StackedInline):
    model = Statement
    extra = 0

    def has_change_permission(self, request, obj=None):
        in_use = obj is not None and obj.framework.assessments.exists()
        return not in_use and super().has_change_permission(request, obj)


@admin.register(Framework)
class FrameworkAdmin(InUseReadOnly, AuditedAdmin):
    change_rule = FRAMEWORK_RULE
    list_display = ["version", "title", "is_current", "created_at"]
    inlines = [CapitalInline]
    actions = ["copy_to_new_version"]

    @admin.action(description=_("Copy to a new version (to reword or add statements)"))
    def copy_to_new_version(self, request, queryset):
        for framework in queryset:
            number = 2
            while Framework.objects.filter(version=f"{framework.version}-v{number}").exists():
                number += 1
            new = services.framework_new_version(
                actor=request.user, source=framework, version=f"{framework.version}-v{number}"
            )
            messages.success(request, _("Created version %(v)s.") % {"v": new.version})


@admin.register(Capital)
class CapitalAdmin(InUseReadOnly, AuditedAdmin):
    change_rule = FRAMEWORK_RULE
    list_display = ["name", "key", "framework", "order"]
    list_filter = ["framework"]
    inlines = [StatementInline]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "purpose", "status", "sharing_level", "is_demo"]
    list_filter = ["status", "sharing_level", "year", "is_demo"]
    search_fields = ["organisation__name"]
    raw_id_fields = ["organisation", "created_by"]
