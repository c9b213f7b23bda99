"""Accounts: registration with email confirmation, login, logout, password change and reset."""

import re

import pytest
from conftest import CONFIRM_LINK, PASSWORD, Outbox
from flask import g
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from mri_match.auth.views import safe_next
from mri_match.extensions import db
from mri_match.models import User, utcnow

NEW_PASSWORD = "a brand new passphrase"


def register(client, email="new@example.org", role="trainee"):
    return client.post("/auth/register", data={"email": email, "role": role})


def confirm_link(outbox, to=None) -> str:
    """The path of the newest confirmation link in the outbox (sent to ``to``, if given)."""
    links = [
        CONFIRM_LINK.search(body).group(1)
        for message, body in zip(outbox.messages(), outbox.bodies(), strict=True)
        if CONFIRM_LINK.search(body) and (to is None or message["To"] == to)
    ]
    assert links, "no confirmation link was sent"
    return links[-1]


def choose_password(client, link, password=PASSWORD, confirm=None):
    return client.post(link, data={"password": password, "confirm": confirm or password})


def pending(factory, email="pending@example.org", role="trainee") -> User:
    """An address registered through the form whose link was never followed."""
    user = factory.user(role, email=email, confirmed=False)
    user.set_unusable_password("unconfirmed")
    db.session.commit()
    return user


# --- registering: an address, then a link, then a password --------------------------------------


def test_registering_a_new_address_emails_a_link_and_creates_no_usable_account(client, outbox):
    response = register(client, email="  Ada@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/register/check-email")
    user = User.by_email("ada@example.org")
    assert user.email == "ada@example.org"  # stored lower-cased and trimmed
    assert user.role == "trainee"
    assert user.email_confirmed_at is None
    assert not user.check_password("") and not user.check_password("unconfirmed")
    (message,) = outbox.messages()
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "[MRI Match] Confirm your email address"
    assert "/auth/register/confirm/" in outbox.bodies()[0]
    assert "48 hours" in outbox.bodies()[0]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Check your email</h1>" in page and "ada@example.org" not in page


def test_the_register_form_asks_for_no_password_and_keeps_the_role_preselect(client):
    page = client.get("/auth/register?role=mentor").get_data(as_text=True)
    assert 'type="password"' not in page
    assert re.search(r'<input[^>]*checked[^>]*value="mentor"|value="mentor"[^>]*checked', page)
    assert not re.search(r'value="trainee"[^>]*checked', page)


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [
        ("trainee", "/trainee/", "My applications"),
        ("mentor", "/mentor/profile", "Volunteer as a mentor"),
    ],
)
def test_following_the_link_chooses_the_password_confirms_and_logs_in(
    client, auth, outbox, role, landing, heading
):
    register(client, email="ada@example.org", role=role)
    link = confirm_link(outbox)
    page = client.get(link).get_data(as_text=True)
    assert "<h1>Choose your password</h1>" in page and "ada@example.org" in page
    response = choose_password(client, link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(landing)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your email address is confirmed and your account is ready." in page
    assert heading in page
    user = User.by_email("ada@example.org")
    assert user.email_confirmed_at is not None and user.last_login_at is not None
    assert user.role == role and user.check_password(PASSWORD)
    auth.logout()
    assert auth.login("ada@example.org").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "x" * 250 + "@example.org"}, "at most 254 characters"),
        ({"role": "admin"}, "Not a valid choice"),
        ({"role": ""}, "Choose whether you are a trainee or a mentor."),
    ],
)
def test_registration_errors_are_shown_beside_the_field(client, outbox, data, message):
    form = {"email": "a@example.org", "role": "trainee"}
    form.update(data)
    response = client.post("/auth/register", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page or "is-invalid" in page
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    assert outbox.messages() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "short", "confirm": "short"}, "Use between 12 and 128 characters."),
        ({"confirm": "something else entirely"}, "The passwords do not match."),
        ({"password": "ada@example.org", "confirm": "ada@example.org"}, "not your email address"),
        ({"password": "a" * 14, "confirm": "a" * 14}, "not one character repeated"),
    ],
)
def test_the_chosen_password_follows_the_password_rules(client, outbox, data, message):
    register(client, email="ada@example.org")
    link = confirm_link(outbox)
    form = {"password": PASSWORD, "confirm": PASSWORD, **data}
    response = client.post(link, data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    user = User.by_email("ada@example.org")
    assert user.email_confirmed_at is None and not user.check_password(form["password"])
    assert client.get(link).status_code == 200  # the link still works after a refused try


def _strip_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page)


