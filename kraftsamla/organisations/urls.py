from django.urls import path

from kraftsamla.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("karta/", views.municipality_map, name="map"),
    path("<slug:slug>/", views.organisation_detail, name="detail"),
    path("<slug:slug>/klimatprofil/", views.climate_profile_edit, name="profile_edit"),
    path("<slug:slug>/logg/", views.audit_log, name="audit"),
]
