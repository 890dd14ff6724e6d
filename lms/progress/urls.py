from lms.progress.views import imports, learner, staff

app_name = "progress"

# Each views module declares its own urlpatterns: learner pages, CSV import, staff views.
urlpatterns = [*learner.urlpatterns, *imports.urlpatterns, *staff.urlpatterns]
