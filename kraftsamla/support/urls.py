from django.urls import path

from kraftsamla.support import views

app_name = "support"

urlpatterns = [
    path("", views.index, name="index"),
    path("rangordning/", views.ranking_help, name="ranking"),
    path("erbjudande/<int:pk>/", views.offer_detail, name="offer"),
    path("erbjudande/<int:pk>/anmal/<slug:slug>/", views.enrol, name="enrol"),
    path("anmalan/<int:pk>/avboka/", views.cancel, name="cancel"),
    path("anmalan/<int:pk>/betyg/", views.rate, name="rate"),
    path("organisation/<slug:slug>/", views.organisation_support, name="organisation"),
    path("organisation/<slug:slug>/behov/", views.need_create, name="need_create"),
    path(
        "organisation/<slug:slug>/behov-fran-bedomning/",
        views.needs_from_assessment,
        name="needs_from_assessment",
    ),
    path("organisation/<slug:slug>/veckobrev/", views.digest_setting, name="digest"),
    path("<slug:slug>/erbjudanden/", views.offer_list, name="offers"),
    path("<slug:slug>/erbjudanden/ny/", views.offer_edit, name="offer_new"),
    path("<slug:slug>/erbjudanden/<int:pk>/andra/", views.offer_edit, name="offer_edit"),
    path("<slug:slug>/startkatalog/", views.import_catalogue, name="import"),
    path("<slug:slug>/tackning/", views.coverage, name="coverage"),
    path("<slug:slug>/uppfoljning/", views.uptake, name="uptake"),
]
