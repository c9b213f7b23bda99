"""Hardening: headers and CSP, cookies, request limits, trusted hosts, rate limits, passwords."""

import re
from pathlib import Path

import pytest
import redis
from conftest import PASSWORD, register_and_confirm

from mri_match.auth.forms import password_problem
from mri_match.config import from_environment
from mri_match.models import User

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# What a strict CSP (no 'unsafe-inline') would block: inline scripts, style blocks and
# attributes, inline event handlers and javascript: URLs.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    found = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("event handler attribute", EVENT_HANDLER),
        ("javascript: URL", JAVASCRIPT_URL),
    ]:
        found += [f"{name}: {m.group(0)[:60]!r}" for m in pattern.finditer(html)]
    return found


# --- headers --------------------------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers  # development: plain http


def test_error_pages_carry_the_headers_too(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_production_sends_hsts_and_secure_cookies(make_app, factory):
    app = make_app(APP_ENV="production", TRUSTED_HOSTS=["localhost"])
    with app.app_context():
        user = factory.user()
        client = app.test_client()
        response = client.post(
            "/auth/login",
            data={"email": user.email, "password": PASSWORD},
            base_url="https://localhost",
        )
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_development_cookies_are_httponly_and_samesite_but_not_secure(client, auth, factory):
    response = auth.login(factory.user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_hsts_can_be_switched_on_explicitly(make_app):
    app = make_app(HSTS_ENABLED=True, HSTS_MAX_AGE=600)
    assert app.test_client().get("/").headers["Strict-Transport-Security"] == (
        "max-age=600; includeSubDomains"
    )


def test_signed_in_pages_are_not_cached_but_static_files_may_be(client, auth, factory):
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")
    auth.login(factory.user())
    assert client.get("/trainee/").headers["Cache-Control"] == "no-store"
    with client.get("/static/css/app.css") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")


# --- request limits and hosts ---------------------------------------------------------------


def test_oversized_requests_get_the_413_page(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post(
        "/auth/login", data={"email": "a@b.org", "password": "x" * 5000}
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_default_request_limit_is_two_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024


def test_only_trusted_hosts_are_served(make_app):
    app = make_app(TRUSTED_HOSTS=["mri.example.org"], SERVER_NAME=None)
    client = app.test_client()
    assert client.get("/", base_url="http://mri.example.org").status_code == 200
    response = client.get("/", base_url="http://evil.example")
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


def test_hardening_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "mri.example.org, www.mri.example.org")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "4096")
    monkeypatch.setenv("HSTS_ENABLED", "true")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    settings = from_environment()
    assert settings["TRUSTED_HOSTS"] == ["mri.example.org", "www.mri.example.org"]
    assert settings["MAX_CONTENT_LENGTH"] == 4096
    assert settings["HSTS_ENABLED"] is True
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"


# --- no inline code, so the CSP holds -------------------------------------------------------


def test_no_template_contains_inline_script_or_style():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        problems += [f"{path.relative_to(TEMPLATES)}: {p}" for p in inline_code(path.read_text())]
    assert problems == []


def test_the_inline_code_check_catches_what_it_should():
    assert inline_code('<script>alert(1)</script><div style="color:red" onclick="x()">')
    assert inline_code("<style>p{}</style>") and inline_code('<a href="javascript:x()">')
    assert not inline_code('<script src="/static/js/app.js"></script><p class="style">style=</p>')


def test_rendered_pages_have_no_inline_script_or_style(client, auth, factory):
    cycle = factory.cycle()
    application = factory.application(cycle=cycle, status="draft")
    waiting = factory.user(confirmed=False)
    pages = [
        "/",
        "/auth/login",
        "/auth/register",
        "/auth/register/check-email",
        f"/auth/register/confirm/{waiting.email_confirm_token()}",
        "/auth/register/confirm/not-a-token",
        "/auth/reset",
        "/no-such-page",
    ]
    for path in pages:
        assert inline_code(client.get(path).get_data(as_text=True)) == [], path
    auth.login(application.trainee)
    for path in [
        "/trainee/",
        f"/trainee/applications/{application.id}",
        f"/trainee/applications/{application.id}/edit",
        "/trainee/self-identification",
        "/auth/password",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.get_data(as_text=True)) == [], path


# --- rate limits ----------------------------------------------------------------------------


def _hammer(client, path, data, times=11):
    return [client.post(path, data=data).status_code for _ in range(times)]


def test_password_reset_requests_are_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    codes = _hammer(client, "/auth/reset", {"email": "someone@example.org"})
    assert codes[:10] == [302] * 10 and codes[10] == 429
    assert "Too many attempts" in client.post("/auth/reset").get_data(as_text=True)


def test_reset_link_and_registration_are_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    assert _hammer(client, "/auth/reset/not-a-token", {"password": "x"})[10] == 429
    assert _hammer(client, "/auth/register", {"email": "x"})[10] == 429
    assert _hammer(client, "/auth/register/confirm/not-a-token", {"password": "x"})[10] == 429
    # Reading the pages is never limited.
    assert client.get("/auth/register").status_code == 200
    assert client.get("/auth/register/confirm/not-a-token").status_code == 200


def test_login_rate_limit_works_with_redis_storage(make_app, factory, redis_url):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url)
    with app.app_context():
        email = factory.user().email
    client = app.test_client()
    codes = _hammer(client, "/auth/login", {"email": email, "password": "wrong password!"})
    assert codes[:10] == [200] * 10 and codes[10] == 429
    server = redis.Redis.from_url(redis_url)
    try:
        assert any(server.scan_iter(match="*LIMITER*"))
    finally:
        server.close()


# --- passwords and sessions -----------------------------------------------------------------


@pytest.mark.parametrize(
    "password, email, bad",
    [
        ("ana@example.org", "Ana@Example.org", True),
        ("ANA.LONGNAME1", "ana.longname1@example.org", True),
        ("aaaaaaaaaaaaaa", "ana@example.org", True),
        (PASSWORD, "ana@example.org", False),
    ],
)
def test_password_must_not_be_the_email_or_one_repeated_character(password, email, bad):
    assert (password_problem(password, email) is not None) is bad


def test_registration_refuses_the_email_as_password(client, outbox):
    response = register_and_confirm(
        client, outbox, "ana.longname@example.org", password="ana.longname@example.org"
    )
    assert response.status_code == 200
    assert "not your email address" in response.get_data(as_text=True)
    user = User.by_email("ana.longname@example.org")
    assert user.email_confirmed_at is None and not user.check_password(user.email)


def test_changing_password_to_the_email_is_refused(client, auth, factory):
    user = factory.user(email="long.address@example.org")
    auth.login(user)
    response = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": user.email, "confirm": user.email},
    )
    assert "not your email address" in response.get_data(as_text=True)
    assert user.check_password(PASSWORD)


