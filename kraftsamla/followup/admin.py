"""Follow-up in the Django admin: read-only (it changes through the audited pages and services)."""

from django.contrib import admin

from kraftsamla.core.admin import ReadOnlyAdmin
from kraftsamla.followup.models import (
    Action,
    Commitment,
    EmissionFigure,
    EmissionTarget,
    FollowupRound,
    ImportBatch,
    ImportJob,
    IndicatorDefinition,
    IndicatorValue,
    PromiseMenu,
    ResponsibleUnit,
    RoundReport,
    Target,
)


@admin.register(IndicatorDefinition)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "direction", "kolada_kpi", "owner", "is_demo"]
    search_fields = ["name__sv", "name__en", "kolada_kpi"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "organisation", "year", "gender", "value", "sharing_level"]
    list_filter = ["gender", "sharing_level", "is_demo"]
    list_select_related = ["indicator", "organisation"]


@admin.register(EmissionFigure)
class EmissionFigureAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "sector", "tonnes_co2e", "sharing_level"]
    list_filter = ["sector", "sharing_level", "is_demo"]
    list_select_related = ["organisation"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "organisation", "base_year", "target_year", "target_value"]
    list_select_related = ["indicator", "organisation"]


@admin.register(EmissionTarget)
class EmissionTargetAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "organisation",
        "kind",
        "base_year",
        "target_year",
        "sector",
        "series",
    ]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "kind", "organisation", "created_at", "rows_written", "status"]
    exclude = ["replaced"]


@admin.register(ResponsibleUnit)
class ResponsibleUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "organisation", "parent"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "kind", "adopted_on", "status", "sharing_level"]
    list_filter = ["kind", "status", "is_demo"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["title", "commitment", "unit", "status", "progress"]
    list_filter = ["status"]


@admin.register(PromiseMenu)
class PromiseMenuAdmin(ReadOnlyAdmin):
    list_display = ["title", "body", "published_on"]


@admin.register(FollowupRound)
class FollowupRoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "year", "deadline", "status"]
    list_filter = ["status", "year"]


@admin.register(RoundReport)
class RoundReportAdmin(ReadOnlyAdmin):
    list_display = ["round", "organisation", "unit", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["round", "organisation", "unit"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "created_by", "status", "progress", "created_at"]
    list_filter = ["status"]
