from django.urls import path

from kraftsamla.twinning import views

app_name = "twinning"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.matching_page, name="matching"),
    path("<slug:slug>/lankar/ny/", views.link_create, name="link_create"),
]
