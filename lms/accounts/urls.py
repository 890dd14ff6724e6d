from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # Forgotten password: a one-time link by email.
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    # The one-time link itself, from an email or a handout's QR code: kept short to be typed.
    path("acces/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("acces/termine/", views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    # Signed in: change one's password.
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/modifie/", views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    # Staff give a learner they follow a link to choose their password.
    path("apprenants/<int:learner_id>/acces/", views.learner_access, name="learner_access"),
    # Managers unlock accounts and addresses locked out after failed logins.
    path("connexions-bloquees/", views.lockouts, name="lockouts"),
]
