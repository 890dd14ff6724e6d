"""In-app notifications people see (issue 15, point 4): a count in the header, the list of
one's own, marked read one by one or all at once; nobody reaches another's."""

import pytest

from lms.attendance.tasks import attendance_alerts_scan_task  # noqa: F401 (the task is registered)
from lms.core.models import Notification
from lms.core.notifications import notification_send

LIST, COUNT, READ_ALL = "/notifications/", "/notifications/compte/", "/notifications/tout-lu/"


def read_url(notification):
    return f"/notifications/{notification.pk}/lu/"


@pytest.fixture
def told(trainer, staff, learner):
    return notification_send(recipients=[trainer, staff], title="Absences répétées",
                             body=f"{learner} : 3 absences de suite.",
                             url="/emargement/groupes/")


@pytest.mark.django_db
def test_the_header_links_the_list_and_asks_for_the_count(client, trainer, staff, learner,
                                                          told):
    for user in (trainer, staff):
        client.force_login(user)
        html = client.get(LIST).content.decode()
        assert 'data-notification-count data-url="/notifications/compte/"' in html
        assert "js/notifications.js" in html
        assert client.get(COUNT).json() == {"unread": 1}
    client.force_login(learner)
    assert "data-notification-count" not in client.get(LIST).content.decode()
    assert client.get(COUNT).json() == {"unread": 0}


@pytest.mark.django_db
def test_one_is_opened_and_marked_read(client, trainer, staff, told):
    mine = next(n for n in told if n.recipient == trainer)
    client.force_login(trainer)
    html = client.get(LIST).content.decode()
    assert "Absences répétées" in html and read_url(mine) in html
    response = client.post(read_url(mine), {"open": "1"})
    assert response.status_code == 302 and response.url == "/emargement/groupes/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(COUNT).json() == {"unread": 0}
    # The insertion staff's copy is theirs: still unread, and not the trainer's to read.
    theirs = next(n for n in told if n.recipient == staff)
    assert client.post(read_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_all_are_marked_read(client, trainer, told):
    notification_send(recipients=[trainer], title="Document prêt", body="", url="")
    client.force_login(trainer)
    assert client.get(COUNT).json() == {"unread": 2}
    response = client.post(READ_ALL)
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=trainer, read_at__isnull=True).exists()
    assert client.get(COUNT).json() == {"unread": 0}


@pytest.mark.django_db
def test_an_outside_link_is_not_followed(client, trainer):
    (notification,) = notification_send(recipients=[trainer], title="x", body="",
                                        url="https://evil.example/")
    client.force_login(trainer)
    response = client.post(read_url(notification), {"open": "1"})
    assert response.status_code == 302 and response.url == LIST


@pytest.mark.django_db
def test_writes_are_post_only_and_anonymous_is_sent_to_login(client, trainer, told):
    assert client.get(LIST).status_code == 302 and client.get(COUNT).status_code == 302
    client.force_login(trainer)
    assert client.get(READ_ALL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 40])
def test_the_list_query_count_is_fixed(client, trainer, django_assert_num_queries, size):
    for index in range(size):
        notification_send(recipients=[trainer], title=f"Alerte {index}", body="", url="/")
    client.force_login(trainer)
    client.get(LIST)
    with django_assert_num_queries(10):
        response = client.get(LIST)
    assert len(response.context["notifications"]) == min(size, 30)
