"""Production refuses settings that are unsafe there, and links in emails never follow the Host
header of the request that sent them."""

import runpy
from types import SimpleNamespace

import pytest

from mri_match import PROJECT_ROOT
from mri_match.config import DEV_PUBLIC_URL, ConfigurationError, check_production, from_environment
from mri_match.models import User

SAFE = {
    "APP_ENV": "production",
    "SECRET_KEY": "a-real-secret",
    "PUBLIC_URL": "https://mri-match.example.org",
    "TRUSTED_HOSTS": ["mri-match.example.org"],
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
    "WEB_CONCURRENCY": 4,
}


def test_a_safe_production_configuration_starts():
    check_production(dict(SAFE))
    check_production({**SAFE, "RATELIMIT_STORAGE_URI": "memory://", "WEB_CONCURRENCY": 1})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PUBLIC_URL": DEV_PUBLIC_URL}, "without PUBLIC_URL"),
        ({"PUBLIC_URL": None}, "without PUBLIC_URL"),
        ({"PUBLIC_URL": "mri-match.example.org"}, "without PUBLIC_URL"),
        ({"PUBLIC_URL": "https://"}, "is not a site address"),
        ({"TRUSTED_HOSTS": None}, "without TRUSTED_HOSTS"),
        ({"TRUSTED_HOSTS": []}, "without TRUSTED_HOSTS"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "4 workers counting log-in attempts in memory"),
    ],
)
def test_production_refuses_an_unsafe_setting(change, message):
    with pytest.raises(ConfigurationError, match=message):
        check_production({**SAFE, **change})


def test_development_starts_with_the_defaults():
    check_production({"APP_ENV": "development", "RATELIMIT_STORAGE_URI": "memory://"})


def test_the_worker_count_comes_from_gunicorn(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    assert settings["workers"] == 3
    settings["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=5)))  # e.g. `-w 5`
    assert from_environment()["WEB_CONCURRENCY"] == 5


def test_an_emailed_link_ignores_a_forged_host_header(make_app, factory, outbox):
    app = make_app(SERVER_NAME=None, PUBLIC_URL="https://mri-match.example.org/mentoring")
    with app.app_context():
        user = factory.user(email="ana@example.org")
        client = app.test_client()
        response = client.post(
            "/auth/reset",
            data={"email": user.email},
            headers={"Host": "evil.example.org", "X-Forwarded-Host": "evil.example.org"},
        )
        assert response.status_code == 302
        (body,) = outbox.bodies()
        assert "evil.example.org" not in body
        assert "https://mri-match.example.org/mentoring/auth/reset/" in body
        token = body.split("/auth/reset/", 1)[1].split()[0]
        assert User.from_reset_token(token) == user
