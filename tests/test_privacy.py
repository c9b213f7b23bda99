"""Privacy: who may see self-identification and the log of every view, a person's data export
and account deletion, and the retention purge."""

import json
from datetime import timedelta

import pytest
from conftest import PASSWORD, register_and_confirm

from mri_match.extensions import db
from mri_match.models import (
    Application,
    AuditEvent,
    Match,
    MentorOffer,
    MentorProfile,
    NominatedMentor,
    RematchRequest,
    SelfIdentification,
    SelfIdentificationAccess,
    SelfIdentificationDenied,
    User,
    record,
    self_identification_of,
    self_identifications_for,
    utcnow,
)
from mri_match.privacy.retention import purge, purge_unconfirmed_accounts


@pytest.fixture
def people(factory):
    """A trainee with an application, self-identification and a named research mentor, a
    mentor offering in the same cycle, and an active match between them."""
    cycle = factory.cycle(status="closed", slug="c2026")
    admin = factory.user("admin", email="boss@example.org")
    application = factory.application(
        cycle=cycle,
        full_name="Ada Okafor",
        nominated={"name": "Dr Nom", "email": "nom@example.org", "institution": "Howard"},
    )
    trainee = application.trainee
    mentor = factory.mentor(cycle=cycle, full_name="Dr Bea Mensah", publications="Papers")
    db.session.add_all(
        [
            SelfIdentification(user_id=trainee.id, gender_identity="woman", lgbtq="yes"),
            SelfIdentification(user_id=mentor.user_id, disability="no"),
        ]
    )
    match = Match(
        cycle=cycle,
        application=application,
        mentor=mentor,
        role="research",
        confirmed_by_id=admin.id,
        status="active",
    )
    db.session.add(match)
    db.session.flush()
    record(match, "status", actor=admin, to_state="active", reason="Admin note")
    db.session.add(
        RematchRequest(match=match, requested_by_id=trainee.id, reason="We never meet, sadly")
    )
    db.session.commit()
    return dict(
        cycle=cycle,
        admin=admin,
        application=application,
        trainee=trainee,
        mentor=mentor,
        match=match,
    )


def log_rows() -> list[SelfIdentificationAccess]:
    return list(
        db.session.scalars(
            db.select(SelfIdentificationAccess).order_by(SelfIdentificationAccess.id)
        )
    )


# --- permission and access log -------------------------------------------------------------------


def test_admin_without_permission_sees_no_self_identification(client, auth, people):
    auth.login(people["admin"])
    page = client.get(f"/admin/applications/{people['application'].id}").get_data(as_text=True)
    assert "Show self-identification" not in page and "Woman" not in page
    response = client.get(f"/admin/people/{people['trainee'].id}/self-identification")
    assert response.status_code == 403
    with pytest.raises(SelfIdentificationDenied):
        self_identification_of(people["trainee"], viewer=people["admin"])
    assert log_rows() == []


def test_permitted_admin_views_are_logged_who_when_whose(client, auth, people, runner):
    result = runner.invoke(args=["grant-permission", "boss@example.org"])
    assert result.exit_code == 0, result.output
    auth.login(people["admin"])
    trainee = people["trainee"]
    page = client.get(f"/admin/applications/{people['application'].id}").get_data(as_text=True)
    assert "Show self-identification" in page and "Woman" not in page  # shown only on request
    assert log_rows() == []
    before = utcnow()
    page = client.get(f"/admin/people/{trainee.id}/self-identification").get_data(as_text=True)
    assert "Woman" in page and "This view has been logged" in page
    mentor_page = client.get(f"/admin/mentors/{people['mentor'].id}").get_data(as_text=True)
    assert f"/admin/people/{people['mentor'].user_id}/self-identification" in mentor_page
    [entry] = log_rows()
    assert (entry.viewer_id, entry.subject_id, entry.purpose) == (
        people["admin"].id,
        trainee.id,
        "admin_view",
    )
    assert entry.viewed_at >= before - timedelta(seconds=1)
    log = client.get("/admin/privacy/access-log").get_data(as_text=True)
    assert "boss@example.org" in log and trainee.email in log and "admin view" in log


def test_revoked_permission_stops_views(client, auth, people, runner):
    runner.invoke(args=["grant-permission", "boss@example.org"])
    assert runner.invoke(args=["revoke-permission", "boss@example.org"]).exit_code == 0
    auth.login(people["admin"])
    assert (
        client.get(f"/admin/people/{people['trainee'].id}/self-identification").status_code == 403
    )


