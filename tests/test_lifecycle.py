"""A match after its confirmation: the mentor's answer, expiry, the reminder, and every way a
match closes (withdrawal, account deletion, an admin's end, an ineligible decision, the cycle's
completion), each freeing the place and telling the right people. Frozen time throughout."""

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import RESEARCH_RUN, attachment_of, body_of
from icalendar import Calendar

from mri_match.extensions import db
from mri_match.matches import decisions, lifecycle, runs
from mri_match.matches.decisions import DecisionError, Pairing, create_match
from mri_match.models import Application, Match, MentorProfile, PairRule, Proposal, User, history
from mri_match.privacy.deletion import delete_account
from mri_match.reminders.sending import in_url_context, run_reminders

START = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
OFFER_LINK = re.compile(r"http://localhost(/offers/\S+)")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pair(factory, clock):
    """A cycle in matching, an admin, a mentor with two places (Chicago) and two trainees."""
    cycle = factory.cycle(status="matching", opens_in_days=-60, closes_in_days=-30)
    admin = factory.user("admin", email="admin@example.org")
    mentor = factory.mentor(cycle=cycle, capacity=2, timezone="America/Chicago")
    trainees = [factory.application(cycle=cycle, status="eligible") for _ in range(2)]
    return cycle, admin, mentor, trainees


def _offer(application, mentor, admin, role="research") -> Match:
    match = create_match(
        Pairing(application=application, mentor=mentor, role=role, score=0.8), actor=admin
    )
    db.session.commit()
    return match


def _status(match) -> str:
    db.session.expire_all()
    return db.session.get(Match, match.id).status


# --- the offer ------------------------------------------------------------------------------------


def test_a_confirmation_is_an_offer_that_holds_the_place(pair):
    cycle, admin, mentor, (first, second) = pair
    match = _offer(first, mentor, admin)
    assert match.status == "offered" and match.accepted_at is None
    assert match.respond_by == START + timedelta(days=7)
    assert decisions.remaining_capacity(cycle.id)[mentor.id] == 1
    _offer(second, mentor, admin)
    assert decisions.remaining_capacity(cycle.id)[mentor.id] == 0


def test_a_cycle_without_acceptance_starts_matches_at_once(factory, pair):
    cycle, admin, mentor, (first, _second) = pair
    cycle.mentor_acceptance_required = False
    db.session.commit()
    match = _offer(first, mentor, admin)
    assert match.status == "active" and match.accepted_at == START and match.respond_by is None


def test_accepting_introduces_both_people_with_an_invitation_in_each_time_zone(pair, outbox, clock):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    meeting = START + timedelta(days=5)
    lifecycle.accept_offer(match, actor=mentor.user, first_meeting_at=meeting)
    db.session.commit()
    assert match.status == "active" and match.accepted_at == START
    assert match.first_meeting_proposed_at == meeting
    (to_trainee,) = outbox.to(first.trainee.email)
    (to_mentor,) = outbox.to(mentor.user.email)
    assert mentor.user.email in body_of(to_trainee) and first.trainee.email in body_of(to_mentor)
    # 14:00 UTC is 09:00 in New York (the trainee) and 08:00 in Chicago (the mentor)
    assert "09:00 EST" in body_of(to_trainee) and "08:00 CST" in body_of(to_mentor)
    for message, zone in ((to_trainee, "America/New_York"), (to_mentor, "America/Chicago")):
        event = Calendar.from_ical(attachment_of(message, "first-meeting.ics")).walk("VEVENT")[0]
        start = event.decoded("dtstart")
        assert str(start.tzinfo) == zone and start == meeting
        assert event.decoded("dtend") - start == timedelta(minutes=30)
    assert [e.to_state for e in history(match)] == ["offered", "active"]


