from django.urls import path

from kraftsamla.twinning import programme_views, views

app_name = "twinning"

urlpatterns = [
    path("", views.index, name="index"),
    path("program/", programme_views.programme_list, name="programmes"),
    path("program/ny/", programme_views.programme_create, name="programme_create"),
    path("program/<int:pk>/", programme_views.programme_progress, name="programme"),
    path("program/<int:pk>/kalender.ics", programme_views.programme_ics, name="programme_ics"),
    path("program/<int:pk>/moten/ny/", programme_views.meeting_create, name="meeting_create"),
    path(
        "program/<int:pk>/moten/<int:meeting_pk>/",
        programme_views.meeting_edit,
        name="meeting_edit",
    ),
    path("program/<int:pk>/resor/ny/", programme_views.claim_create, name="claim_create"),
    path(
        "program/<int:pk>/resor/<int:claim_pk>/beslut/",
        programme_views.claim_decide,
        name="claim_decide",
    ),
    path(
        "program/<int:pk>/moduler/<int:order>/andra/",
        programme_views.module_edit,
        name="module_edit",
    ),
    path("program/<int:pk>/deltagare/ny/", programme_views.participant_add, name="participant_add"),
    path(
        "program/<int:pk>/deltagare/<int:participant_pk>/",
        programme_views.participant_edit,
        name="participant_edit",
    ),
    path(
        "program/<int:pk>/moduler/<int:order>/klar/",
        programme_views.module_done,
        name="module_done",
    ),
    path("program/<int:pk>/stang/", programme_views.programme_close, name="programme_close"),
    path(
        "program/<int:pk>/plan/<int:participant_pk>/",
        programme_views.plan_edit,
        name="plan_edit",
    ),
    path(
        "program/<int:pk>/plan/<int:participant_pk>/godkann/",
        programme_views.plan_approve,
        name="plan_approve",
    ),
    path("<slug:slug>/", views.matching_page, name="matching"),
    path("<slug:slug>/lankar/ny/", views.link_create, name="link_create"),
    path("<slug:slug>/lankar/<int:pk>/avsluta/", views.link_end, name="link_end"),
]
