"""The API router: every app registers its viewsets here, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from certificates.api import DocumentViewSet
from courses import api as courses_api
from lms.attendance import api as attendance_api
from lms.auditpack import api as auditpack_api
from lms.insertion import api as insertion_api
from lms.progress import api as progress_api
from lms.quality import api as quality_api
from lms.surveys import api as surveys_api

router = DefaultRouter()
router.register("paths", courses_api.TrainingPathViewSet, basename="path")
router.register("modules", courses_api.ModuleViewSet, basename="module")
router.register("lessons", courses_api.LessonViewSet, basename="lesson")
router.register("frameworks", courses_api.CompetenceFrameworkViewSet, basename="framework")
router.register("competences", courses_api.CompetenceViewSet, basename="competence")
progress_api.register(router)
attendance_api.register(router)
router.register("documents", DocumentViewSet, basename="document")
insertion_api.register(router)
quality_api.register(router)
auditpack_api.register(router)
surveys_api.register(router)
