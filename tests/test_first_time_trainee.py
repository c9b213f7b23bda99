"""After a trainee submits: an emailed receipt, what happens next with dates, and a dashboard
that tells the cycle's real state."""

from datetime import timedelta

from test_authorization_matrix import _client_as
from test_trainee import complete_answers

from mri_match.extensions import db
from mri_match.models import Application, utcnow


def _when(moment) -> str:
    return moment.strftime("%d %B %Y")


def test_submitting_emails_a_receipt_with_what_happens_next(app, factory, outbox):
    cycle = factory.cycle(status="open", name="MRI 2027", closes_in_days=30)
    trainee = factory.user("trainee")
    client = _client_as(app, trainee.id)
    response = client.post(
        f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers(action="submit")
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"We have emailed a receipt to {trainee.email}." in page

    [message] = outbox.messages()
    assert message["To"] == trainee.email and "Application received: MRI 2027" in message["Subject"]
    body = outbox.bodies()[0]
    closes = cycle.closes_at
    for days, what in [
        (0, "Applications close"),
        (14, "eligible"),
        (28, "Matching"),
        (35, "You hear about your match"),
    ]:
        line = next(line for line in body.splitlines() if what in line)
        assert _when(closes + timedelta(days=days)) in line, line

    # the application page says the same, with the same dates
    assert "What happens next" in page
    assert _when(closes + timedelta(days=35)) in page


def test_saving_a_draft_sends_nothing(app, factory, outbox):
    cycle = factory.cycle(status="open")
    trainee = factory.user("trainee")
    _client_as(app, trainee.id).post(
        f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers(action="draft")
    )
    assert db.session.scalar(db.select(Application.status)) == "draft"
    assert outbox.messages() == []


def test_submitting_a_saved_draft_also_sends_the_receipt(app, factory, outbox):
    trainee = factory.user("trainee")
    application = factory.application(trainee=trainee, status="draft")
    response = _client_as(app, trainee.id).post(f"/trainee/applications/{application.id}/submit")
    assert response.status_code == 302
    assert len(outbox.messages()) == 1


def test_the_dashboard_shows_an_early_close_not_a_future_deadline(app, factory):
    cycle = factory.cycle(status="closed", closes_in_days=60)
    application = factory.application(cycle=cycle)
    html = _client_as(app, application.trainee_id).get("/trainee/").get_data(as_text=True)
    assert "Closed early" in html
    assert _when(cycle.closes_at) not in html


def test_the_dashboard_shows_the_deadline_while_open_and_the_state_after(app, factory):
    cycle = factory.cycle(status="open", closes_in_days=20)
    application = factory.application(cycle=cycle)
    client = _client_as(app, application.trainee_id)
    assert _when(cycle.closes_at) in client.get("/trainee/").get_data(as_text=True)
    cycle.status = "matching"
    cycle.closes_at = utcnow() - timedelta(days=3)
    db.session.commit()
    html = client.get("/trainee/").get_data(as_text=True)
    assert "Closed: matching under way" in html
