from django.urls import include, path

from .views import urlpatterns as pages
from .views import verify_urlpatterns

app_name = "certificates"

urlpatterns = [
    path("certificats/", include(pages)),
    path("verify/", include(verify_urlpatterns)),
]
