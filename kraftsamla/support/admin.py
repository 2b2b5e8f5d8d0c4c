from django.contrib import admin

from kraftsamla.support.models import DigestSubscription, Enrolment, Need, Offer, Rating


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "collaboration_form", "status", "seats", "is_demo"]
    list_filter = ["status", "collaboration_form", "format", "is_demo"]
    search_fields = ["title__sv", "title__en"]
    raw_id_fields = ["provider", "created_by"]
    filter_horizontal = ["open_to"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "capital",
        "collaboration_form",
        "priority",
        "year",
        "sharing_level",
    ]
    list_filter = ["capital", "sharing_level", "year"]
    raw_id_fields = ["organisation", "source_note", "created_by"]


admin.site.register(Enrolment)
admin.site.register(Rating)
admin.site.register(DigestSubscription)
