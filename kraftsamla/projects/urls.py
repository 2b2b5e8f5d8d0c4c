from django.urls import path

from kraftsamla.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("goda-exempel/", views.good_examples, name="good_examples"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/andra/", views.project_edit, name="edit"),
    path("<int:pk>/bered/", views.project_prepare, name="prepare"),
    path("<int:pk>/prioritera/", views.project_prioritise, name="prioritise"),
    path("<int:pk>/parkera/", views.project_park, name="park"),
    path("<int:pk>/avsla/", views.project_decline, name="decline"),
    path("<int:pk>/starta/", views.project_start, name="start"),
    path("<int:pk>/avsluta/", views.project_complete, name="complete"),
    path("<int:pk>/aterbruka/", views.project_replicate, name="replicate"),
    path("<int:pk>/ga-med/", views.project_join, name="join"),
    path(
        "<int:pk>/ga-med/<int:request_pk>/godta/",
        views.join_request_accept,
        name="join_accept",
    ),
    path(
        "<int:pk>/ga-med/<int:request_pk>/avboj/",
        views.join_request_decline,
        name="join_decline",
    ),
    path(
        "<int:pk>/ga-med/<int:request_pk>/aterkalla/",
        views.join_request_withdraw,
        name="join_withdraw",
    ),
    path("<int:pk>/gott-exempel/", views.project_mark_good_example, name="mark_good_example"),
    path(
        "<int:pk>/gott-exempel/ta-bort/",
        views.project_unmark_good_example,
        name="unmark_good_example",
    ),
    path("<int:pk>/bilagor/", views.attachment_add, name="attach"),
    path(
        "<int:pk>/bilagor/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "<int:pk>/bilagor/<int:attachment_pk>/ta-bort/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("<int:pk>/checklista/", views.project_checklist, name="checklist"),
    path("<int:pk>/checklista/skapa/", views.checklist_create, name="checklist_create"),
    path("mall/", views.template_detail, name="template"),
    path("mall/<str:version>/", views.template_detail, name="template_version"),
    path("organisation/<slug:slug>/", views.organisation_projects, name="organisation"),
    path("organisation/<slug:slug>/ny/", views.project_create, name="new"),
    path("organisation/<slug:slug>/liknande/", views.similar_suggestions, name="similar"),
    path("<slug:slug>/medlemmar/", views.body_projects, name="body"),
    path("<slug:slug>/kluster/", views.body_clusters, name="clusters"),
    path("<slug:slug>/portfolj/", views.portfolio, name="portfolio"),
    path("<slug:slug>/portfolj/kriterier/", views.portfolio_criteria, name="portfolio_criteria"),
    path("<slug:slug>/portfolj/<int:pk>/", views.portfolio_project, name="portfolio_project"),
    path("<slug:slug>/portfolj/<int:pk>/beslut/", views.portfolio_decide, name="portfolio_decide"),
    path("<slug:slug>/kluster/<int:key>/sammanfoga/", views.cluster_merge, name="merge"),
]
