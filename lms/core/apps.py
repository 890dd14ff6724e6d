from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lms.core"
    label = "core"

    def ready(self):
        from . import scheduler

        # `make run` alone runs the daily jobs (no Celery beat without a broker).
        if scheduler.should_start():
            scheduler.start()
