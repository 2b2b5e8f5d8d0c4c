from django.urls import path

from kraftsamla.capacity import views

app_name = "capacity"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("ramverk/", views.framework_detail, name="framework"),
    path("organisation/<slug:slug>/", views.organisation_assessments, name="organisation"),
    path("region/<slug:slug>/", views.regional, name="regional"),
    path("bedomning/<int:pk>/", views.assessment_detail, name="assessment"),
    path("bedomning/<int:pk>/respondent/", views.respondent_add, name="respondent_add"),
    path("bedomning/<int:pk>/bjud-in/", views.respondent_invite, name="respondent_invite"),
    path("bedomning/<int:pk>/delning/", views.assessment_sharing, name="sharing"),
    path("bedomning/<int:pk>/steg/<str:action>/", views.assessment_transition, name="transition"),
    path("bedomning/<int:pk>/svara/<str:capital_key>/", views.answer_capital, name="answer"),
    path("bedomning/<int:pk>/spara-svar/", views.answer_autosave, name="autosave"),
    path("bedomning/<int:pk>/klar/", views.mark_done, name="done"),
    path("bedomning/<int:pk>/resultat/", views.assessment_results, name="results"),
    path("bedomning/<int:pk>/sammanfattning/", views.assessment_summary, name="summary"),
    path("bedomning/<int:pk>/enighet/<int:statement_id>/", views.agreed_score, name="agreed"),
]
