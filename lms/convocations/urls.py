from django.urls import path

from . import views

app_name = "convocations"

urlpatterns = [
    path("calendrier/", views.my_calendar, name="my-calendar"),
    path("rappels/arret/", views.reminders_unsubscribe, name="reminders-off"),
    path("groupes/<int:cohort_id>/", views.cohort_messages, name="cohort-messages"),
    path("groupes/<int:cohort_id>/courriers/<int:learner_id>/", views.cohort_letters,
         name="cohort-letters"),
]
