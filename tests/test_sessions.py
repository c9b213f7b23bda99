"""Sessions end when they should: a replayed cookie after logging out, other sessions after a
password change or reset, and every other session on request (OWASP ASVS V3.3)."""

from conftest import PASSWORD
from flask import g

from mri_match.extensions import db
from mri_match.models import User

NEW_PASSWORD = "a different long passphrase"


def _signed_in(client) -> bool:
    g.pop("_login_user", None)  # the tests' app context outlives requests: no cached user
    response = client.get("/trainee/")
    response.close()
    return response.status_code == 200


def _login(app, user, password=PASSWORD):
    g.pop("_login_user", None)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_session_cookie_replayed_after_logout_is_not_signed_in(app, factory):
    user = factory.user("trainee")
    client = _login(app, user)
    assert _signed_in(client)
    stolen = _cookie(client)
    client.post("/auth/logout")
    assert not _signed_in(client)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not _signed_in(replay)
    # logging in again works, with a new cookie
    assert _signed_in(_login(app, user))


def test_changing_the_password_logs_out_the_other_sessions_only(app, factory):
    user = factory.user("trainee")
    here, elsewhere = _login(app, user), _login(app, user)
    response = here.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


def test_resetting_the_password_logs_out_every_session(app, factory):
    user = factory.user("trainee")
    elsewhere = _login(app, user)
    token = user.password_reset_token()
    response = app.test_client().post(
        f"/auth/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not _signed_in(elsewhere)
    assert _signed_in(_login(app, user, NEW_PASSWORD))


def test_log_out_other_sessions(app, factory):
    user = factory.user("trainee")
    here, elsewhere = _login(app, user), _login(app, user)
    page = here.get("/auth/password").get_data(as_text=True)
    assert "Log out other sessions" in page
    response = here.post("/auth/sessions/others")
    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


def test_a_session_naming_only_the_user_id_is_not_signed_in(app, factory):
    user = factory.user("trainee")
    for forged in (str(user.id), f"{user.id}:", f"{user.id}:wrong", f"x:{user.session_token}"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not _signed_in(client), forged
    db.session.expire_all()
    assert db.session.get(User, user.id).session_token
