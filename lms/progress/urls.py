from lms.progress.views import enrol, imports, learner, placement, staff

app_name = "progress"

# Each views module declares its own urlpatterns: learner pages, CSV import, staff views, the
# enrolment form, the placement in a group.
urlpatterns = [*learner.urlpatterns, *imports.urlpatterns, *staff.urlpatterns,
               *enrol.urlpatterns, *placement.urlpatterns]
