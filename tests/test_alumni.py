"""Alumni: consent given and withdrawn, what the purge and an account deletion do to the record,
the personal-data download, and the former-trainee link behind the family tree."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from alumni_helpers import ANSWERS, completed_cycle, consented, mentored
from test_mentor import profile_data

from mri_match.alumni import links, service
from mri_match.extensions import db
from mri_match.models import (
    AlumniRecord,
    Application,
    AuditEvent,
    FollowUpResponse,
    FormerTraineeLink,
    MentorProfile,
    SelfIdentification,
    SentReminder,
    utcnow,
)
from mri_match.privacy.deletion import delete_account
from mri_match.privacy.personal_data import personal_data
from mri_match.privacy.retention import purge, purge_unconfirmed_accounts

# --- consent -----------------------------------------------------------------------------------


def test_a_mentored_trainee_gives_consent_on_the_page(client, factory, auth):
    application = mentored(factory, completed_cycle(factory, 30))
    auth.login(application.trainee)
    assert "Staying in touch" in client.get("/trainee/").get_data(as_text=True)
    page = client.get("/trainee/alumni").get_data(as_text=True)
    assert "Do you agree to stay in touch?" in page
    refused = client.post("/trainee/alumni", data={"email": "x@example.org"})
    assert "Tick the box to agree" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(AlumniRecord)) is None
    response = client.post(
        "/trainee/alumni", data={"consent": "y", "email": " Lasting@Example.org "}
    )
    assert response.status_code == 302
    alumni = db.session.scalar(db.select(AlumniRecord))
    assert alumni.user_id == application.trainee_id and alumni.email == "lasting@example.org"
    assert "You agreed to stay in touch" in client.get("/trainee/alumni").get_data(as_text=True)


def test_a_bad_follow_up_address_is_refused_next_to_the_field(client, factory, auth):
    application = mentored(factory, completed_cycle(factory, 30))
    auth.login(application.trainee)
    page = client.post("/trainee/alumni", data={"consent": "y", "email": "not an address"})
    assert "Enter a valid email address" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(AlumniRecord)) is None


def test_only_trainees_who_had_a_mentor_may_consent(client, factory, auth):
    cycle = completed_cycle(factory, 30)
    unmatched = factory.application(cycle=cycle)
    declined = mentored(factory, cycle, status="declined")
    # An offer withdrawn (ended) before the mentor answered was never a mentorship.
    withdrawn_offer = mentored(factory, cycle, accepted=False, respond_by=utcnow())
    for application in (unmatched, declined, withdrawn_offer):
        auth.login(application.trainee)
        page = client.get("/trainee/alumni").get_data(as_text=True)
        assert "Once you have had a mentor" in page
        client.post("/trainee/alumni", data={"consent": "y"})
        auth.logout()
    assert db.session.scalar(db.select(AlumniRecord)) is None


def test_a_match_that_needed_no_acceptance_counts_as_mentored(app, factory):
    # Matches confirmed without asking the mentor have no respond_by; older ones no accepted_at.
    application = mentored(factory, completed_cycle(factory, 30), accepted=False)
    assert service.may_consent(application.trainee)


def test_withdrawing_asks_first_then_deletes_the_record_and_answers(client, factory, auth):
    application = mentored(factory, completed_cycle(factory, 400))
    alumni = consented(application.trainee)
    service.save_response(alumni, 2025, ANSWERS)
    auth.login(application.trainee)
    page = client.get("/trainee/alumni/withdraw").get_data(as_text=True)
    assert "delete your alumni record?" in page and "2025" in page
    assert db.session.scalar(db.select(db.func.count(FollowUpResponse.id))) == 1
    response = client.post("/trainee/alumni/withdraw", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(AlumniRecord.id))) == 0
    assert db.session.scalar(db.select(db.func.count(FollowUpResponse.id))) == 0
    assert db.session.get(Application, application.id) is not None  # nothing else changes
    actions = set(db.session.scalars(db.select(AuditEvent.action).filter_by(entity_type="user")))
    assert {"alumni_consent", "alumni_withdrawn"} <= actions


# --- the retention purge keeps consented alumni, and still drops the rest ---------------------


@pytest.fixture
def alumni_world(factory):
    old = completed_cycle(factory, 400)
    mentor = factory.mentor(cycle=old, publications="Papers")
    kept = mentored(factory, old, mentor=mentor, status_reason="Eligible: strong plan")
    other = mentored(factory, old, mentor=mentor)
    for application in (kept, other):
        db.session.add(SelfIdentification(user_id=application.trainee_id, lgbtq="no"))
    db.session.commit()
    alumni = consented(kept.trainee, "kept@example.org")
    service.save_response(alumni, utcnow().year, ANSWERS)
    return dict(kept=kept, other=other, alumni=alumni, mentor=mentor)


def test_the_purge_keeps_consented_alumni_rows(app, alumni_world):
    counts = purge(365)
    db.session.commit()
    assert sum(counts.values()) > 0
    db.session.expire_all()
    alumni = db.session.scalar(db.select(AlumniRecord))
    assert alumni.user_id == alumni_world["kept"].trainee_id
    assert alumni.email == "kept@example.org"
    (response,) = alumni.responses
    assert response.specialty == "hematology_oncology" and response.degree_completed == "MD"


def test_the_purge_still_drops_everything_it_dropped_before(app, alumni_world):
    counts = purge(365)
    db.session.commit()
    assert counts["research statements"] == 2
    assert counts["eligibility decision reasons"] == 1
    assert counts["self-identification records"] == 2  # the consenting alumnus's too
    assert counts["publication lists"] == 1
    db.session.expire_all()
    for key in ("kept", "other"):
        application = db.session.get(Application, alumni_world[key].id)
        assert application.research_statement is None and application.status_reason is None
    assert db.session.scalar(db.select(db.func.count(SelfIdentification.id))) == 0
    assert db.session.get(MentorProfile, alumni_world["mentor"].id).publications is None


def test_an_alumnus_is_never_an_unconfirmed_registration(app, factory):
    application = mentored(factory, completed_cycle(factory, 30))
    consented(application.trainee)
    db.session.delete(db.session.get(Application, application.id))
    application.trainee.email_confirmed_at = None
    application.trainee.created_at = utcnow() - timedelta(days=90)
    db.session.commit()
    assert purge_unconfirmed_accounts(7) == 0


def test_deleting_the_account_deletes_the_alumni_record(app, factory):
    application = mentored(factory, completed_cycle(factory, 30))
    alumni = consented(application.trainee)
    service.save_response(alumni, 2026, ANSWERS)
    delete_account(application.trainee)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(AlumniRecord.id))) == 0
    assert db.session.scalar(db.select(db.func.count(FollowUpResponse.id))) == 0


def test_the_personal_data_download_holds_the_alumni_record(app, factory):
    application = mentored(factory, completed_cycle(factory, 30))
    assert personal_data(application.trainee)["alumni"] is None
    alumni = consented(application.trainee, "me@example.org")
    service.save_response(alumni, 2026, ANSWERS)
    data = personal_data(application.trainee)["alumni"]
    assert data["follow_up_email"] == "me@example.org"
    assert data["follow_ups"] == [{"year": 2026, **ANSWERS}]


# --- former trainees who mentor ------------------------------------------------------------------


def test_a_mentor_account_with_the_alumni_address_is_linked_by_account(client, factory, auth):
    application = mentored(factory, completed_cycle(factory, 400))
    consented(application.trainee, "dr.former@example.org")
    user = factory.user("mentor", email="dr.former@example.org")
    auth.login(user)
    response = client.post("/mentor/profile", data=profile_data(full_name="Dr Former Trainee"))
    assert response.status_code == 302, response.get_data(as_text=True)
    profile = MentorProfile.of_user(user)
    link = FormerTraineeLink.of_mentor(profile.id)
    assert link.trainee_id == application.trainee_id and link.linked_by_id is None


def test_consenting_with_a_mentor_s_address_links_that_mentor(app, factory):
    application = mentored(factory, completed_cycle(factory, 400))
    later = factory.mentor(user=factory.user("mentor", email="later@example.org"))
    consented(application.trainee, "later@example.org")
    assert FormerTraineeLink.of_mentor(later.id).trainee_id == application.trainee_id


def test_an_admin_links_and_unlinks_a_former_trainee(client, factory, admin):
    cycle = completed_cycle(factory, 400)
    application = mentored(factory, cycle)
    profile = factory.mentor()
    url = f"/admin/mentors/{profile.id}/former-trainee"
    page = client.post(url, data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "There is no account with nobody@example.org" in page.get_data(as_text=True)
    unmatched = factory.application(cycle=cycle)
    page = client.post(url, data={"email": unmatched.trainee.email}, follow_redirects=True)
    assert "is not a trainee who had a mentor" in page.get_data(as_text=True)
    assert FormerTraineeLink.of_mentor(profile.id) is None

    client.post(url, data={"email": application.trainee.email})
    link = FormerTraineeLink.of_mentor(profile.id)
    assert link.trainee_id == application.trainee_id and link.linked_by_id == admin.id
    another = factory.mentor()
    page = client.post(
        f"/admin/mentors/{another.id}/former-trainee",
        data={"email": application.trainee.email},
        follow_redirects=True,
    )
    assert "already linked to another mentor profile" in page.get_data(as_text=True)
    client.post(url, data={"action": "unlink"})
    db.session.expire_all()
    assert FormerTraineeLink.of_mentor(profile.id) is None


def test_the_family_tree_shows_who_mentored_whom_across_cycles(client, factory, admin):
    first = completed_cycle(factory, 800, name="MRI 2023")
    second = completed_cycle(factory, 30, name="MRI 2025")
    root = factory.mentor(full_name="Dr Ada Root")
    trainee = mentored(factory, first, mentor=root, full_name="Grace Second")
    mentored(factory, first, mentor=root, full_name="Sam Sibling")
    grown = factory.mentor(full_name="Dr Grace Second")
    links.link_former_trainee(grown, trainee.trainee, actor=admin)
    db.session.commit()
    mentored(factory, second, mentor=grown, full_name="Tom Third")

    page = client.get(f"/admin/mentors/{root.id}/family-tree").get_data(as_text=True)
    assert "3 people in this tree" in page
    assert page.index("Grace Second") < page.index("Dr Grace Second") < page.index("Tom Third")
    assert "Sam Sibling" in page and "MRI 2025" in page
    below = client.get(f"/admin/mentors/{grown.id}/family-tree").get_data(as_text=True)
    assert "mentored by" in below and "Dr Ada Root" in below and "Tom Third" in below
    assert "Sam Sibling" not in below


def test_a_link_that_loops_back_does_not_recurse_forever(client, factory, admin):
    cycle = completed_cycle(factory, 30)
    one, two = factory.mentor(full_name="Dr One"), factory.mentor(full_name="Dr Two")
    a = mentored(factory, cycle, mentor=one, full_name="A")
    b = mentored(factory, cycle, mentor=two, full_name="B")
    links.link_former_trainee(two, a.trainee, actor=admin)
    links.link_former_trainee(one, b.trainee, actor=admin)
    db.session.commit()
    response = client.get(f"/admin/mentors/{one.id}/family-tree")
    assert response.status_code == 200


# --- the yearly follow-up -------------------------------------------------------------------------

FORM = {
    "training_stage": "fellowship",
    "degree_status": "completed",
    "degree_completed": "MD",
    "specialty": "hematology",
    "fellowship": "Hematology fellowship, Emory",
    "faculty_post": "",
    "grants": "1",
    "abstracts": "3",
    "papers": "2",
    "ash_member": "yes",
    "attended_annual_meeting": "no",
    "mentors_now": "yes",
}
LINK = re.compile(r"http://localhost(/alumni/follow-up/\S+)")


@pytest.fixture
def alumnus(factory):
    """A consenting alumnus of a cycle completed on 15 June 2025."""
    with time_machine.travel(datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False):
        cycle = factory.cycle(status="completed", name="MRI 2024–25")
        cycle.completed_at = utcnow()
        application = mentored(factory, cycle, full_name="Rosa Parks-Lee")
        return consented(application.trainee, "rosa@example.org")


def _send(runner, when: datetime):
    with time_machine.travel(when, tick=False):
        result = runner.invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_follow_up_goes_once_a_year_from_the_anniversary(runner, alumnus, outbox):
    assert "emails sent: 0" in _send(runner, datetime(2026, 6, 14, 9, tzinfo=UTC))
    assert outbox.messages() == []
    assert "emails sent: 1" in _send(runner, datetime(2026, 6, 16, 9, tzinfo=UTC))
    assert "emails sent: 0" in _send(runner, datetime(2026, 6, 17, 9, tzinfo=UTC))
    assert "emails sent: 0" in _send(runner, datetime(2026, 12, 31, 9, tzinfo=UTC))
    (message,) = outbox.messages()
    assert message["To"] == "rosa@example.org" and "2026" in message["Subject"]
    assert "Dear Rosa Parks-Lee" in outbox.bodies()[0]
    assert "emails sent: 1" in _send(runner, datetime(2027, 6, 15, 13, tzinfo=UTC))
    assert len(outbox.messages()) == 2
    periods = db.session.scalars(db.select(SentReminder.period).order_by(SentReminder.id)).all()
    assert periods == ["2026", "2027"]


def test_the_emailed_link_takes_one_answer_a_year(client, runner, alumnus, outbox):
    _send(runner, datetime(2026, 7, 1, tzinfo=UTC))
    link = LINK.search(outbox.bodies()[0]).group(1)
    with time_machine.travel(datetime(2026, 7, 2, tzinfo=UTC), tick=False):
        page = client.get(link).get_data(as_text=True)
        assert "Alumni follow-up 2026" in page
        refused = client.post(link, data={**FORM, "specialty": "", "papers": "-1"})
        text = refused.get_data(as_text=True)
        assert "Choose a specialty" in text and "Enter a number from 0 to 999" in text
        assert db.session.scalar(db.select(db.func.count(FollowUpResponse.id))) == 0
        assert client.post(link, data=FORM).status_code == 302
        client.post(link, data={**FORM, "papers": "4"})
    (response,) = db.session.scalars(db.select(FollowUpResponse)).all()
    assert response.year == 2026 and response.papers == 4 and response.ash_member
    assert response.specialty == "hematology" and response.faculty_post is None
    assert not response.attended_annual_meeting and response.mentors_now


def test_a_link_that_is_forged_old_or_withdrawn_is_refused_kindly(client, runner, alumnus, outbox):
    _send(runner, datetime(2026, 7, 1, tzinfo=UTC))
    link = LINK.search(outbox.bodies()[0]).group(1)
    page = client.get(link[:-3] + "xyz")
    assert page.status_code == 200 and "does not work" in page.get_data(as_text=True)
    with time_machine.travel(datetime(2027, 7, 10, tzinfo=UTC), tick=False):
        assert "does not work" in client.get(link).get_data(as_text=True)
    service.withdraw_consent(alumnus.user)
    db.session.commit()
    assert "does not work" in client.get(link).get_data(as_text=True)
    client.post(link, data=FORM)
    assert db.session.scalar(db.select(db.func.count(FollowUpResponse.id))) == 0


def test_answering_on_the_dashboard_first_means_no_email(client, runner, auth, alumnus, outbox):
    auth.login(alumnus.user)
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC), tick=False):
        page = client.get("/trainee/alumni").get_data(as_text=True)
        assert "There is no follow-up to answer now" in page
        assert client.get("/trainee/alumni/follow-up").status_code == 302
    with time_machine.travel(datetime(2026, 6, 20, tzinfo=UTC), tick=False):
        assert "Answer the 2026 follow-up" in client.get("/trainee/alumni").get_data(as_text=True)
        assert client.post("/trainee/alumni/follow-up", data=FORM).status_code == 302
    assert "emails sent: 0" in _send(runner, datetime(2026, 6, 21, tzinfo=UTC))
    assert outbox.messages() == []


def test_a_run_whose_mail_failed_is_finished_by_the_next(runner, alumnus, outbox, monkeypatch):
    from mri_match.reminders import sending

    def broken(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(sending, "send_email", broken)
    assert "failed, retried next run: 1" in _send(runner, datetime(2026, 7, 1, tzinfo=UTC))
    assert outbox.messages() == []
    (row,) = db.session.scalars(db.select(SentReminder)).all()
    assert row.sent_at is None
    monkeypatch.undo()
    assert "emails sent: 1" in _send(runner, datetime(2026, 7, 2, tzinfo=UTC))
    assert "emails sent: 0" in _send(runner, datetime(2026, 7, 3, tzinfo=UTC))
    assert len(outbox.messages()) == 1


def test_consent_withdrawn_after_the_row_was_recorded_sends_nothing(runner, alumnus, outbox):
    db.session.add(
        SentReminder(
            kind="alumni_follow_up",
            user_id=alumnus.user_id,
            subject=f"alumni:{alumnus.id}",
            period="2026",
        )
    )
    db.session.commit()
    service.withdraw_consent(alumnus.user)
    db.session.commit()
    assert "emails sent: 0" in _send(runner, datetime(2026, 7, 2, tzinfo=UTC))
    assert outbox.messages() == []
