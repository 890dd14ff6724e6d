from lms.insertion.views import dashboard, figures

app_name = "insertion"

# Staff dashboard and trainee pages; programme figures and personal data.
urlpatterns = [*dashboard.urlpatterns, *figures.urlpatterns]
