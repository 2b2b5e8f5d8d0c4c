from django.urls import include, path

from kraftsamla.accounts import views

app_name = "accounts"

account_patterns = [
    path("logga-in/", views.login_view, name="login"),
    path("logga-ut/", views.logout_view, name="logout"),
    path("", views.account, name="account"),
    path("api-nyckel/", views.api_token_create, name="api_token"),
    path("inbjudan/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("losenord/byt/", views.password_change, name="password_change"),
    path("losenord/bytt/", views.password_change_done, name="password_change_done"),
    path("losenord/aterstall/", views.password_reset, name="password_reset"),
    path("losenord/skickat/", views.password_reset_done, name="password_reset_done"),
    path(
        "losenord/ny/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("losenord/klart/", views.password_reset_complete, name="password_reset_complete"),
]

# Mounted at the site root: the person's own account under /konto/, an organisation's
# people under the organisation's address.
urlpatterns = [
    path("konto/", include(account_patterns)),
    path("organisationer/<slug:slug>/personer/", views.people, name="people"),
    path(
        "organisationer/<slug:slug>/personer/inbjudningar/<int:pk>/skicka-igen/",
        views.invitation_resend,
        name="invitation_resend",
    ),
]
