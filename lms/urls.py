from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms.accounts import admin_passwords
from lms.accounts.views import TokenView
from lms.api import router
from lms.convocations.views import feed as calendar_feed
from lms.core.health import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    # The admins' pages where people set their own password, recording it (admin_passwords).
    path("admin/account/", admin_passwords.wagtail_account_view, name="wagtailadmin_account"),
    path("admin/password_reset/confirm/<uidb64>/<token>/",
         admin_passwords.wagtail_reset_confirm_view,
         name="wagtailadmin_password_reset_confirm"),
    path("django-admin/password_change/", admin_passwords.django_admin_password_change_view),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("comptes/", include("lms.accounts.urls")),
    path("suivi/", include("lms.progress.urls")),
    path("emargement/groupes/", include("lms.cohorts.urls")),
    path("emargement/", include("lms.attendance.urls")),
    path("insertion/", include("lms.insertion.urls")),
    path("donnees-personnelles/", include("lms.privacy.urls")),
    path("notifications/", include("lms.core.notification_views")),
    path("convocations/", include("lms.convocations.urls")),
    path("calendrier/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("qualite/dossiers-audit/", include("lms.auditpack.urls")),
    path("qualite/", include("lms.quality.urls")),
    path("enquetes/", include("lms.surveys.urls")),
    path("", include("certificates.urls")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other URL from the page tree: keep it last.
urlpatterns.append(path("", include(wagtail_urls)))