def _register_with_csrf(app, email, role="trainee"):
    """Register from a fresh browser the way a person does; what that person gets back."""
    g.pop("csrf_token", None)  # the test's app context outlives requests: forget the last token
    client = app.test_client()
    form = client.get("/auth/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(
        "/auth/register", data={"email": email, "role": role, "csrf_token": token}
    )
    with client.session_transaction() as session:
        flashes = list(session.get("_flashes", []))
    follow = client.get(response.headers["Location"])
    return {
        "status": response.status_code,
        "location": response.headers.get("Location"),
        "body": response.get_data(as_text=True),
        "flashes": flashes,
        "page status": follow.status_code,
        "page": _strip_csrf(follow.get_data(as_text=True)),
    }


def test_registration_answers_the_same_for_new_unconfirmed_and_existing_addresses(
    make_app, factory
):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
        existing = factory.user("mentor", email="existing@example.org")
        before = (existing.password_hash, existing.role, existing.email_confirmed_at)
        pending(factory, email="pending@example.org", role="mentor")

        seen = {
            email: _register_with_csrf(app, email)
            for email in ("new@example.org", "pending@example.org", "existing@example.org")
        }
        first, *others = seen.values()
        assert first["status"] == 302
        assert first["location"].endswith("/auth/register/check-email")
        assert "Check your email" in first["page"]
        for other in others:
            assert other == first

        # Only the emails differ, and each goes to its own address alone.
        sent = {m["To"]: m["Subject"] for m in outbox.messages()}
        assert sent == {
            "new@example.org": "[MRI Match] Confirm your email address",
            "pending@example.org": "[MRI Match] Confirm your email address",
            "existing@example.org": "[MRI Match] You already have an account",
        }
        bodies = dict(zip([m["To"] for m in outbox.messages()], outbox.bodies(), strict=True))
        assert "/auth/reset/" in bodies["existing@example.org"]
        assert "/auth/register/confirm/" not in bodies["existing@example.org"]
        db.session.expire_all()
        existing = User.by_email("existing@example.org")
        assert (existing.password_hash, existing.role, existing.email_confirmed_at) == before
        assert User.by_email("pending@example.org").role == "trainee"  # the role just chosen


def test_no_password_is_hashed_while_registering(client, factory, monkeypatch):
    factory.user(email="existing@example.org")
    pending(factory)
    calls = []
    monkeypatch.setattr(
        "mri_match.models.accounts.generate_password_hash", lambda *a, **k: calls.append("gen")
    )
    monkeypatch.setattr(
        "mri_match.models.accounts.check_password_hash", lambda *a, **k: calls.append("check")
    )
    for email in ("new@example.org", "pending@example.org", "existing@example.org"):
        assert register(client, email=email).status_code == 302
    assert calls == []


def test_registering_an_unconfirmed_address_again_sends_a_new_link_that_replaces_the_old(
    client, outbox
):
    register(client, email="ada@example.org", role="mentor")
    old = confirm_link(outbox)
    register(client, email="ada@example.org", role="trainee")
    new = confirm_link(outbox)
    assert new != old
    assert User.by_email("ada@example.org").role == "trainee"
    assert "This link does not work" in client.get(old).get_data(as_text=True)
    assert choose_password(client, new).headers["Location"].endswith("/trainee/")


def test_registering_an_imported_address_keeps_the_account_and_its_invitation(
    client, factory, outbox
):
    """An imported person is unconfirmed until they set a password, but holds an application:
    registering their address must not turn them into a mentor or cancel their invitation."""
    application = factory.application()
    trainee = application.trainee
    trainee.set_unusable_password("invited")
    trainee.email_confirmed_at = None
    db.session.commit()
    invitation = trainee.password_reset_token(invitation=True)
    hash_before = trainee.password_hash

    register(client, email=trainee.email, role="mentor")
    (message,) = outbox.messages()
    assert message["Subject"] == "[MRI Match] You already have an account"
    db.session.expire_all()
    assert trainee.role == "trainee" and trainee.password_hash == hash_before
    assert User.from_reset_token(invitation) == trainee


