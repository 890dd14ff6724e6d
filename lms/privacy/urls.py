from .views import urlpatterns as pages

app_name = "personal_data"

# A person's data, for managers: export (JSON) and erasure.
urlpatterns = pages
