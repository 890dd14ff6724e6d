from lms.attendance.views import learner, manage, rollcall

app_name = "attendance"

# Each views module declares its own urlpatterns: roll call, learner check-in, management.
urlpatterns = [*rollcall.urlpatterns, *learner.urlpatterns, *manage.urlpatterns]