# --- the account-takeover attempt --------------------------------------------------------------

ATTACKER_GUESSES = ["unconfirmed", PASSWORD, "attacker's own passphrase", "!unconfirmed"]


def test_pre_registering_someone_elses_address_gains_the_attacker_nothing(app, auth, outbox):
    attacker = app.test_client()
    victim = app.test_client()
    # The attacker registers the victim's address; the email goes to the victim's mailbox.
    register(attacker, email="victim@example.org", role="mentor")
    target = User.by_email("victim@example.org")
    for guess in ATTACKER_GUESSES + [target.password_hash]:
        page = attacker.post(
            "/auth/login", data={"email": "victim@example.org", "password": guess}
        ).get_data(as_text=True)
        assert "That email and password do not match an account." in page
        g.pop("_login_user", None)
    # The attacker cannot reach the password page without the emailed link.
    assert "This link does not work" in attacker.get(
        "/auth/register/confirm/" + target.email_confirm_token()[:-4] + "AAAA"
    ).get_data(as_text=True)

    # The victim registers too, follows the newest link and chooses the password.
    register(victim, email="victim@example.org", role="trainee")
    link = confirm_link(outbox, to="victim@example.org")
    victims_password = "the victim's own long passphrase"
    assert choose_password(victim, link, victims_password).headers["Location"].endswith("/trainee/")
    g.pop("_login_user", None)

    for guess in ATTACKER_GUESSES:
        response = attacker.post(
            "/auth/login", data={"email": "victim@example.org", "password": guess}
        )
        assert response.status_code == 200, guess
        g.pop("_login_user", None)
    assert attacker.get("/trainee/").status_code == 302  # still not logged in
    # An earlier link the attacker might have got hold of is dead, so is the one just used.
    assert "This link does not work" in attacker.get(link).get_data(as_text=True)

    # Registering the address again changes nothing; the victim is told instead.
    db.session.expire_all()
    victim_user = User.by_email("victim@example.org")
    before = (victim_user.password_hash, victim_user.role, victim_user.email_confirmed_at)
    register(attacker, email="victim@example.org", role="mentor")
    db.session.expire_all()
    victim_user = User.by_email("victim@example.org")
    assert (victim_user.password_hash, victim_user.role, victim_user.email_confirmed_at) == before
    assert outbox.messages()[-1]["Subject"] == "[MRI Match] You already have an account"
    assert confirm_link(outbox) == link  # no new confirmation link was made
    assert auth.login("victim@example.org", victims_password).status_code == 302


# --- the confirmation link: single use, expiry, tampering --------------------------------------


def test_the_confirmation_link_works_once(client, auth, outbox):
    register(client, email="ada@example.org")
    link = confirm_link(outbox)
    choose_password(client, link)
    auth.logout()
    for response in (
        client.get(link),
        choose_password(client, link, "another long passphrase"),
    ):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "This link does not work" in page
        assert 'href="/auth/register"' in page
        assert 'href="/auth/login"' in page
    assert User.by_email("ada@example.org").check_password(PASSWORD)
    assert client.get("/trainee/").status_code == 302  # the reused link logged nobody in


def _token_signed_hours_ago(user, hours, monkeypatch):
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real(self) - int(hours * 3600)
    )
    token = user.email_confirm_token()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    return token


def test_the_confirmation_link_expires_after_48_hours(app, factory, monkeypatch):
    assert app.config["EMAIL_CONFIRM_HOURS"] == 48
    user = pending(factory)
    assert User.from_email_confirm_token(_token_signed_hours_ago(user, 47, monkeypatch)) == user
    expired = _token_signed_hours_ago(user, 49, monkeypatch)
    assert User.from_email_confirm_token(expired) is None
    app.config["EMAIL_CONFIRM_HOURS"] = 72  # configurable
    assert User.from_email_confirm_token(expired) == user


def test_an_expired_link_says_so_and_sets_nothing(make_app, factory):
    app = make_app(EMAIL_CONFIRM_HOURS=-1)
    with app.app_context():
        user = pending(factory)
        client = app.test_client()
        link = f"/auth/register/confirm/{user.email_confirm_token()}"
        response = choose_password(client, link)
        assert "This link does not work" in response.get_data(as_text=True)
        db.session.expire_all()
        assert user.email_confirmed_at is None and not user.check_password(PASSWORD)


