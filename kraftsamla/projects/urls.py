from django.urls import path

from kraftsamla.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/andra/", views.project_edit, name="edit"),
    path("<int:pk>/bered/", views.project_prepare, name="prepare"),
    path("<int:pk>/prioritera/", views.project_prioritise, name="prioritise"),
    path("<int:pk>/parkera/", views.project_park, name="park"),
    path("<int:pk>/avsla/", views.project_decline, name="decline"),
    path("<int:pk>/starta/", views.project_start, name="start"),
    path("<int:pk>/avsluta/", views.project_complete, name="complete"),
    path("<int:pk>/aterbruka/", views.project_replicate, name="replicate"),
    path("organisation/<slug:slug>/", views.organisation_projects, name="organisation"),
    path("organisation/<slug:slug>/ny/", views.project_create, name="new"),
    path("organisation/<slug:slug>/liknande/", views.similar_suggestions, name="similar"),
    path("<slug:slug>/medlemmar/", views.body_projects, name="body"),
    path("<slug:slug>/kluster/", views.body_clusters, name="clusters"),
    path("<slug:slug>/kluster/<int:key>/sammanfoga/", views.cluster_merge, name="merge"),
]
