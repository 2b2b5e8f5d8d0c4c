from django.urls import path

from kraftsamla.followup import views

app_name = "followup"

urlpatterns = [
    path("", views.index, name="index"),
    path("importera/", views.import_start, name="import"),
    path("importera/<str:token>/", views.import_preview, name="import-preview"),
    path("importer/<int:pk>/", views.import_batch, name="import-batch"),
    path("importjobb/<int:pk>/", views.import_job, name="import-job"),
    path("importer/<int:pk>/angra/", views.import_undo, name="import-undo"),
    path("<slug:slug>/", views.organisation, name="organisation"),
    path("<slug:slug>/indikatorer/<int:pk>/", views.indicator, name="indicator"),
    path("<slug:slug>/indikatorer/<int:pk>/varde/", views.value_add, name="value-add"),
    path("<slug:slug>/indikatorer/<int:pk>/mal/", views.target_add, name="target-add"),
    path("<slug:slug>/utslappsmal/ny/", views.emission_target_add, name="emission-target-add"),
    path("<slug:slug>/utslappsmal/<int:pk>/", views.emission_target, name="emission-target"),
]

urlpatterns += [
    path("<slug:slug>/enheter/", views.units, name="units"),
    path("<slug:slug>/sammanstallning/", views.body_rollup, name="rollup"),
    path("<slug:slug>/arsrapport/<int:year>/", views.annual_report, name="annual-report"),
    path("<slug:slug>/ataganden/", views.commitments, name="commitments"),
    path("<slug:slug>/ataganden/nytt/", views.commitment_add, name="commitment-add"),
    path("<slug:slug>/ataganden/<int:pk>/", views.commitment, name="commitment"),
    path("<slug:slug>/ataganden/<int:pk>/atgard/", views.action_add, name="action-add"),
    path("atgarder/<int:pk>/status/", views.action_status, name="action-status"),
    path("loftesmenyer/<int:pk>/", views.menu, name="menu"),
    path("loftesmenyer/<int:pk>/valj/", views.promise_choose, name="promise-choose"),
]

urlpatterns += [
    path("<slug:slug>/omgangar/", views.rounds, name="rounds"),
    path("omgangar/<int:pk>/", views.round_detail, name="round"),
    path("omgangar/<int:pk>/paminn/", views.round_remind, name="round-remind"),
    path("omgangar/<int:pk>/stang/", views.round_close, name="round-close"),
    path("omgangar/<int:pk>/publicera/", views.round_publish, name="round-publish"),
    path("rapporter/<int:pk>/", views.report, name="report"),
    path("rapporter/<int:pk>/granska/", views.report_review, name="report-review"),
]

urlpatterns += [
    path("<slug:slug>/ataganden/<int:pk>/andra/", views.commitment_edit, name="commitment-edit"),
    path(
        "<slug:slug>/ataganden/<int:pk>/ta-bort/",
        views.commitment_delete,
        name="commitment-delete",
    ),
    path("atgarder/<int:pk>/andra/", views.action_edit, name="action-edit"),
    path("atgarder/<int:pk>/ta-bort/", views.action_delete, name="action-delete"),
]

urlpatterns += [
    path("<slug:slug>/enheter/ny/", views.unit_add, name="unit-add"),
    path("<slug:slug>/enheter/person/", views.unit_person_add, name="unit-person-add"),
    path("<slug:slug>/loftesmenyer/ny/", views.menu_add, name="menu-add"),
]

urlpatterns += [
    path("<slug:slug>/kapacitet/", views.body_capacity, name="capacity"),
]
