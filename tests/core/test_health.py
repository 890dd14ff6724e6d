import os

import pytest

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.mark.django_db
def test_without_broker_health_says_so_and_is_ok(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/healthz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["services"]["database"]["status"] == "ok"
    assert body["services"]["broker"]["status"] == "not_configured"


@pytest.mark.integration
@pytest.mark.django_db
def test_with_a_live_redis_broker_health_is_ok(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    response = client.get("/healthz/")
    assert response.status_code == 200, response.json()
    assert response.json()["services"]["broker"]["status"] == "ok"


@pytest.mark.django_db
def test_with_an_unreachable_broker_health_is_503(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["services"]["broker"]["status"] == "error"
    assert body["services"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_health_is_never_cached(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/healthz/")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_out_of_range_ids_are_never_a_500(client, learner):
    client.force_login(learner)
    response = client.get("/api/v1/lesson-completions/", {"lesson": 2**70})
    assert response.status_code in (200, 400)
