from django.urls import path

from kraftsamla.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.index, name="index"),
    path("ny/", views.call_create, name="new"),
    path("importera/", views.call_import, name="import"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/json/", views.call_json, name="json"),
    path("<int:pk>/andra/", views.call_edit, name="edit"),
    path("<int:pk>/skicka/", views.call_send, name="send"),
    path("region/<slug:slug>/", views.body_ranking, name="ranking"),
    path("<int:pk>/ansok/", views.application_create, name="apply"),
    path("ansokningar/", views.applications, name="applications"),
    path("ansokningar/<int:pk>/", views.application_detail, name="application"),
    path("ansokningar/<int:pk>/andra/", views.application_edit, name="application_edit"),
    path("ansokningar/<int:pk>/status/", views.application_status, name="application_status"),
    path("ansokningar/<int:pk>/kontroll/", views.check_panel, name="check_panel"),
    path("ansokningar/<int:pk>/parter/", views.party_add, name="party_add"),
    path("ansokningar/<int:pk>/parter/<int:party_pk>/", views.party_detail, name="party"),
    path(
        "ansokningar/<int:pk>/parter/<int:party_pk>/ta-bort/",
        views.party_remove,
        name="party_remove",
    ),
    path(
        "ansokningar/<int:pk>/parter/<int:party_pk>/svar/",
        views.party_respond,
        name="party_respond",
    ),
    path(
        "ansokningar/<int:pk>/parter/<int:party_pk>/rader/<int:line_pk>/ta-bort/",
        views.budget_line_delete,
        name="line_delete",
    ),
    path(
        "ansokningar/<int:pk>/parter/<int:party_pk>/bilagor/",
        views.attachment_add,
        name="attachment_add",
    ),
    path(
        "ansokningar/<int:pk>/bilagor/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "ansokningar/<int:pk>/bilagor/<int:attachment_pk>/ta-bort/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("ansokningar/<int:pk>/arbetspaket/", views.work_package_add, name="work_package_add"),
    path("ansokningar/<int:pk>/budget.xlsx", views.application_xlsx, name="application_xlsx"),
    path("ansokningar/<int:pk>/utskrift/", views.application_print, name="application_print"),
]
