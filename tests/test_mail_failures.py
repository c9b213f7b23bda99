"""Mail goes out after the commit, and a failure to send never breaks or half-completes an action.

Addresses whose mailbox name is not ASCII are refused where they are typed or imported, with a
message beside the field; an address with an international domain name is accepted end to end.
"""

import pytest
from test_bulk import TRAINEE, counts, csv_bytes, person, upload

from mri_match import email as mail_module
from mri_match.email import NON_ASCII_MAILBOX, BadAddress, checked_address
from mri_match.extensions import db
from mri_match.models import Application, AuditEvent, User

NON_ASCII = "josé.núñez@exämple.org"


@pytest.fixture
def cycle(factory):
    return factory.cycle(status="open", slug="c2027")


@pytest.fixture
def broken_mail(app, monkeypatch):
    """Every message fails to send, as with an SMTP server that is down."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")

    def refuse(message):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(mail_module.mail, "send", refuse)


def test_checked_address():
    assert checked_address(" Ana@Example.ORG ") == "ana@example.org"
    assert checked_address("ana@exämple.org") == "ana@exämple.org"
    for bad in (NON_ASCII, "josé@example.org"):
        with pytest.raises(BadAddress, match="unaccented"):
            checked_address(bad)
    with pytest.raises(BadAddress, match="valid email"):
        checked_address("not-an-email")


@pytest.mark.parametrize("url", ["/auth/register", "/auth/reset"])
def test_a_non_ascii_mailbox_is_refused_beside_the_field(client, outbox, url):
    response = client.post(url, data={"role": "trainee", "email": NON_ASCII})
    assert response.status_code == 200
    assert NON_ASCII_MAILBOX in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    assert outbox.messages() == []


def test_an_international_domain_registers_end_to_end(client, outbox):
    response = client.post("/auth/register", data={"role": "trainee", "email": "ana@exämple.org"})
    assert response.status_code == 302
    (message,) = outbox.messages()
    assert "xn--exmple-cua.org" in message["To"]
    assert "/auth/register/confirm/" in outbox.bodies()[0]


def test_a_failed_confirmation_email_is_said_plainly_and_asking_again_works(
    app, client, outbox, broken_mail, monkeypatch
):
    response = client.post("/auth/register", data={"role": "mentor", "email": "ana@example.org"})
    assert response.status_code == 200
    assert "We could not send the email just now" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    response = client.post("/auth/register", data={"role": "mentor", "email": "ana@example.org"})
    assert response.status_code == 302
    assert len(outbox.messages()) == 1


def test_a_failed_reset_email_is_said_plainly(client, factory, broken_mail):
    factory.user(email="ana@example.org")
    response = client.post("/auth/reset", data={"email": "ana@example.org"})
    assert response.status_code == 200
    assert "We could not send the email just now" in response.get_data(as_text=True)


def test_an_import_row_with_a_non_ascii_mailbox_is_a_problem_and_nothing_is_saved(
    client, admin, cycle, outbox
):
    before = counts()
    rows = [person(TRAINEE, 1), person(TRAINEE, 2, email=NON_ASCII)]
    response = upload(client, cycle, csv_bytes(rows), mode="all")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and NON_ASCII_MAILBOX in page
    assert counts() == before
    assert outbox.messages() == []


def test_failed_invitations_are_listed_and_sent_again(
    app, client, admin, cycle, outbox, broken_mail, monkeypatch
):
    rows = [person(TRAINEE, 1), person(TRAINEE, 2)]
    response = upload(client, cycle, csv_bytes(rows), mode="all")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was" not in page
    assert "could not be sent to 2 of them" in page
    assert "ada1@example.org" in page and "ada2@example.org" in page
    assert "Resend invitations" in page
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 2
    assert [e.action for e in db.session.scalars(db.select(AuditEvent))] == ["bulk_import"]

    # the mail server is back: resend to both (an id from elsewhere is ignored)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    ids = [u.id for u in db.session.scalars(db.select(User).where(User.role == "trainee"))]
    response = client.post(
        f"/admin/cycles/{cycle.slug}/import/invitations", data={"user": [*ids, admin.id]}
    )
    assert response.status_code == 302
    assert sorted(m["To"] for m in outbox.messages()) == ["ada1@example.org", "ada2@example.org"]
    assert all("/auth/reset/" in body for body in outbox.bodies())


def test_invitations_are_resent_only_to_people_still_waiting(client, admin, cycle, factory, outbox):
    other = factory.application()  # someone else's cycle, password set
    response = client.post(
        f"/admin/cycles/{cycle.slug}/import/invitations", data={"user": [other.trainee_id]}
    )
    assert response.status_code == 302
    assert outbox.messages() == []


def test_a_confirmed_match_stays_confirmed_when_its_emails_fail(
    client, admin, factory, broken_mail
):
    from test_authorization_matrix import World

    world = World(factory)
    from mri_match.models import Proposal

    proposal = db.session.scalar(db.select(Proposal).where(Proposal.id == world.proposal.id))
    response = client.post(f"/admin/proposals/{proposal.id}/confirm", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "could not be sent" in page and "let them know another way" in page
