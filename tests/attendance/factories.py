import datetime

import factory
from django.utils import timezone

from lms.attendance.models import Session


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)
    room = "Salle 1"
