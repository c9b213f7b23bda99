"""Configuration order, the production safety check and the password hash method."""

import pytest
from conftest import PASSWORD
from werkzeug.security import generate_password_hash

from mri_match import create_app
from mri_match.config import (
    DEV_SECRET_KEY,
    QUICK_PASSWORD_HASH_METHOD,
    STRONG_PASSWORD_HASH_METHOD,
    ConfigurationError,
    normalise_database_url,
)
from mri_match.extensions import db
from mri_match.models import User


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
    monkeypatch.setenv("PUBLIC_URL", "https://mri-match.example.org")
    monkeypatch.setenv("TRUSTED_HOSTS", "mri-match.example.org")
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


def test_new_passwords_get_the_strong_hash_outside_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("MRI_MATCH_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["PASSWORD_HASH_METHOD"] == STRONG_PASSWORD_HASH_METHOD == "scrypt"
    with app.app_context():
        user = User(email="ada@example.org", role="trainee")
        user.set_password(PASSWORD)
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert user.check_password(PASSWORD)
        assert not user.check_password("not the password")


def test_the_suite_hashes_quickly_and_still_accepts_strong_hashes(app, auth, client, factory):
    assert app.config["PASSWORD_HASH_METHOD"] == QUICK_PASSWORD_HASH_METHOD
    user = factory.user()
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    user.password_hash = generate_password_hash(PASSWORD)  # werkzeug's default, the strong one
    db.session.commit()
    assert auth.login(user).status_code == 302
    assert client.get("/trainee/").status_code == 200


def test_an_explicit_password_hash_method_wins(make_app):
    app = make_app(PASSWORD_HASH_METHOD="pbkdf2:sha256:2000")
    with app.app_context():
        user = User(email="ada@example.org", role="trainee")
        user.set_password(PASSWORD)
    assert user.password_hash.startswith("pbkdf2:sha256:2000$")


def test_statement_model_must_be_known_and_installed(tmp_path, monkeypatch):
    from mri_match.engine import semantic

    monkeypatch.setenv("MRI_MATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("STATEMENT_MODEL", "word2vec")
    with pytest.raises(ConfigurationError, match="STATEMENT_MODEL must be one of"):
        create_app()
    monkeypatch.setenv("STATEMENT_MODEL", "tfidf")
    assert create_app().config["STATEMENT_MODEL"] == "tfidf"
    monkeypatch.setattr(semantic, "available", lambda model_dir=None: False)
    monkeypatch.setenv("STATEMENT_MODEL", "hybrid")
    with pytest.raises(ConfigurationError, match="semantic model is not installed"):
        create_app()
