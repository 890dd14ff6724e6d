import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "SECRET_KEY": "x7!kP2" * 10,
            "ALLOWED_HOSTS": "parcours.example.org",
            "DEBUG": "false",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {"DJANGO_SETTINGS_MODULE": "lms.settings.production", "SECRET_KEY": ""}
    result = run_manage("check", env_extra=env)
    assert result.returncode != 0


def test_embedded_default_runs_tasks_in_process(settings):
    from django.conf import settings as django_settings

    if not os.environ.get("REDIS_URL"):
        assert django_settings.CELERY_TASK_ALWAYS_EAGER
    assert django_settings.LANGUAGE_CODE == "fr"
    assert [code for code, _name in django_settings.LANGUAGES] == ["fr", "en"]
