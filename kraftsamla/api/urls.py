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

from kraftsamla.api import capacity  # noqa: E402

urlpatterns += [
    path("capacity/frameworks/", capacity.FrameworkList.as_view(), name="framework-list"),
    path("capacity/frameworks/<str:version>/", capacity.FrameworkDetail.as_view(), name="framework-detail"),
    path("capacity/assessments/", capacity.AssessmentList.as_view(), name="assessment-list"),
    path("capacity/assessments/<int:pk>/", capacity.AssessmentDetail.as_view(), name="assessment-detail"),
    path("capacity/assessments/<int:pk>/answers/", capacity.AnswerWrite.as_view(), name="assessment-answer"),
]
