from lms.quality.views import urlpatterns as _patterns

app_name = "quality"

# Complaints, improvement actions, funding per enrolment and the BPF figures: managers only.
urlpatterns = _patterns
