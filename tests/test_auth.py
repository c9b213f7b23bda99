"""Accounts: registration, login, logout, password change and reset."""

import re

import pytest
from conftest import PASSWORD

from mri_match.auth.views import safe_next
from mri_match.extensions import db
from mri_match.models import User

NEW_PASSWORD = "a brand new passphrase"


def register(client, email="new@example.org", password=PASSWORD, confirm=None, role="trainee"):
    return client.post(
        "/auth/register",
        data={"email": email, "password": password, "confirm": confirm or password, "role": role},
    )


def test_trainee_registers_and_lands_on_dashboard(client):
    response = register(client, email="  Ada@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/trainee/")
    user = User.by_email("ada@example.org")
    assert user.role == "trainee"
    assert user.email == "ada@example.org"  # stored lower-cased and trimmed
    assert user.password_hash != PASSWORD


def test_mentor_registration_goes_to_profile(client):
    response = register(client, role="mentor")
    assert response.headers["Location"].endswith("/mentor/profile")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "x" * 250 + "@example.org"}, "at most 254 characters"),
        ({"password": "short"}, "Use between 12 and 128 characters."),
        ({"confirm": "something else entirely"}, "The passwords do not match."),
        ({"role": "admin"}, "Not a valid choice"),
        ({"role": ""}, "Choose whether you are a trainee or a mentor."),
    ],
)
def test_registration_errors_are_shown_beside_the_field(client, data, message):
    form = {"email": "a@example.org", "password": PASSWORD, "confirm": PASSWORD, "role": "trainee"}
    form.update(data)
    response = client.post("/auth/register", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page or "is-invalid" in page
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_nobody_registers_as_admin_or_twice(client, factory):
    factory.user(email="taken@example.org")
    page = register(client, email="TAKEN@example.org").get_data(as_text=True)
    assert "already exists" in page
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_login_and_logout(client, auth, factory):
    user = factory.user()
    response = auth.login(user)
    assert response.status_code == 302
    assert client.get("/trainee/").status_code == 200
    assert user.last_login_at is not None
    auth.logout()
    assert client.get("/trainee/").status_code == 302


def test_logout_requires_post(client, auth, factory):
    auth.login(factory.user())
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/trainee/").status_code == 200


def test_login_failure_does_not_reveal_whether_account_exists(client, factory):
    factory.user(email="known@example.org")
    wrong_password = client.post(
        "/auth/login", data={"email": "known@example.org", "password": "wrong password!!"}
    ).get_data(as_text=True)
    unknown = client.post(
        "/auth/login", data={"email": "unknown@example.org", "password": "wrong password!!"}
    ).get_data(as_text=True)
    message = "That email and password do not match an account."
    assert message in wrong_password and message in unknown


def test_deactivated_account_cannot_log_in(client, auth, factory):
    user = factory.user(active=False)
    page = auth.login(user).get_data(as_text=True)
    assert "do not match an account" in page


def test_login_follows_only_local_next(client, factory):
    user = factory.user()
    response = client.post(
        "/auth/login?next=/trainee/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/trainee/")
    client.post("/auth/logout")
    response = client.post(
        "/auth/login?next=https://evil.example.com/",
        data={"email": user.email, "password": PASSWORD},
    )
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    ["https://evil.example.com", "//evil.example.com", "/\\evil.example.com", "javascript:x", ""],
)
def test_unsafe_next_targets_are_refused(target):
    assert safe_next(target) is None


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/trainee/")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_change_password(client, auth, factory):
    user = factory.user()
    auth.login(user)
    page = client.post(
        "/auth/password",
        data={
            "current_password": "not my password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    ).get_data(as_text=True)
    assert "Your current password is not correct." in page
    assert user.check_password(PASSWORD)
    client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def _reset_link(outbox) -> str:
    (body,) = outbox.bodies()
    return re.search(r"http://localhost(/auth/reset/\S+)", body).group(1)


def test_password_reset_link_works_once(client, auth, factory, outbox):
    user = factory.user()
    response = client.post("/auth/reset", data={"email": user.email})
    assert response.status_code == 302
    assert outbox.messages()[0]["To"] == user.email
    link = _reset_link(outbox)

    assert client.get(link).status_code == 200
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert auth.login(user, NEW_PASSWORD).status_code == 302

    auth.logout()
    reused = client.post(
        link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert reused.status_code == 302
    assert "/auth/reset" in reused.headers["Location"]
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_link_expires(make_app, factory):
    app = make_app(PASSWORD_RESET_MAX_AGE=-1)
    with app.app_context():
        user = factory.user()
        token = user.password_reset_token()
        assert User.from_reset_token(token) is None
        assert User.from_reset_token("garbage") is None


def test_reset_request_for_unknown_email_looks_the_same(client, outbox):
    response = client.post(
        "/auth/reset", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If that address has an account" in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_forms_refuse_a_missing_csrf_token(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = factory.user()
        client = app.test_client()
        response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "Your form expired" in response.get_data(as_text=True)
        # With the token from the page, the same login works.
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302


def test_login_is_rate_limited(make_app, factory):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        user = factory.user()
        client = app.test_client()
        codes = [
            client.post(
                "/auth/login", data={"email": user.email, "password": "wrong password!"}
            ).status_code
            for _ in range(11)
        ]
        assert codes[:10] == [200] * 10
        assert codes[10] == 429
