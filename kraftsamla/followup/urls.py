from django.urls import path

from kraftsamla.followup import views

app_name = "followup"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.organisation, name="organisation"),
    path("<slug:slug>/indikatorer/<int:pk>/", views.indicator, name="indicator"),
    path("<slug:slug>/indikatorer/<int:pk>/varde/", views.value_add, name="value-add"),
    path("<slug:slug>/indikatorer/<int:pk>/mal/", views.target_add, name="target-add"),
    path("<slug:slug>/utslappsmal/ny/", views.emission_target_add, name="emission-target-add"),
    path("<slug:slug>/utslappsmal/<int:pk>/", views.emission_target, name="emission-target"),
]
