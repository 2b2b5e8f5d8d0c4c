from django.urls import path

from kraftsamla.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
]