def test_declining_frees_the_place_and_puts_the_trainee_back_with_an_alternative(
    factory, pair, outbox
):
    cycle, admin, mentor, _ = pair
    cycle.status = "closed"
    db.session.commit()
    other = factory.mentor(cycle=cycle, capacity=1, full_name="Dr Other")
    run = runs.run_matching(cycle, RESEARCH_RUN, actor=admin)
    proposal = db.session.scalars(db.select(Proposal).filter_by(run_id=run.id)).first()
    declining_id = proposal.mentor_id
    assert any(a["mentor_id"] != declining_id for a in proposal.alternatives)
    match = decisions.confirm_proposal(proposal, actor=admin)
    db.session.commit()
    declining = db.session.get(MentorProfile, declining_id)
    lifecycle.decline_offer(match, actor=declining.user, reason="On sabbatical this year")
    db.session.commit()

    assert match.status == "declined" and match.end_reason == "On sabbatical this year"
    assert proposal.status == "open" and proposal.mentor_id not in (None, declining_id)
    assert declining_id not in [a["mentor_id"] for a in proposal.alternatives]
    assert db.session.scalar(
        db.select(PairRule).filter_by(
            application_id=match.application_id, mentor_id=declining_id, kind="rejected"
        )
    )
    trainee_email = match.application.trainee.email
    (notice,) = outbox.to(trainee_email)[-1:]
    assert "finding you another" in notice["Subject"]
    assert declining.full_name not in body_of(notice) and "sabbatical" not in body_of(notice)
    (to_admin,) = outbox.to("admin@example.org")
    assert f"/admin/proposals/{proposal.id}" in body_of(to_admin)
    # the alternative can now be confirmed from the reopened proposal
    again = decisions.confirm_proposal(proposal, actor=admin)
    db.session.commit()
    assert again.mentor_id == proposal.mentor_id != declining_id and again.status == "offered"
    assert {again.mentor_id, declining_id} <= {mentor.id, other.id}


def test_an_unanswered_offer_is_reminded_half_way_then_expires(pair, outbox, clock):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    clock.shift(timedelta(days=3, hours=12) - timedelta(seconds=1))
    assert lifecycle.offer_reminders_due() == []
    clock.shift(timedelta(seconds=1))
    assert lifecycle.offer_reminders_due() == [match]
    for _ in range(2):  # the reminder run, twice: one reminder
        in_url_context(run_reminders)
    (reminder,) = [m for m in outbox.to(mentor.user.email) if "Reminder" in m["Subject"]]
    assert "/offers/" in body_of(reminder) and "08:00 CST" in body_of(reminder)

    clock.move_to(match.respond_by - timedelta(seconds=1))
    assert lifecycle.expire_due_offers() == []
    clock.move_to(match.respond_by)
    report = in_url_context(run_reminders)  # the reminder run expires what is due
    assert _status(match) == "expired" and report.emails == 0
    assert lifecycle.offer_reminders_due() == []
    assert decisions.remaining_capacity(cycle.id)[mentor.id] == 2
    assert "has lapsed" in outbox.to(mentor.user.email)[-1]["Subject"]
    assert "finding you another" in outbox.to(first.trainee.email)[-1]["Subject"]
    assert lifecycle.expire_due_offers() == []  # a second run finds nothing more


def test_accepting_after_the_answer_time_is_refused(pair, clock):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    clock.shift(timedelta(days=7))
    with pytest.raises(DecisionError, match="time to answer this offer has passed"):
        lifecycle.accept_offer(match, actor=mentor.user)
    db.session.rollback()
    assert _status(match) == "offered"  # until the expiry run, which then expires it
    lifecycle.expire_due_offers()
    assert _status(match) == "expired"


def test_an_answered_offer_cannot_be_answered_again(pair):
    cycle, admin, mentor, (first, second) = pair
    match = _offer(first, mentor, admin)
    lifecycle.accept_offer(match, actor=mentor.user)
    db.session.commit()
    with pytest.raises(DecisionError, match="already accepted"):
        lifecycle.decline_offer(match, actor=mentor.user)
    db.session.rollback()
    declined = _offer(second, mentor, admin)
    lifecycle.decline_offer(declined, actor=mentor.user)
    db.session.commit()
    with pytest.raises(DecisionError, match="already declined"):
        lifecycle.accept_offer(declined, actor=mentor.user)


# --- races ----------------------------------------------------------------------------------------


def _race(app, monkeypatch, *changes):
    """Run ``changes`` (functions of a fresh Match) at the same moment in threads; each reads
    the match's state and then waits, so without the lock both would see it still offered."""
    real = lifecycle._not_answerable

    def slow(match, now):
        answer = real(match, now)
        time.sleep(0.3)
        return answer

    monkeypatch.setattr(lifecycle, "_not_answerable", slow)
    barrier = threading.Barrier(len(changes))
    outcomes = {}

    def run(name, change):
        with app.app_context():
            barrier.wait()
            try:
                change()
                db.session.commit()
                outcomes[name] = "done"
            except DecisionError as exc:
                db.session.rollback()
                outcomes[name] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    return [outcomes[i] for i in range(len(changes))]


