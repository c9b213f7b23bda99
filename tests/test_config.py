"""Configuration order and the production safety check."""

import pytest

from mri_match import create_app
from mri_match.config import DEV_SECRET_KEY, ConfigurationError, normalise_database_url


def test_test_config_overrides_defaults(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nPER_PAGE = 7\n")
    monkeypatch.setenv("MRI_MATCH_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["PER_PAGE"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'mri_match.sqlite'}"

    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/mri")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/mri"


def test_production_refuses_the_development_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("MRI_MATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="development SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-vault")
    assert create_app().config["SECRET_KEY"] != DEV_SECRET_KEY


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://h/db", "postgresql+psycopg://h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_mail_goes_to_the_file_outbox_in_development(app, outbox):
    from mri_match.email import send_email

    with app.test_request_context():
        send_email("reset_password", "a@example.org", "Hello", user=None, url="http://x/y")
    (message,) = outbox.messages()
    assert message["Subject"] == "[MRI Match] Hello"
    assert "http://x/y" in outbox.bodies()[0]
