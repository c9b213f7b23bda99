"""Award milestones: the default award, a pair's milestones from the acceptance on, handing in,
the mentor's sign-off, payments released, and what goes when a match ends or a person leaves.
Due dates are read at frozen moments."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from award_helpers import award_pair, milestone, pdf_bytes
from conftest import PASSWORD, signed_in_clients

from mri_match.awards import service
from mri_match.awards.defaults import MEDICAL_STUDENT_MILESTONES, MEDICAL_STUDENT_PAYMENTS
from mri_match.extensions import db
from mri_match.matches import decisions, lifecycle
from mri_match.matches.decisions import Pairing
from mri_match.models import (
    AwardTemplate,
    Match,
    Milestone,
    MilestoneDocument,
    Payment,
    StoredFile,
    history,
)

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def upload(client, match, item, data, filename="report.pdf"):
    import io

    return client.post(
        f"/matches/{match.id}/milestones/{item.id}",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def pair(factory):
    with time_machine.travel(T0, tick=False):
        return award_pair(factory, accepted_at=T0)


# --- the award and a pair's copy ----------------------------------------------------------------


def test_the_default_award_has_the_medical_student_milestones_and_payments(factory):
    cycle = factory.cycle(status="matching")
    admin = factory.user("admin")
    template = service.create_template(cycle, "Medical student", actor=admin, defaults=True)
    db.session.commit()
    titles = [m.title for m in template.milestones]
    assert titles == [m.title for m in MEDICAL_STUDENT_MILESTONES]
    assert {"Project plan", "Midpoint report", "Abstract submitted", "Final report"} <= set(titles)
    assert "Annual meeting attendance" in titles and "Yearly engagement confirmation" in titles
    assert [p.title for p in template.payments] == [t for t, _ in MEDICAL_STUDENT_PAYMENTS]
    final = next(p for p in template.payments if p.title == "Stipend at completion")
    assert [m.title for m in final.milestones] == ["Final report"]
    with pytest.raises(service.AwardError, match="already has"):
        service.create_template(cycle, "Medical student", actor=admin, defaults=True)
    with pytest.raises(service.AwardError, match="tracks"):
        service.create_template(cycle, "Astronaut", actor=admin, defaults=True)


def test_a_pair_gets_its_milestones_when_the_mentor_accepts(factory):
    cycle = factory.cycle(status="matching")
    admin = factory.user("admin")
    service.create_template(cycle, "Medical student", actor=admin, defaults=True)
    application = factory.application(cycle=cycle)
    mentor = factory.mentor(cycle=cycle)
    with time_machine.travel(T0, tick=False):
        match = decisions.create_match(
            Pairing(application=application, mentor=mentor, role="research"), actor=admin
        )
        db.session.commit()
        assert _count(Milestone) == 0  # an offer has no milestones yet
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        lifecycle.accept_offer(match, actor=mentor.user)
        db.session.commit()
    plan = milestone(match, "Project plan")
    assert plan.due_on == date(2027, 1, 6) + timedelta(days=30)
    assert plan.needs_upload and plan.needs_signoff and plan.status == "open"
    assert _count(Milestone) == len(MEDICAL_STUDENT_MILESTONES)
    assert _count(Payment) == len(MEDICAL_STUDENT_PAYMENTS)
    # the other role's matches, and other tracks, get nothing
    assert service.start_milestones(match) == 0


def test_a_match_active_at_once_gets_its_milestones_too(factory):
    cycle = factory.cycle(status="matching", mentor_acceptance_required=False)
    admin = factory.user("admin")
    service.create_template(cycle, "Medical student", actor=admin, defaults=True)
    with time_machine.travel(T0, tick=False):
        match = decisions.create_match(
            Pairing(
                application=factory.application(cycle=cycle),
                mentor=factory.mentor(cycle=cycle),
                role="research",
            ),
            actor=admin,
        )
        db.session.commit()
    assert match.status == "active"
    assert milestone(match, "Final report").due_on == T0.date() + timedelta(days=330)


def test_a_fixed_due_date_and_a_milestone_added_later_reach_pairs_under_way(factory, pair):
    admin = factory.user("admin")
    template = db.session.scalar(db.select(AwardTemplate))
    service.save_milestone(
        template,
        None,
        actor=admin,
        title="Poster printed",
        completed_by="trainee",
        due_days=None,
        due_on=date(2027, 11, 30),
        needs_upload=False,
        needs_signoff=False,
    )
    db.session.commit()
    assert milestone(pair, "Poster printed") is None
    assert service.apply_template(template, actor=admin) == 1
    db.session.commit()
    assert milestone(pair, "Poster printed").due_on == date(2027, 11, 30)
    assert service.apply_template(template, actor=admin) == 0  # nothing twice


# --- handing in and signing off, through the pages ------------------------------------------


def test_trainee_uploads_mentor_signs_off_admin_releases(client, auth, factory, pair):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    midpoint = milestone(pair, "Midpoint report")
    auth.login(trainee)
    page = client.get(f"/matches/{pair.id}/milestones/{midpoint.id}").get_data(as_text=True)
    assert "Upload and send for sign-off" in page
    response = upload(client, pair, midpoint, pdf_bytes(), "midpoint.pdf")
    assert response.status_code == 302
    db.session.expire_all()
    assert midpoint.status == "submitted" and midpoint.document.filename == "midpoint.pdf"
    assert _count(StoredFile) == 1
    # the trainee cannot sign off their own work
    auth.logout()
    auth.login(mentor)
    page = client.get(f"/matches/{pair.id}/milestones/{midpoint.id}").get_data(as_text=True)
    assert "Sign off" in page and "midpoint.pdf" in page
    download = client.get(f"/milestones/{midpoint.id}/document")
    assert download.status_code == 200 and download.data == pdf_bytes()
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.post(f"/matches/{pair.id}/milestones/{midpoint.id}/sign-off").status_code == 302
    db.session.expire_all()
    assert midpoint.status == "done" and midpoint.done_by_id == mentor.id
    # a second tab signing off again changes nothing
    client.post(f"/matches/{pair.id}/milestones/{midpoint.id}/sign-off")
    auth.logout()

    payment = db.session.scalar(db.select(Payment).filter_by(title="Stipend at the midpoint"))
    assert payment.blockers == []
    auth.login(factory.user("admin"))
    page = client.get(f"/admin/matches/{pair.id}/award").get_data(as_text=True)
    assert "Ready to release" in page and "Final report missing" in page
    assert "Release the payment" in client.get(f"/admin/payments/{payment.id}/release").get_data(
        as_text=True
    )
    assert client.post(f"/admin/payments/{payment.id}/release").status_code == 302
    db.session.expire_all()
    assert payment.status == "released" and payment.released_at is not None
    again = client.post(f"/admin/payments/{payment.id}/release", follow_redirects=True)
    assert "already released" in again.get_data(as_text=True)


def test_a_payment_waiting_for_its_milestones_is_not_released(client, admin, pair):
    payment = db.session.scalar(db.select(Payment).filter_by(title="Stipend at completion"))
    response = client.post(f"/admin/payments/{payment.id}/release", follow_redirects=True)
    assert "cannot be released yet: Final report missing" in response.get_data(as_text=True)
    assert db.session.get(Payment, payment.id).status == "waiting"


def test_two_admins_releasing_one_payment_at_once_release_it_once(app, factory, pair, monkeypatch):
    """Both requests read the payment still waiting and then check its milestones, slowly:
    unless the row is locked before the read, both would release it."""
    plan = milestone(pair, "Project plan")
    plan.status, plan.completed_at = "done", T0
    payment = db.session.scalar(db.select(Payment).filter_by(title="Stipend at the start"))
    payment_id = payment.id
    db.session.commit()
    real_blockers = Payment.blockers.fget

    def slow_blockers(self):
        blockers = real_blockers(self)
        time.sleep(0.3)  # the other admin's request reaches the payment meanwhile
        return blockers

    monkeypatch.setattr(Payment, "blockers", property(slow_blockers))
    clients = signed_in_clients(app, [factory.user("admin"), factory.user("admin")])
    barrier = threading.Barrier(2)
    pages = []

    def release(client):
        barrier.wait()
        response = client.post(f"/admin/payments/{payment_id}/release")
        pages.append((response.status_code, client.get(response.location).text))

    threads = [threading.Thread(target=release, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert [status for status, _ in pages] == [302, 302]
    said = sorted(
        "released"
        if "Stipend at the start is marked as released." in page
        else "already"
        if "Stipend at the start was already released." in page
        else page
        for _, page in pages
    )
    assert said == ["already", "released"]
    payment = db.session.get(Payment, payment_id)
    assert payment.status == "released"
    assert [e.to_state for e in history(payment)] == ["released"]  # one entry in the record


def test_the_mentor_sends_work_back_with_a_note(client, auth, pair):
    plan = milestone(pair, "Project plan")
    auth.login(pair.application.trainee)
    upload(client, pair, plan, pdf_bytes("plan v1"), "plan.pdf")
    auth.logout()
    auth.login(pair.mentor.user)
    url = f"/matches/{pair.id}/milestones/{plan.id}/send-back"
    blank = client.post(url, data={"note": "  "})
    assert blank.status_code == 400
    assert 'id="note-error"' in blank.get_data(as_text=True)
    assert client.post(url, data={"note": "Add the aims."}).status_code == 302
    db.session.expire_all()
    assert plan.status == "open" and plan.returned_note == "Add the aims."
    auth.logout()
    auth.login(pair.application.trainee)
    assert "Add the aims." in client.get(f"/matches/{pair.id}/milestones/{plan.id}").get_data(
        as_text=True
    )
    upload(client, pair, plan, pdf_bytes("plan v2"), "plan-2.pdf")
    db.session.expire_all()
    assert plan.status == "submitted" and plan.returned_note is None
    assert plan.document.filename == "plan-2.pdf"
    assert _count(StoredFile) == 1  # the first file went when it was replaced


def test_only_the_person_who_completes_a_milestone_hands_it_in(client, auth, pair):
    plan = milestone(pair, "Project plan")
    attendance = milestone(pair, "Annual meeting attendance")
    auth.login(pair.mentor.user)
    response = upload(client, pair, plan, pdf_bytes(), "plan.pdf")
    assert "Project plan is for the trainee to complete." in response.get_data(as_text=True)
    assert _count(MilestoneDocument) == 0 and _count(StoredFile) == 0
    client.post(f"/matches/{pair.id}/milestones/{attendance.id}/done")
    db.session.expire_all()
    assert attendance.status == "open"
    auth.logout()
    auth.login(pair.application.trainee)
    client.post(f"/matches/{pair.id}/milestones/{plan.id}/sign-off")  # mentors only: 403
    assert db.session.get(Milestone, plan.id).status == "open"
    engagement = milestone(pair, "Yearly engagement confirmation")
    client.post(f"/matches/{pair.id}/milestones/{engagement.id}/done")
    db.session.expire_all()
    assert engagement.status == "done"


def test_an_admin_confirms_what_the_program_team_completes(client, admin, pair):
    attendance = milestone(pair, "Annual meeting attendance")
    assert client.post(f"/admin/milestones/{attendance.id}/confirm").status_code == 302
    db.session.expire_all()
    assert attendance.status == "done" and attendance.done_by_id == admin.id
    plan = milestone(pair, "Project plan")
    client.post(f"/admin/milestones/{plan.id}/confirm")
    assert db.session.get(Milestone, plan.id).status == "open"


# --- who sees the files -----------------------------------------------------------------------


def test_only_the_pair_and_admins_download_a_file(client, auth, factory, pair):
    plan = milestone(pair, "Project plan")
    auth.login(pair.application.trainee)
    upload(client, pair, plan, pdf_bytes(), "plan.pdf")
    assert client.get(f"/milestones/{plan.id}/document").status_code == 200
    auth.logout()
    url = f"/milestones/{plan.id}/document"
    assert client.get(url).status_code == 302  # to the login page
    other = award_pair(factory, accepted_at=T0, cycle=pair.cycle)
    for outsider in (other.application.trainee, other.mentor.user, factory.user("trainee")):
        auth.login(outsider)
        assert client.get(url).status_code == 404
        assert client.get(f"/matches/{pair.id}/award").status_code == 404
        assert client.get(f"/matches/{pair.id}/milestones/{plan.id}").status_code == 404
        auth.logout()
    # a milestone of one pair under another pair's address is not found either
    auth.login(other.application.trainee)
    assert client.get(f"/matches/{other.id}/milestones/{plan.id}").status_code == 404
    assert upload(client, other, plan, pdf_bytes()).status_code == 404
    auth.logout()
    auth.login(factory.user("admin"))
    assert client.get(url).status_code == 200


# --- nothing is left behind --------------------------------------------------------------------


def _hand_in(pair, title, data=None):
    from mri_match.awards.uploads import check_document

    item = milestone(pair, title)
    service.hand_in(
        item, check_document("x.pdf", data or pdf_bytes(title)), person=pair.application.trainee
    )
    db.session.commit()
    return item


def test_ending_a_match_removes_what_was_not_done_and_keeps_what_was(factory, pair):
    plan = _hand_in(pair, "Project plan")
    service.sign_off(plan, person=pair.mentor.user)
    _hand_in(pair, "Midpoint report")  # waiting for sign-off when the match ends
    db.session.commit()
    admin = factory.user("admin")
    lifecycle.end_by_admin(pair, actor=admin, reason="The program ended it.")
    db.session.commit()
    left = db.session.scalars(db.select(Milestone).filter_by(match_id=pair.id)).all()
    assert [m.title for m in left] == ["Project plan"]
    assert [p.title for p in db.session.scalars(db.select(Payment))] == ["Stipend at the start"]
    assert _count(MilestoneDocument) == 1 and _count(StoredFile) == 1
    assert db.session.scalar(db.select(MilestoneDocument.milestone_id)) == plan.id


def test_deleting_the_trainee_account_deletes_their_files(client, auth, pair):
    plan = _hand_in(pair, "Project plan")
    service.sign_off(plan, person=pair.mentor.user)
    db.session.commit()
    _hand_in(pair, "Midpoint report")
    auth.login(pair.application.trainee)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, pair.id).status == "ended"
    assert _count(MilestoneDocument) == 0 and _count(StoredFile) == 0
    # the milestone done stays, for the program's figures
    assert db.session.get(Milestone, plan.id).status == "done"


def test_the_retention_purge_deletes_old_cycles_files_only(factory, runner):
    old_cycle = factory.cycle(status="completed", slug="old")
    old_cycle.completed_at = datetime.now(UTC) - timedelta(days=400)
    recent_cycle = factory.cycle(status="completed", slug="recent")
    recent_cycle.completed_at = datetime.now(UTC) - timedelta(days=10)
    db.session.commit()
    old = award_pair(factory, accepted_at=T0, cycle=old_cycle)
    recent = award_pair(factory, accepted_at=T0, cycle=recent_cycle)
    old_plan = _hand_in(old, "Project plan")
    _hand_in(recent, "Project plan")
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "1 award documents" in dry.output and _count(StoredFile) == 2
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _count(StoredFile) == 1 and _count(MilestoneDocument) == 1
    assert db.session.get(Milestone, old_plan.id).status == "submitted"
    assert milestone(recent, "Project plan").document is not None


def test_the_purge_sweeps_files_no_milestone_names(factory, runner, pair):
    from mri_match.awards.storage import DatabaseStore

    DatabaseStore().put(b"left behind")
    db.session.commit()
    db.session.execute(
        db.update(StoredFile).values(created_at=datetime.now(UTC) - timedelta(days=2))
    )
    _hand_in(pair, "Project plan")
    result = runner.invoke(args=["purge"])
    assert "1 stored files no award milestone names" in result.output
    assert _count(StoredFile) == 1 and _count(MilestoneDocument) == 1


def test_the_personal_data_download_lists_milestones_and_payments(client, auth, pair):
    _hand_in(pair, "Project plan")
    auth.login(pair.application.trainee)
    data = client.get("/account/data.json").get_json()
    plan = next(m for m in data["award_milestones"] if m["milestone"] == "Project plan")
    assert plan["status"] == "submitted" and plan["your_file"] == "x.pdf"
    assert len(data["award_milestones"]) == 7
    assert {p["payment"] for p in data["award_payments"]} >= {"Stipend at completion"}
    auth.logout()
    auth.login(pair.mentor.user)
    data = client.get("/account/data.json").get_json()
    assert len(data["award_milestones"]) == 7 and data["award_payments"] == []
    assert all(m["your_file"] is None for m in data["award_milestones"])