def test_two_tabs_accepting_at_once_accept_once(app, pair, monkeypatch, outbox):
    cycle, admin, mentor, (first, _second) = pair
    match_id, mentor_user_id = _offer(first, mentor, admin).id, mentor.user_id

    def accept():
        lifecycle.accept_offer(
            db.session.get(Match, match_id), actor=db.session.get(User, mentor_user_id)
        )

    outcomes = _race(app, monkeypatch, accept, accept)
    assert sorted(outcomes) == ["You have already accepted this match.", "done"]
    assert len(history(db.session.get(Match, match_id))) == 2  # offered, active: once
    assert len(outbox.to(first.trainee.email)) == 1  # one introduction


def test_accepting_while_an_admin_ends_the_offer_is_one_or_the_other(app, pair, monkeypatch):
    cycle, admin, mentor, (first, _second) = pair
    match_id, ids = _offer(first, mentor, admin).id, (mentor.user_id, admin.id)

    def accept():
        lifecycle.accept_offer(db.session.get(Match, match_id), actor=db.session.get(User, ids[0]))

    def end():
        match = db.session.get(Match, match_id)
        time.sleep(0.1)  # the mentor's tab reads first
        lifecycle.end_by_admin(match, actor=db.session.get(User, ids[1]), reason="Mistake")

    outcomes = _race(app, monkeypatch, accept, end)
    match = db.session.get(Match, match_id)
    # whichever came first wins: an accepted match is then ended, never ended then accepted
    assert outcomes[0] == "done" or "withdrawn this offer" in outcomes[0]
    assert outcomes[1] == "done"
    assert match.status == "ended"
    states = [e.to_state for e in history(match)]
    assert states in (["offered", "active", "ended"], ["offered", "ended"])


def test_accepting_while_the_offer_expires_is_one_or_the_other(app, pair, monkeypatch, clock):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    match_id, mentor_user_id = match.id, mentor.user_id
    clock.move_to(match.respond_by - timedelta(microseconds=1))

    def accept():
        lifecycle.accept_offer(
            db.session.get(Match, match_id), actor=db.session.get(User, mentor_user_id)
        )

    def expire():
        time.sleep(0.1)
        lifecycle.expire_due_offers(now=match.respond_by)

    outcomes = _race(app, monkeypatch, accept, expire)
    final = db.session.get(Match, match_id).status
    assert outcomes[1] == "done"
    assert (outcomes[0], final) in (("done", "active"),) or final == "expired"
    assert [e.to_state for e in history(db.session.get(Match, match_id))][-1] == final


# --- the pages ------------------------------------------------------------------------------------


def test_the_email_link_needs_the_mentor_signed_in_and_shows_no_contact_details(
    client, auth, factory, pair, outbox
):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    from mri_match.matches.notify import notify_match

    notify_match(match)
    link = OFFER_LINK.search(body_of(outbox.to(mentor.user.email)[-1])).group(1)
    assert first.trainee.email not in body_of(outbox.to(mentor.user.email)[-1])
    waiting = body_of(outbox.to(first.trainee.email)[-1])
    assert mentor.full_name not in waiting and mentor.user.email not in waiting

    response = client.get(link)
    assert response.status_code == 302 and "/auth/login" in response.location
    stranger = factory.mentor()
    auth.login(stranger.user)
    assert client.get(link).status_code == 400  # made for another mentor
    assert client.get(f"/matches/{match.id}").status_code == 404
    auth.logout()

    auth.login(mentor.user)
    response = client.get(link)
    assert response.location.endswith(f"/matches/{match.id}")
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert first.full_name in page and "Medical student" in page
    assert first.research_statement[:30] in page
    assert first.trainee.email not in page and "Accept" in page
    assert client.get(link[:-2] + "xx").status_code == 400
    auth.logout()

    auth.login(first.trainee)
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "waiting for your mentor" in page
    assert mentor.full_name not in page and mentor.user.email not in page
    dashboard = client.get("/trainee/").get_data(as_text=True)
    assert "waiting for your mentor to accept" in dashboard and mentor.full_name not in dashboard