def test_login_renews_the_session(client, factory):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post(
        "/auth/login", data={"email": factory.user().email, "password": PASSWORD}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session


# --- inputs that must never reach the database as a 500 -------------------------------------


def test_nul_characters_are_refused_with_400(client):
    assert client.post("/auth/login", data={"email": "a\x00@example.org"}).status_code == 400
    assert client.get("/auth/login?next=%00").status_code == 400


def test_ids_beyond_32_bits_answer_404(client, auth, factory):
    auth.login(factory.user("admin"))
    assert client.get("/admin/applications/99999999999999999999").status_code == 404
    assert client.get("/admin/applications/2147483648").status_code == 404


def test_odd_digits_and_long_searches_do_not_break_the_review_pages(client, auth, factory):
    from test_authorization_matrix import World

    world = World(factory)
    auth.login(world.admin)
    proposal = f"/admin/proposals/{world.proposal.id}"
    for value in ("²", "99999999999999999999999"):
        assert client.post(f"{proposal}/swap", data={"mentor_id": value}).status_code == 302
        response = client.post(
            f"/admin/runs/{world.run.id}/confirm", data={"mode": "selected", "proposal": value}
        )
        assert response.status_code == 302
    assert client.get(proposal, query_string={"mentor_q": "é" * 60_000}).status_code == 200
    for page in (
        "/admin/audit",
        f"/admin/runs/{world.run.id}",
        f"/admin/cycles/{world.cycle.slug}/matches",
    ):
        assert client.get(page, query_string={"page": "9" * 25}).status_code == 200
    assert (
        client.get(f"/admin/runs/{world.run.id}", query_string={"q": "é" * 60_000}).status_code
        == 200
    )
