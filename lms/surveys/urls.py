from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<int:survey_id>/", views.survey_results, name="results"),
    path("<int:survey_id>/export.csv", views.survey_export_csv, name="export_csv"),
    path("<int:survey_id>/export.xlsx", views.survey_export_xlsx, name="export_xlsx"),
    path("<int:survey_id>/inviter/", views.funder_invite, name="invite"),
    path("<int:survey_id>/liens/", views.handouts, name="handouts"),
    # The personal link of an e-mail: no login, the signed token is the permission.
    path("repondre/<str:token>/", views.answer, name="answer"),
]
