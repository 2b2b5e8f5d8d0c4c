"""Support in the Django admin: offers edited through audited saves, the rest read-only."""

from django.contrib import admin

from kraftsamla.core.admin import AuditedAdmin, ReadOnlyAdmin
from kraftsamla.support.models import DigestSubscription, Enrolment, Need, Offer, Rating


@admin.register(Offer)
class OfferAdmin(AuditedAdmin):
    list_display = ["title", "provider", "collaboration_form", "status", "seats", "is_demo"]
    list_filter = ["status", "collaboration_form", "format", "is_demo"]
    search_fields = ["title__sv", "title__en"]
    raw_id_fields = ["provider", "created_by"]
    filter_horizontal = ["open_to"]
    change_rule = "support.offer.manage"

    def rule_object(self, obj):
        return obj.provider


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = [
        "organisation",
        "capital",
        "collaboration_form",
        "priority",
        "year",
        "sharing_level",
    ]
    list_filter = ["capital", "sharing_level", "year"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["offer", "organisation", "participant", "status"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["enrolment", "score"]


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "is_active", "last_sent_at"]
