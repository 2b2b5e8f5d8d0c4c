"""Funding calls in the Django admin: read-only (calls change through the audited pages)."""

from django.contrib import admin

from kraftsamla.core.admin import ReadOnlyAdmin
from kraftsamla.funding.models import Call, CallNotice, CallRule


class CallRuleInline(admin.TabularInline):
    model = CallRule
    fields = ["order", "kind", "parameters"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["title", "funder", "opens_on", "closes_on", "owner", "is_invented_example"]
    list_filter = ["sharing_level", "is_invented_example", "is_demo"]
    search_fields = ["funder", "title__sv", "title__en"]
    inlines = [CallRuleInline]


@admin.register(CallNotice)
class CallNoticeAdmin(ReadOnlyAdmin):
    list_display = ["call", "body", "sent_at", "member_count", "emails_sent"]
