from django.contrib import admin

from kraftsamla.organisations.models import (
    ClimateProfile,
    DataRelease,
    FARegion,
    Membership,
    Organisation,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "county", "population", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name", "short_name", "code"]
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ["county"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "body", "role", "start_date", "end_date"]
    list_filter = ["role"]
    autocomplete_fields = ["member", "body"]


admin.site.register(FARegion)
admin.site.register(DataRelease)
admin.site.register(ClimateProfile)