def test_only_admins_can_hold_the_permission(runner, people):
    result = runner.invoke(args=["grant-permission", people["trainee"].email])
    assert result.exit_code != 0 and "is not an admin" in result.output
    result = runner.invoke(args=["grant-permission", "nobody@example.org"])
    assert result.exit_code != 0 and "No account" in result.output
    assert not db.session.get(User, people["trainee"].id).can_view_self_identification


def test_own_reads_are_not_logged_and_bulk_reads_log_once(people):
    trainee = people["trainee"]
    assert self_identification_of(trainee).gender_identity == "woman"
    assert self_identification_of(trainee, viewer=trainee).lgbtq == "yes"
    assert log_rows() == []
    ids = [trainee.id, people["mentor"].user_id, people["admin"].id]
    found = self_identifications_for(ids, purpose="matching", detail="run 7")
    db.session.commit()
    assert set(found) == {trainee.id, people["mentor"].user_id}
    [entry] = log_rows()
    assert (entry.viewer_id, entry.subject_id, entry.purpose, entry.people, entry.detail) == (
        None,
        None,
        "matching",
        2,
        "run 7",
    )


def test_access_log_is_for_admins_only(client, auth, people):
    auth.login(people["trainee"])
    assert client.get("/admin/privacy/access-log").status_code == 403


# --- download my data ----------------------------------------------------------------------------


def test_trainee_downloads_everything_held_about_them(client, auth, people):
    auth.login(people["trainee"])
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == people["trainee"].email
    confirmed = people["trainee"].email_confirmed_at
    assert data["account"]["email_confirmed_at"] == confirmed.isoformat()
    [application] = data["applications"]
    assert application["full_name"] == "Ada Okafor"
    assert application["topics"] == ["sickle-cell-disease"]
    assert application["nominated_mentor"]["email"] == "nom@example.org"
    assert data["self_identification"]["gender_identity"] == "woman"
    assert data["mentor_profile"] is None
    [match] = data["matches"]
    assert match["with"] == "Dr Bea Mensah" and match["status"] == "active"
    [request] = data["rematch_requests"]
    assert request["reason"] == "We never meet, sadly" and request["requested_by_you"]
    assert {"record": "match", "by": "program team"}.items() <= data["history"][0].items()
    text = response.get_data(as_text=True)
    assert people["mentor"].user.email not in text  # the other person by name only
    assert "boss@example.org" not in text  # admins are "program team"
    assert log_rows() == []


def test_mentor_downloads_profile_offers_and_matches(client, auth, people):
    auth.login(people["mentor"].user)
    data = client.get("/account/data.json").get_json()
    assert data["applications"] == []
    assert data["mentor_profile"]["full_name"] == "Dr Bea Mensah"
    assert data["mentor_profile"]["publications"] == "Papers"
    assert data["mentor_profile"]["needs_offered"] == [
        "research",
        "career_development",
        "grant_writing",
    ]
    assert data["mentor_offers"][0]["capacity"] == 2
    assert data["self_identification"]["disability"] == "no"
    assert data["matches"][0]["with"] == "Ada Okafor"
    [request] = data["rematch_requests"]
    assert request["reason"] is None and not request["requested_by_you"]


def test_my_data_is_for_trainees_and_mentors(client, auth, people):
    auth.login(people["admin"])
    assert client.get("/account/data.json").status_code == 403
    assert client.get("/account/data").status_code == 403


# --- deleting an account -------------------------------------------------------------------------


def test_deletion_needs_the_password_and_the_tick(client, auth, people):
    auth.login(people["trainee"])
    response = client.post("/account/delete", data={"password": "wrong", "confirm": "y"})
    assert response.status_code == 400
    assert "That password is not correct." in response.get_data(as_text=True)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert db.session.get(User, people["trainee"].id).deleted_at is None


