from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from kraftsamla.api import views

app_name = "api"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs/", views.docs, name="docs"),
    path("me/", views.Me.as_view(), name="me"),
    path("organisations/", views.OrganisationList.as_view(), name="organisation-list"),
    path("organisations/<slug:slug>/", views.OrganisationDetail.as_view(), name="organisation-detail"),
]