def test_the_mentor_accepts_on_the_page_and_both_see_contact_details(client, auth, pair, outbox):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    auth.login(mentor.user)
    response = client.post(
        f"/matches/{match.id}/accept", data={"first_meeting": "2027-03-02T12:00"}
    )
    assert response.status_code == 302
    assert _status(match) == "active"
    # 12:00 in Chicago is 18:00 UTC
    assert db.session.get(Match, match.id).first_meeting_proposed_at == datetime(
        2027, 3, 2, 18, 0, tzinfo=UTC
    )
    assert first.trainee.email in client.get(f"/matches/{match.id}").get_data(as_text=True)
    auth.logout()
    auth.login(first.trainee)
    assert mentor.user.email in client.get(f"/matches/{match.id}").get_data(as_text=True)


def test_a_first_meeting_in_the_past_is_refused_beside_the_field(client, auth, pair):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    auth.login(mentor.user)
    response = client.post(
        f"/matches/{match.id}/accept", data={"first_meeting": "2027-02-01T12:00"}
    )
    assert response.status_code == 400
    assert "Choose a time in the future." in response.get_data(as_text=True)
    response = client.post(f"/matches/{match.id}/accept", data={"first_meeting": "soon"})
    assert "Enter a date and time" in response.get_data(as_text=True)
    assert _status(match) == "offered"


def test_declining_goes_through_a_page_that_says_what_happens(client, auth, pair):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    auth.login(mentor.user)
    page = client.get(f"/matches/{match.id}/decline").get_data(as_text=True)
    assert "What will happen" in page and "not told who declined" in page
    assert _status(match) == "offered"
    client.post(f"/matches/{match.id}/decline", data={"reason": ""})
    assert _status(match) == "declined"
    again = client.get(f"/matches/{match.id}/decline", follow_redirects=True)
    assert "already declined" in again.get_data(as_text=True)


# --- a match's life ends cleanly ------------------------------------------------------------------


@pytest.fixture
def live(pair):
    """One offered and one active match of the same mentor."""
    cycle, admin, mentor, (first, second) = pair
    offered = _offer(first, mentor, admin)
    active = _offer(second, mentor, admin)
    lifecycle.accept_offer(active, actor=mentor.user)
    db.session.commit()
    return cycle, admin, mentor, offered, active


def test_withdrawing_after_a_match_asks_first_then_ends_it_and_tells_the_mentor(
    client, auth, live, outbox
):
    cycle, admin, mentor, _offered, active = live
    application = active.application
    auth.login(application.trainee)
    page = client.get(f"/trainee/applications/{application.id}").get_data(as_text=True)
    assert "the next page says what will happen" in page.lower()
    # the old one-click form, or a stale page, only shows the confirmation
    response = client.post(f"/trainee/applications/{application.id}/withdraw", data={})
    assert "What will happen" in response.get_data(as_text=True)
    assert _status(active) == "active"
    confirm = client.get(f"/trainee/applications/{application.id}/withdraw")
    assert mentor.full_name in confirm.get_data(as_text=True)
    client.post(
        f"/trainee/applications/{application.id}/withdraw",
        data={"confirmed": "yes", "reason": "Moved abroad"},
    )
    assert _status(active) == "ended"
    assert db.session.get(Application, application.id).status == "withdrawn"
    notice = outbox.to(mentor.user.email)[-1]
    assert application.full_name in notice["Subject"] and "Moved abroad" not in body_of(notice)
    assert "withdrew" in body_of(outbox.to("admin@example.org")[-1])
    assert decisions.remaining_capacity(cycle.id)[mentor.id] == 1  # the offer still holds one


def test_a_trainee_deleting_the_account_closes_offered_and_active_matches(factory, pair, outbox):
    cycle, admin, mentor, (first, _second) = pair
    offered = _offer(first, mentor, admin)
    other_mentor = factory.mentor(cycle=cycle, capacity=1)
    active = _offer(first, other_mentor, admin, role="career")
    lifecycle.accept_offer(active, actor=other_mentor.user)
    db.session.commit()
    delete_account(first.trainee)
    db.session.commit()
    assert (_status(offered), _status(active)) == ("ended", "ended")
    assert (
        "withdrawn" in outbox.to(mentor.user.email)[-1]["Subject"]
        or "ended" in (outbox.to(mentor.user.email)[-1]["Subject"])
    )
    assert outbox.to(other_mentor.user.email)[-1]["Subject"].endswith("has ended")
    places = decisions.remaining_capacity(cycle.id)
    assert places[mentor.id] == 2 and places[other_mentor.id] == 1