def test_deleting_a_trainee_anonymises_and_keeps_the_match_for_reports(
    client, auth, people, outbox
):
    trainee, application, match = people["trainee"], people["application"], people["match"]
    email = trainee.email
    auth.login(trainee)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()

    user = db.session.get(User, trainee.id)
    assert user.is_deleted and not user.active and user.email != email
    assert User.by_email(email) is None
    application = db.session.get(Application, application.id)
    assert application.full_name == "Deleted trainee"
    assert application.research_statement is None and application.institution is None
    assert application.status == "withdrawn"
    assert application.topics == ["sickle-cell-disease"]  # reports still count it
    assert db.session.scalar(db.select(NominatedMentor)) is None
    assert self_identification_of(user) is None
    match = db.session.get(Match, match.id)
    assert match.status == "ended" and match.application_id == application.id
    request = db.session.scalar(db.select(RematchRequest))
    assert "We never meet" not in request.reason
    reasons = db.session.scalars(db.select(AuditEvent.reason).where(AuditEvent.actor_id == user.id))
    assert "We never meet" not in " ".join(r or "" for r in reasons)

    # Logged out, cannot log back in, and the address can register again.
    assert client.get("/trainee/").status_code == 302
    assert auth.login(email).status_code == 200
    response = register_and_confirm(client, outbox, email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/trainee/")
    assert User.by_email(email).id != trainee.id


def test_deleting_a_mentor_scrubs_the_profile_and_pauses_offers(client, auth, people):
    mentor = people["mentor"]
    auth.login(mentor.user)
    assert (
        client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code
        == 302
    )
    db.session.expire_all()
    profile = db.session.get(MentorProfile, mentor.id)
    assert profile.full_name == "Deleted mentor"
    assert profile.expertise_statement == "" and profile.publications is None
    assert profile.ash_member_number is None
    assert db.session.scalar(db.select(MentorOffer.status)) == "paused"
    assert db.session.get(Match, people["match"].id).status == "ended"
    # The trainee's history still shows the match, without the mentor's name.
    auth.logout()
    auth.login(people["trainee"])
    data = client.get("/account/data.json").get_json()
    assert data["matches"][0]["with"] == "Deleted mentor"


# --- retention purge -----------------------------------------------------------------------------


def completed(factory, days_ago, slug):
    cycle = factory.cycle(status="completed", slug=slug)
    cycle.completed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return cycle


@pytest.fixture
def retention_world(factory):
    old = completed(factory, 400, "old")
    recent = completed(factory, 10, "recent")
    gone = factory.application(cycle=old, status_reason="Too early")
    stays = factory.application(cycle=recent)
    both = factory.mentor(cycle=old, publications="Papers", conflicts="Dr X")
    db.session.add(MentorOffer(cycle=recent, mentor=both, capacity=1, roles=["research"]))
    only_old = factory.mentor(cycle=old, publications="More papers")
    for user_id in (gone.trainee_id, stays.trainee_id, both.user_id, only_old.user_id):
        db.session.add(SelfIdentification(user_id=user_id, gender_identity="woman"))
    db.session.commit()
    return dict(old=old, gone=gone, stays=stays, both=both, only_old=only_old)


def test_purge_dry_run_says_what_it_would_remove_and_changes_nothing(runner, retention_world):
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would remove" in result.output
    assert "1 research statements" in result.output
    assert "2 self-identification records" in result.output
    db.session.expire_all()
    assert db.session.get(Application, retention_world["gone"].id).research_statement
    assert db.session.scalar(db.select(db.func.count(SelfIdentification.id))) == 4


def test_purge_removes_text_and_self_identification_past_retention(runner, retention_world):
    w = retention_world
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    lines = {
        line.split(None, 1)[1]: int(line.split()[0]) for line in result.output.splitlines()[1:]
    }
    assert lines["research statements"] == 1
    assert lines["eligibility decision reasons"] == 1
    assert lines["expertise statements"] == 1
    assert lines["publication lists"] == 1
    assert lines["self-identification records"] == 2
    db.session.expire_all()
    assert db.session.get(Application, w["gone"].id).research_statement is None
    assert db.session.get(Application, w["gone"].id).status_reason is None
    assert db.session.get(Application, w["stays"].id).research_statement  # recent cycle
    assert db.session.get(MentorProfile, w["only_old"].id).expertise_statement == ""
    kept = db.session.get(MentorProfile, w["both"].id)  # still volunteering in a live cycle
    assert kept.expertise_statement and kept.publications == "Papers"
    remaining = set(db.session.scalars(db.select(SelfIdentification.user_id)))
    assert remaining == {w["stays"].trainee_id, w["both"].user_id}
    assert db.session.scalar(
        db.select(AuditEvent).filter_by(entity_type="cycle", action="retention_purge")
    )
    again = runner.invoke(args=["purge"])
    assert "Nothing is past the retention period." in again.output


def test_purge_follows_the_retention_setting(app, retention_world):
    counts = purge(500)
    assert sum(counts.values()) == 0
    counts = purge(5, dry_run=True)
    assert counts["research statements"] == 2  # both completed cycles are past 5 days


def registered(factory, email, days_ago, confirmed=False):
    user = factory.user(email=email, confirmed=confirmed)
    if not confirmed:
        user.set_unusable_password("unconfirmed")
    user.created_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return user.id


@pytest.fixture
def registrations(factory):
    """Never-confirmed registrations old and new, and accounts that must stay whatever."""
    stale = registered(factory, "stale@example.org", 8)
    fresh = registered(factory, "fresh@example.org", 6)
    old_confirmed = registered(factory, "old@example.org", 400, confirmed=True)
    # Imported 30 days ago, invitation not used yet: unconfirmed, but it holds an application.
    imported = factory.application().trainee
    imported.email_confirmed_at = None
    imported.created_at = utcnow() - timedelta(days=30)
    mentor = factory.mentor().user  # an imported mentor: a profile, no application
    mentor.email_confirmed_at = None
    mentor.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    return dict(
        stale=stale,
        fresh=fresh,
        old_confirmed=old_confirmed,
        imported=imported.id,
        mentor=mentor.id,
    )


def test_purge_deletes_registrations_never_confirmed_in_time(runner, registrations):
    w = registrations
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 unconfirmed registrations (older than 7 days)" in dry.output
    assert db.session.get(User, w["stale"]) is not None

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 unconfirmed registrations (older than 7 days)" in result.output
    db.session.expire_all()
    assert db.session.get(User, w["stale"]) is None
    for kept in ("fresh", "old_confirmed", "imported", "mentor"):
        assert db.session.get(User, w[kept]) is not None, kept
    again = runner.invoke(args=["purge"])
    assert "Nothing is past the retention period." in again.output


def test_unconfirmed_purge_follows_its_setting(make_app, factory):
    app = make_app(UNCONFIRMED_ACCOUNT_DAYS=5)
    with app.app_context():
        registered(factory, "six@example.org", 6)
        registered(factory, "four@example.org", 4)
        result = app.test_cli_runner().invoke(args=["purge"])
        assert "1 unconfirmed registrations (older than 5 days)" in result.output
        assert User.by_email("six@example.org") is None
        assert User.by_email("four@example.org") is not None
        assert purge_unconfirmed_accounts(3, dry_run=True) == 1
        assert User.by_email("four@example.org") is not None


def test_a_purged_address_can_register_again(client, factory, outbox):
    registered(factory, "again@example.org", 10)
    assert purge_unconfirmed_accounts(7) == 1
    db.session.commit()
    assert User.by_email("again@example.org") is None
    response = register_and_confirm(client, outbox, "again@example.org")
    assert response.headers["Location"].endswith("/trainee/")
    # A new account (SQLite may reuse the id, so tell them apart by age).
    assert User.by_email("again@example.org").created_at > utcnow() - timedelta(hours=1)


def test_completing_a_cycle_records_when(factory):
    cycle = factory.cycle(status="matching")
    admin = factory.user("admin")
    cycle.move_to("completed", actor=admin)
    db.session.commit()
    assert cycle.completed_at is not None


def test_a_matching_run_logs_one_system_read_of_self_identification(factory, people):
    from mri_match.matches import runs

    settings = {
        "role": "research",
        "objective": "total",
        "same_institution": "ignore",
        "must_have": [],
        "min_score": 0.0,
        "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
    }
    factory.application(cycle=people["cycle"])
    runs.run_matching(people["cycle"], settings, actor=people["admin"])
    db.session.commit()
    [entry] = log_rows()
    assert (entry.viewer_id, entry.subject_id, entry.purpose) == (None, None, "matching")
    assert entry.people == 1  # the mentor; the new trainee gave no answers, the matched one is out
    assert "c2026" in entry.detail


def test_a_deleted_account_is_logged_out_everywhere(app, people):
    other_browser = app.test_client()
    other_browser.post("/auth/login", data={"email": people["trainee"].email, "password": PASSWORD})
    assert other_browser.get("/trainee/").status_code == 200
    from mri_match.privacy.deletion import delete_account

    delete_account(db.session.get(User, people["trainee"].id))
    db.session.commit()
    assert other_browser.get("/trainee/").status_code == 302