def test_tampered_and_borrowed_tokens_are_refused(client, app, factory):
    user = pending(factory)
    token = user.email_confirm_token()
    assert User.from_email_confirm_token(token) == user
    forged = URLSafeTimedSerializer("not-the-secret", salt="email-confirm").dumps(
        {"id": user.id, "pw": user.password_hash[-16:]}
    )
    for bad in [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        "x" + token,
        forged,
        user.password_reset_token(),  # a reset link is not a confirmation link
        "garbage",
        "",
    ]:
        assert User.from_email_confirm_token(bad) is None, bad
    other = pending(factory, email="other@example.org")
    assert User.from_email_confirm_token(other.email_confirm_token()) == other
    assert User.from_reset_token(token) is None  # nor the other way round
    # An account already confirmed (say, through a reset link) has no use for one.
    user.email_confirmed_at = utcnow()
    db.session.commit()
    assert User.from_email_confirm_token(token) is None


def test_a_bad_link_shows_a_page_not_an_error(client):
    for method in (client.get, client.post):
        response = method("/auth/register/confirm/not-a-token")
        assert response.status_code == 200
        assert "This link does not work" in response.get_data(as_text=True)


def test_unconfirmed_accounts_cannot_log_in(client, auth, factory):
    user = factory.user(email="unconfirmed@example.org", confirmed=False)  # a usable password
    assert user.check_password(PASSWORD)
    page = auth.login(user).get_data(as_text=True)
    assert "That email and password do not match an account." in page
    assert client.get("/trainee/").status_code == 302
    user.email_confirmed_at = utcnow()
    db.session.commit()
    assert auth.login(user).status_code == 302


def test_a_password_reset_confirms_the_address(client, auth, factory, outbox):
    user = pending(factory)
    client.post("/auth/reset", data={"email": user.email})
    link = re.search(r"http://localhost(/auth/reset/\S+)", outbox.bodies()[-1]).group(1)
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.expire_all()
    assert user.email_confirmed_at is not None
    assert auth.login(user, NEW_PASSWORD).status_code == 302


def test_signed_in_people_are_sent_home_from_register(client, auth, factory, outbox):
    auth.login(factory.user())
    response = register(client, email="someone.else@example.org")
    assert response.headers["Location"].endswith("/")
    assert User.by_email("someone.else@example.org") is None and outbox.messages() == []


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


def test_every_failed_login_costs_one_password_check(client, factory, monkeypatch):
    """Unknown, deactivated and unconfirmed addresses take as long as a wrong password."""
    from mri_match.models import accounts

    checks = []
    real = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: checks.append(h) or real(h, p)
    )
    factory.user(email="known@example.org")
    factory.user(email="gone@example.org", active=False)
    factory.user(email="pending@example.org", confirmed=False)
    for email in ("known", "unknown", "gone", "pending"):
        checks.clear()
        page = client.post(
            "/auth/login", data={"email": f"{email}@example.org", "password": "wrong password!!"}
        ).get_data(as_text=True)
        assert "do not match an account" in page
        assert len(checks) == 1, email


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


def test_reset_request_for_unknown_email_looks_the_same(client, outbox, factory):
    """Same page for every address, and one email each: only the email's content differs."""
    factory.user(email="known@example.org")
    factory.user(email="gone@example.org", active=False)
    pages = []
    for email in ("known", "nobody", "gone"):
        response = client.post(
            "/auth/reset", data={"email": f"{email}@example.org"}, follow_redirects=True
        )
        pages.append(response.get_data(as_text=True))
    assert "If that address has an account" in pages[0]
    assert pages[0] == pages[1] == pages[2]
    sent = outbox.messages()
    assert [m["To"] for m in sent] == [f"{e}@example.org" for e in ("known", "nobody", "gone")]
    bodies = outbox.bodies()
    assert "/auth/reset/" in bodies[0]
    assert "no active MRI Match" in bodies[1] and "/auth/reset/" not in bodies[1]
    assert "/auth/register" in bodies[1] and "no active MRI Match" in bodies[2]


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