def test_a_mentor_deleting_the_account_closes_their_matches_and_tells_the_trainees(live, outbox):
    cycle, admin, mentor, offered, active = live
    delete_account(mentor.user)
    db.session.commit()
    assert (_status(offered), _status(active)) == ("ended", "ended")
    assert "no longer available" in body_of(outbox.to(offered.application.trainee.email)[-1])
    assert "has ended" in body_of(outbox.to(active.application.trainee.email)[-1])


def test_an_admin_ends_an_offer_or_a_match_and_both_people_are_told(client, auth, live, outbox):
    cycle, admin, mentor, offered, active = live
    auth.login(admin)
    page = client.get(f"/admin/matches/{offered.id}/end").get_data(as_text=True)
    assert "Withdraw the offer" in page
    client.post(f"/admin/matches/{offered.id}", data={"reason": "Wrong pair"})
    assert _status(offered) == "ended"
    assert "Wrong pair" in body_of(outbox.to(offered.application.trainee.email)[-1])
    assert "Wrong pair" in body_of(outbox.to(mentor.user.email)[-1])
    assert outbox.to("admin@example.org") == []  # the admin did it
    client.post(f"/admin/matches/{active.id}", data={"reason": "Moved away"})
    assert _status(active) == "ended"
    assert decisions.remaining_capacity(cycle.id)[mentor.id] == 2


def test_an_ineligible_decision_ends_the_trainees_match(client, auth, live, outbox):
    cycle, admin, mentor, offered, active = live
    auth.login(admin)
    client.post(
        f"/admin/applications/{active.application_id}/eligibility",
        data={"decision": "ineligible", "reason": "Not a member institution"},
    )
    assert _status(active) == "ended"
    assert "not eligible" in body_of(outbox.to(mentor.user.email)[-1])
    # many at once: the confirmation page says so, then the decision ends the offer too
    page = client.post(
        f"/admin/cycles/{cycle.slug}/applications/decide",
        data={"application": [offered.application_id], "decision": "ineligible", "reason": "No"},
    ).get_data(as_text=True)
    assert "a match offered or under way, which ends" in page
    client.post(
        f"/admin/cycles/{cycle.slug}/applications/decide",
        data={
            "application": [offered.application_id],
            "decision": "ineligible",
            "reason": "No",
            "confirmed": "yes",
        },
    )
    assert _status(offered) == "ended"


def test_completing_the_cycle_withdraws_waiting_offers_and_keeps_active_matches(
    client, auth, live, outbox
):
    cycle, admin, mentor, offered, active = live
    auth.login(admin)
    page = client.get(f"/admin/cycles/{cycle.slug}/move/completed").get_data(as_text=True)
    assert "1 active match in it go on" in page and "1 offer still waiting" in page
    client.post(f"/admin/cycles/{cycle.slug}/move/completed", data={"reason": ""})
    assert (_status(offered), _status(active)) == ("ended", "active")
    assert "completed" in body_of(outbox.to(offered.application.trainee.email)[-1])


def test_a_change_that_is_rolled_back_sends_no_email(pair, outbox):
    cycle, admin, mentor, (first, _second) = pair
    match = _offer(first, mentor, admin)
    lifecycle.decline_offer(match, actor=mentor.user)
    db.session.rollback()
    assert outbox.messages() == [] and _status(match) == "offered"


# --- settings -------------------------------------------------------------------------------------


def test_admin_sets_the_after_match_settings(client, admin, factory):
    cycle = factory.cycle(status="draft")
    form = {
        "name": cycle.name,
        "tracks": "Resident",
        "opens_at": "2027-01-01T00:00",
        "closes_at": "2027-02-01T00:00",
        "offer_response_days": "10",
    }
    response = client.post(f"/admin/cycles/{cycle.slug}/edit", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert not cycle.mentor_acceptance_required  # unticked
    assert cycle.offer_response_days == 10
    assert "days to answer an offer" in history(cycle)[-1].reason
    page = client.post(
        f"/admin/cycles/{cycle.slug}/edit", data={**form, "offer_response_days": "0"}
    ).get_data(as_text=True)
    assert "Enter a whole number of days from 1 to 60." in page
