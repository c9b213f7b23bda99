"""Deployment switches: health check, proxy headers, JSON logs."""

import json
import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from mri_match.config import from_environment
from mri_match.deploy import JsonFormatter
from mri_match.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_fails_when_the_database_does_not_answer(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_proxy_headers_are_trusted_only_when_configured(make_app):
    from flask import request

    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}

    def seen_with(hops):
        app = make_app(PROXY_FIX_HOPS=hops)
        app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
        return app.test_client().get("/whoami", headers=headers).get_data(as_text=True)

    assert seen_with(0) == "127.0.0.1 http"
    assert seen_with(1) == "203.0.113.9 https"


def test_json_logs_are_one_object_per_line():
    record = logging.LogRecord("mri_match", logging.INFO, __file__, 1, "run %s done", (7,), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "run 7 done" and entry["level"] == "INFO"


def test_database_url_switches_to_postgresql(tmp_path, monkeypatch):
    from mri_match import create_app

    monkeypatch.setenv("MRI_MATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    monkeypatch.setenv("LOG_FORMAT", "json")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"
    assert isinstance(app.logger.handlers[0].formatter, JsonFormatter)


def _drop_server_side(pid: int) -> None:
    """End a PostgreSQL backend from another connection, as a server restart would."""
    other = create_engine(db.engine.url)
    try:
        with other.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()


@pytest.mark.parametrize("idle_ping_seconds", [0, 3600])
def test_a_connection_dropped_while_idle_is_replaced_before_use(make_app, idle_ping_seconds):
    app = make_app(DATABASE_IDLE_PING_SECONDS=idle_ping_seconds)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("SQLite runs in-process: there is no server connection to lose")
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # the connection goes back to the pool
        _drop_server_side(pid)
        if idle_ping_seconds == 0:  # idle longer than the threshold: pinged, found dead, replaced
            assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
        else:  # not idle long enough to be pinged: the statement meets the dropped connection
            with pytest.raises(OperationalError):
                db.session.scalar(text("SELECT pg_backend_pid()"))
            db.session.rollback()
            assert db.session.scalar(text("SELECT 1")) == 1  # SQLAlchemy renewed the pool
        db.session.remove()


def test_idle_ping_threshold_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_IDLE_PING_SECONDS", "2.5")
    assert from_environment()["DATABASE_IDLE_PING_SECONDS"] == 2.5
