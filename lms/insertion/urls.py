from lms.insertion.views import dashboard, figures, programmes

app_name = "insertion"

# Staff dashboard and trainee pages; programme figures; a manager's programmes.
urlpatterns = [*dashboard.urlpatterns, *figures.urlpatterns, *programmes.urlpatterns]
