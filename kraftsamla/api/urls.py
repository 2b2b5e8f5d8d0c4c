from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from kraftsamla.accounts.api import Me
from kraftsamla.api import views
from kraftsamla.core.access import PUBLIC
from kraftsamla.organisations.api import OrganisationDetail, OrganisationList

app_name = "api"


class OpenApiDocument(SpectacularJSONAPIView):
    """The OpenAPI document: public, like the API's reference facts."""

    access_rules = (PUBLIC,)


urlpatterns = [
    path("openapi.json", OpenApiDocument.as_view(), name="openapi"),
    path("docs/", views.docs, name="docs"),
    path("me/", Me.as_view(), name="me"),
    path("organisations/", OrganisationList.as_view(), name="organisation-list"),
    path("organisations/<slug:slug>/", OrganisationDetail.as_view(), name="organisation-detail"),
]

from kraftsamla.capacity import api as capacity_api  # noqa: E402

urlpatterns += [
    path("capacity/frameworks/", capacity_api.FrameworkList.as_view(), name="framework-list"),
    path(
        "capacity/frameworks/<str:version>/",
        capacity_api.FrameworkDetail.as_view(),
        name="framework-detail",
    ),
    path("capacity/assessments/", capacity_api.AssessmentList.as_view(), name="assessment-list"),
    path(
        "capacity/assessments/<int:pk>/",
        capacity_api.AssessmentDetail.as_view(),
        name="assessment-detail",
    ),
    path(
        "capacity/assessments/<int:pk>/answers/",
        capacity_api.AnswerWrite.as_view(),
        name="assessment-answer",
    ),
]

from kraftsamla.support import api as support  # noqa: E402

urlpatterns += [
    path("support/bodies/<slug:slug>/offers/", support.OfferList.as_view(), name="support-offers"),
    path(
        "support/bodies/<slug:slug>/coverage/", support.Coverage.as_view(), name="support-coverage"
    ),
    path("support/needs/", support.NeedList.as_view(), name="support-needs"),
    path(
        "support/organisations/<slug:slug>/recommendations/",
        support.Recommendations.as_view(),
        name="support-recommendations",
    ),
]

from kraftsamla.projects import api as projects  # noqa: E402

urlpatterns += [
    path("projects/", projects.ProjectList.as_view(), name="project-list"),
    path("projects/similar/", projects.ProjectSimilar.as_view(), name="project-similar"),
    path(
        "projects/portfolio/<slug:slug>/",
        projects.ProjectPortfolio.as_view(),
        name="project-portfolio",
    ),
    path("projects/<int:pk>/", projects.ProjectDetail.as_view(), name="project-detail"),
    path(
        "projects/<int:pk>/join-requests/",
        projects.ProjectJoinRequests.as_view(),
        name="project-join-requests",
    ),
    path("projects/template/", projects.ProjectTemplateCurrent.as_view(), name="project-template"),
    path(
        "projects/template/<str:version>/",
        projects.ProjectTemplateVersion.as_view(),
        name="project-template-version",
    ),
]

from kraftsamla.funding import api as funding  # noqa: E402

urlpatterns += [
    path("funding/calls/", funding.CallList.as_view(), name="call-list"),
    path("funding/calls/<int:pk>/", funding.CallDetail.as_view(), name="call-detail"),
    path("funding/calls/<int:pk>/evaluate/", funding.CallEvaluate.as_view(), name="call-evaluate"),
    path("funding/rule-kinds/", funding.RuleKindList.as_view(), name="rule-kind-list"),
    path("funding/applications/", funding.ApplicationList.as_view(), name="application-list"),
    path(
        "funding/applications/<int:pk>/",
        funding.ApplicationDetail.as_view(),
        name="application-detail",
    ),
    path(
        "funding/applications/<int:pk>/outcomes/",
        funding.ApplicationOutcomes.as_view(),
        name="application-outcomes",
    ),
]

from kraftsamla.twinning import api as twinning  # noqa: E402

urlpatterns += [
    path(
        "twinning/municipalities/<slug:slug>/matches/",
        twinning.Matching.as_view(),
        name="twinning-matches",
    ),
    path("twinning/links/", twinning.LinkList.as_view(), name="twinning-links"),
    path("twinning/programmes/", twinning.ProgrammeList.as_view(), name="twinning-programmes"),
    path(
        "twinning/programmes/<int:pk>/",
        twinning.ProgrammeDetail.as_view(),
        name="twinning-programme",
    ),
]

from kraftsamla.followup import api as followup  # noqa: E402

urlpatterns += [
    path("followup/indicators/", followup.IndicatorList.as_view(), name="followup-indicators"),
    path(
        "followup/organisations/<slug:slug>/indicators/",
        followup.OrganisationIndicators.as_view(),
        name="followup-organisation-indicators",
    ),
    path(
        "followup/organisations/<slug:slug>/indicators/<int:pk>/values/",
        followup.OrganisationIndicatorValues.as_view(),
        name="followup-indicator-values",
    ),
    path(
        "followup/organisations/<slug:slug>/emission-targets/",
        followup.OrganisationEmissionTargets.as_view(),
        name="followup-emission-targets",
    ),
    path(
        "followup/organisations/<slug:slug>/commitments/",
        followup.OrganisationCommitments.as_view(),
        name="followup-commitments",
    ),
    path(
        "followup/commitments/<int:pk>/",
        followup.CommitmentDetail.as_view(),
        name="followup-commitment",
    ),
    path(
        "followup/commitments/<int:pk>/actions/",
        followup.CommitmentActions.as_view(),
        name="followup-commitment-actions",
    ),
    path(
        "followup/actions/<int:pk>/status/",
        followup.ActionStatus.as_view(),
        name="followup-action-status",
    ),
    path("followup/menus/<int:pk>/", followup.MenuDetail.as_view(), name="followup-menu"),
    path(
        "followup/organisations/<slug:slug>/rounds/",
        followup.OrganisationRounds.as_view(),
        name="followup-rounds",
    ),
    path("followup/rounds/<int:pk>/", followup.RoundDetail.as_view(), name="followup-round"),
    path(
        "followup/organisations/<slug:slug>/annual-report/<int:year>/",
        followup.AnnualReport.as_view(),
        name="followup-annual-report",
    ),
    path(
        "followup/organisations/<slug:slug>/capacity/",
        followup.BodyCapacity.as_view(),
        name="followup-capacity",
    ),
    path("followup/reports/<int:pk>/", followup.ReportDetail.as_view(), name="followup-report"),
    path(
        "followup/reports/<int:pk>/submit/",
        followup.ReportSubmit.as_view(),
        name="followup-report-submit",
    ),
    path(
        "followup/reports/<int:pk>/review/",
        followup.ReportReview.as_view(),
        name="followup-report-review",
    ),
]
