"""Reminders go out once: each rule at its moment (frozen time), the ledger under repeated,
crashed and concurrent runs, the digest, and the preferences link in every email."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from mentorship_helpers import active_pair

from mri_match.extensions import db
from mri_match.mentorship.services import answer_checkin, log_meeting
from mri_match.models import SentReminder
from mri_match.reminders import sending
from mri_match.reminders.sending import in_url_context, run_reminders

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PREFERENCES = re.compile(r"http://localhost(/email-preferences/\S+)")


def remind_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return in_url_context(run_reminders)


def kinds(outbox) -> list[tuple[str, str]]:
    return sorted((m["To"], m["Subject"]) for m in outbox.messages())


@pytest.fixture
def pair(factory):
    with time_machine.travel(T0, tick=False):
        return active_pair(factory, accepted_at=T0)


def test_no_first_meeting_reminds_both_once_after_the_deadline(pair, outbox):
    remind_at(T0 + timedelta(days=21))  # the deadline day itself: not late yet
    assert outbox.messages() == []
    remind_at(T0 + timedelta(days=22))
    sent = kinds(outbox)
    assert [to for to, _ in sent] == sorted(
        [pair.application.trainee.email, pair.mentor.user.email]
    )
    assert all("Have you met" in subject for _, subject in sent)
    remind_at(T0 + timedelta(days=22, hours=1))
    remind_at(T0 + timedelta(days=40))
    assert len(outbox.messages()) == 2


def test_a_first_meeting_in_time_means_no_reminder(pair, outbox):
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        log_meeting(
            pair,
            person=pair.application.trainee,
            held_on=date(2026, 3, 4),
            minutes=45,
            format="video",
        )
        db.session.commit()
    remind_at(T0 + timedelta(days=30))
    assert not any("Have you met" in s for _, s in kinds(outbox))


def test_a_quiet_pair_is_reminded_once_per_quiet_spell(pair, outbox):
    trainee = pair.application.trainee
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        log_meeting(pair, person=trainee, held_on=date(2026, 3, 5), minutes=30, format="phone")
        answer_checkin(pair, person=trainee, rating=4, comment=None)
        answer_checkin(pair, person=pair.mentor.user, rating=5, comment=None)
        db.session.commit()
    quiet_after = date(2026, 3, 5) + timedelta(days=28 + 14)
    remind_at(datetime.combine(quiet_after, T0.timetz()))
    assert not [s for _, s in kinds(outbox) if "again" in s]
    remind_at(datetime.combine(quiet_after + timedelta(days=1), T0.timetz()))
    remind_at(datetime.combine(quiet_after + timedelta(days=2), T0.timetz()))
    assert len([s for _, s in kinds(outbox) if "Time to meet" in s]) == 2
    # They meet again, then go quiet again: a new spell, one more reminder each.
    later = quiet_after + timedelta(days=3)
    with time_machine.travel(datetime.combine(later, T0.timetz()), tick=False):
        log_meeting(pair, person=trainee, held_on=later, minutes=30, format="phone")
        db.session.commit()
    remind_at(datetime.combine(later + timedelta(days=43), T0.timetz()))
    remind_at(datetime.combine(later + timedelta(days=44), T0.timetz()))
    assert len([s for _, s in kinds(outbox) if "Time to meet" in s]) == 4


def test_a_checkin_is_due_after_the_first_meeting_then_every_interval(pair, outbox):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        log_meeting(pair, person=mentor, held_on=date(2026, 3, 6), minutes=60, format="video")
        db.session.commit()
    remind_at(T0 + timedelta(days=5))
    due = [to for to, s in kinds(outbox) if s.endswith("How is your mentorship going?")]
    assert sorted(due) == sorted([trainee.email, mentor.email])
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        answer_checkin(pair, person=trainee, rating=4, comment="Good start")
        db.session.commit()

    def checkins():
        return [to for to, s in kinds(outbox) if s.endswith("How is your mentorship going?")]

    remind_at(T0 + timedelta(days=7))
    assert len(checkins()) == 2  # the mentor's was sent already; the trainee answered
    remind_at(T0 + timedelta(days=6 + 59))
    assert len(checkins()) == 2
    remind_at(T0 + timedelta(days=6 + 60))
    assert sorted(checkins()) == sorted([trainee.email, trainee.email, mentor.email])


def test_admins_get_the_pairs_at_risk_once_a_week(pair, factory, outbox):
    admin = factory.user("admin")
    remind_at(T0 + timedelta(days=22))  # a Tuesday: the pair has not met, so it is at risk
    remind_at(T0 + timedelta(days=23))
    to_admin = [m for m in outbox.messages() if m["To"] == admin.email]
    assert len(to_admin) == 1
    assert "Pairs at risk" in to_admin[0]["Subject"]
    body = to_admin[0].get_payload(decode=True).decode()
    assert pair.application.full_name in body and "No first meeting" in body
    remind_at(T0 + timedelta(days=28))  # the next Monday: a new week
    assert len([m for m in outbox.messages() if m["To"] == admin.email]) == 2


def test_an_ended_match_gets_no_reminders(pair, factory, outbox):
    pair.end(actor=factory.user("admin"), reason="Moved away")
    db.session.commit()
    remind_at(T0 + timedelta(days=40))
    assert [m for m in outbox.messages() if "Have you met" in m["Subject"]] == []


def test_a_reminder_that_stopped_applying_before_its_turn_is_not_mailed(pair, outbox):
    with time_machine.travel(T0 + timedelta(days=22), tick=False):
        sending.record(
            [sending.Due(pair.application.trainee_id, "first_meeting_overdue", f"match:{pair.id}")],
            T0 + timedelta(days=22),
        )
        db.session.commit()
        log_meeting(
            pair,
            person=pair.application.trainee,
            held_on=date(2026, 3, 20),
            minutes=30,
            format="video",
        )
        db.session.commit()
    report = remind_at(T0 + timedelta(days=22, hours=1))
    assert not [m for m in outbox.messages() if "Have you met" in m["Subject"]]
    assert report.skipped >= 1


def test_a_crashed_send_is_retried_and_never_doubled(pair, outbox, monkeypatch):
    real_send = sending.send_email
    calls = []

    def failing(*args, **kwargs):
        calls.append(kwargs["to"])
        raise ConnectionError("mail server down")

    monkeypatch.setattr(sending, "send_email", failing)
    report = remind_at(T0 + timedelta(days=22))
    assert report.failed == 2 and outbox.messages() == []
    assert db.session.scalar(db.select(db.func.count()).where(SentReminder.sent_at.is_(None))) == 2
    monkeypatch.setattr(sending, "send_email", real_send)
    remind_at(T0 + timedelta(days=22, hours=1))
    remind_at(T0 + timedelta(days=22, hours=2))
    assert len(outbox.messages()) == 2


def test_a_run_killed_before_mailing_resumes_without_duplicates(pair, outbox, monkeypatch):
    def killed(now, report):
        raise SystemExit("killed")

    monkeypatch.setattr(sending, "send_pending", killed)
    with pytest.raises(SystemExit):
        remind_at(T0 + timedelta(days=22))
    monkeypatch.undo()
    assert outbox.messages() == []
    remind_at(T0 + timedelta(days=22, minutes=5))
    remind_at(T0 + timedelta(days=22, minutes=10))
    assert len(outbox.messages()) == 2


def test_reminders_claimed_by_another_run_are_not_sent_again(pair, outbox):
    moment = T0 + timedelta(days=22)
    with time_machine.travel(moment, tick=False):
        for rule in sending.rules():
            sending.record(rule.find(moment), moment)
        db.session.commit()
        ids = db.session.scalars(db.select(SentReminder.id)).all()
        assert sending._claim(ids, moment)  # another run took them
        db.session.commit()
    remind_at(moment + timedelta(minutes=1))
    assert outbox.messages() == []
    with time_machine.travel(moment, tick=False):
        assert not sending._claim(ids, moment)


def test_recording_the_same_reminder_twice_keeps_one_row(pair):
    due = sending.Due(pair.application.trainee_id, "checkin_due", f"match:{pair.id}", "2026-03-05")
    assert sending.record([due, due], T0) == 1
    assert sending.record([due], T0) == 0
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(SentReminder)) == 1


def test_a_digest_gathers_the_days_reminders_into_one_email(pair, outbox):
    trainee = pair.application.trainee
    trainee.email_digest = True
    db.session.commit()
    with time_machine.travel(T0 + timedelta(days=22), tick=False):
        log_meeting(pair, person=trainee, held_on=date(2026, 3, 24), minutes=30, format="video")
        db.session.commit()
    # The first meeting came after the deadline: the pair is past it, and a check-in is due.
    with time_machine.travel(T0 + timedelta(days=22), tick=False):
        sending.record(
            [sending.Due(trainee.id, "first_meeting_overdue", f"match:{pair.id}")],
            T0 + timedelta(days=22),
        )
        db.session.commit()
    remind_at(T0 + timedelta(days=22, hours=1))
    to_trainee = [m for m in outbox.messages() if m["To"] == trainee.email]
    assert len(to_trainee) == 1 and "Your MRI Match reminders" in to_trainee[0]["Subject"]
    body = to_trainee[0].get_payload(decode=True).decode()
    assert "How is your mentorship going?" in body
    # Later that day a new reminder waits for tomorrow's digest.
    with time_machine.travel(T0 + timedelta(days=22, hours=2), tick=False):
        sending.record(
            [sending.Due(trainee.id, "checkin_due", f"match:{pair.id}", "2026-03-24x")],
            T0 + timedelta(days=22, hours=2),
        )
        db.session.commit()
    report = remind_at(T0 + timedelta(days=22, hours=3))
    assert report.waiting == 1
    assert len([m for m in outbox.messages() if m["To"] == trainee.email]) == 1
    remind_at(T0 + timedelta(days=23, hours=1))
    assert len([m for m in outbox.messages() if m["To"] == trainee.email]) == 1  # none applied


def test_every_reminder_links_to_preferences_that_work_without_logging_in(pair, outbox, client):
    remind_at(T0 + timedelta(days=22))
    for body in outbox.bodies():
        assert PREFERENCES.search(body)
    link = PREFERENCES.search(outbox.bodies()[0]).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Email preferences" in page.get_data(as_text=True)
    response = client.post(link, data={"frequency": "digest"})
    assert response.status_code == 302
    to = outbox.messages()[0]["To"]
    user = db.session.scalar(db.select(sending.User).filter_by(email=to))
    db.session.refresh(user)
    assert user.email_digest is True
    assert client.post(link, data={"frequency": "weekly"}).status_code == 400
    broken = client.get(link[:-3] + "abc")
    assert broken.status_code == 400 and "This link does not work" in broken.get_data(as_text=True)


def test_other_emails_carry_the_preferences_link_too(client, outbox, factory):
    user = factory.user("trainee")
    client.post("/auth/reset", data={"email": user.email})
    assert outbox.messages(), "the reset email was sent"
    assert PREFERENCES.search(outbox.bodies()[-1])


def test_remind_command_prints_what_it_did_and_refuses_a_bad_date(pair, runner, outbox):
    result = runner.invoke(args=["remind", "--now", "2026-03-24T10:00"])
    assert result.exit_code == 0, result.output
    assert "first_meeting_overdue: 2 new" in result.output
    assert "emails sent: 2" in result.output
    again = runner.invoke(args=["remind", "--now", "2026-03-24T11:00"])
    assert "first_meeting_overdue: 0 new" in again.output and "emails sent: 0" in again.output
    bad = runner.invoke(args=["remind", "--now", "next tuesday"])
    assert bad.exit_code != 0 and "ISO date" in bad.output


def test_the_worker_job_runs_the_reminders(pair, outbox):
    from mri_match.reminders.cli import remind_job

    with time_machine.travel(T0 + timedelta(days=22), tick=False):
        lines = remind_job()
    assert "emails sent: 2" in lines and len(outbox.messages()) == 2


def test_the_scheduler_queues_the_job_on_the_workers_queue(app, monkeypatch):
    from rq.cron import CronScheduler

    from mri_match.reminders import cli

    registered = {}

    def fake_start(self):
        registered.update(jobs=self.get_jobs())

    monkeypatch.setattr(CronScheduler, "start", fake_start)
    app.config["REMINDER_INTERVAL_MINUTES"] = 30
    result = app.test_cli_runner().invoke(args=["reminder-scheduler"])
    assert result.exit_code == 0, result.output
    (job,) = registered["jobs"]
    assert job.func is cli.remind_job
    assert job.interval == 1800 and job.queue_name == app.config["MATCHING_QUEUE"]


# --- a large cohort: the run's statements do not grow with the number of pairs -----------------


def _cohort_due_at_day_24(factory, size: int) -> None:
    """``size`` of each: pairs with no first meeting (2 reminders each), pairs quiet since a
    first meeting with no check-in and their midpoint survey open since day 20 (6 each: quiet,
    check-in and survey, to both), offers past half their
    time to answer (1 each), alumni of a cycle completed a year before (1 each, half of them
    at an address of their own); and one admin (the weekly list of pairs at risk)."""
    from alumni_helpers import consented, mentored

    cycle = factory.cycle(status="matching", survey_midpoint_days=60)
    factory.user("admin")
    with time_machine.travel(T0 - timedelta(days=370), tick=False):
        past = factory.cycle(status="completed")
        past.completed_at = T0 - timedelta(days=370)
        for n in range(size):
            application = mentored(factory, past)
            consented(application.trainee, f"alumnus{n}@example.org" if n % 2 else None)
    for _ in range(size):
        active_pair(factory, accepted_at=T0, cycle=cycle)
    with time_machine.travel(T0 - timedelta(days=40), tick=False):
        for _ in range(size):
            quiet = active_pair(factory, accepted_at=T0 - timedelta(days=40), cycle=cycle)
            log_meeting(
                quiet,
                person=quiet.mentor.user,
                held_on=date(2026, 1, 22),
                minutes=30,
                format="video",
            )
        db.session.commit()
    for _ in range(size):
        offer = active_pair(factory, accepted_at=T0 + timedelta(days=20), cycle=cycle)
        offer.status, offer.accepted_at = "offered", None
        offer.respond_by = T0 + timedelta(days=27)  # half-way at day 23 and a half
    db.session.commit()


def test_a_run_reads_each_kind_of_data_once_whatever_the_number_of_pairs(make_app):
    """Apart from the ledger's claim of each email (one UPDATE: what makes a crashed run lose
    at most one email), a run issues the same statements for 2 pairs of each kind as for 8."""
    from conftest import Factory, Outbox
    from test_query_counts import count_statements

    counts = {}
    for size in (2, 8):
        app = make_app()
        with app.app_context():
            _cohort_due_at_day_24(Factory(), size)
            outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
            before = len(outbox.messages())  # the apps share the test's folder
            with count_statements() as seen:
                report = remind_at(T0 + timedelta(days=24))
            claims = [s for s in seen if s.lstrip().upper().startswith("UPDATE SENT_REMINDER")]
            assert report.emails == len(outbox.messages()) - before
            assert report.emails == 10 * size + 1, report.lines()
            assert report.recorded == {
                "offer_expiring": size,
                "offer_expired": 0,
                "first_meeting_overdue": 2 * size,
                "meeting_overdue": 2 * size,
                "checkin_due": 2 * size,
                "alumni_follow_up": size,
                "pairs_at_risk": 1,
                "survey_invitation": 2 * size,
                "survey_reminder": 0,
                "milestone_due_soon": 0,
                "milestone_overdue": 0,
            }
            assert len(claims) == report.emails
            counts[size] = len(seen) - len(claims)
            db.session.remove()
            db.drop_all()
    assert counts[8] == counts[2], counts
