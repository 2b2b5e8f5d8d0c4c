from django.urls import path

from kraftsamla.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.index, name="index"),
    path("ny/", views.call_create, name="new"),
    path("importera/", views.call_import, name="import"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/json/", views.call_json, name="json"),
    path("<int:pk>/andra/", views.call_edit, name="edit"),
    path("<int:pk>/skicka/", views.call_send, name="send"),
    path("region/<slug:slug>/", views.body_ranking, name="ranking"),
]
