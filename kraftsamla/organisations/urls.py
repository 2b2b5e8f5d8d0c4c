from django.urls import path

from kraftsamla.accounts import views as account_views
from kraftsamla.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("karta/", views.municipality_map, name="map"),
    path("<slug:slug>/", views.organisation_detail, name="detail"),
    path("<slug:slug>/klimatprofil/", views.climate_profile_edit, name="profile_edit"),
    path("<slug:slug>/personer/", account_views.people, name="people"),
    path("<slug:slug>/logg/", views.audit_log, name="audit"),
]
