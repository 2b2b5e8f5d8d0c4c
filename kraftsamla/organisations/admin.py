"""Organisations in the Django admin: read-only, since every change goes through a service."""

from django.contrib import admin

from kraftsamla.core.admin import ReadOnlyAdmin
from kraftsamla.organisations.models import (
    ClimateProfile,
    DataRelease,
    FARegion,
    Membership,
    Organisation,
)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "code", "county", "population", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name", "short_name", "code"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "body", "role", "start_date", "end_date"]
    list_filter = ["role"]
    search_fields = ["member__name", "body__name"]


@admin.register(ClimateProfile)
class ClimateProfileAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "sharing_level", "version", "updated_at"]
    list_filter = ["sharing_level"]


@admin.register(FARegion)
class FARegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]


@admin.register(DataRelease)
class DataReleaseAdmin(ReadOnlyAdmin):
    list_display = ["__str__"]
