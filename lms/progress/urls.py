from lms.progress.views import enrol, imports, learner, staff

app_name = "progress"

# Each views module declares its own urlpatterns: learner pages, CSV import, staff views, the
# enrolment form.
urlpatterns = [*learner.urlpatterns, *imports.urlpatterns, *staff.urlpatterns,
               *enrol.urlpatterns]
