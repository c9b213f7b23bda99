"""Admins' award pages: setting up a track's award, its milestones and payments, the cycle's
overview of what is overdue and what holds a payment back, and the CSV and Excel exports; and
the dashboards' line about the next milestone. Due dates are read at frozen moments."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from award_helpers import award_pair, milestone, pdf_bytes

from mri_match.awards import service
from mri_match.awards.uploads import check_document
from mri_match.extensions import db
from mri_match.models import AwardTemplate, MilestoneTemplate, Payment, PaymentTemplate, history

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def cycle(factory):
    return factory.cycle(status="matching", slug="c2027")


def test_an_admin_sets_up_a_tracks_award_from_the_defaults(client, admin, cycle):
    page = client.get("/admin/cycles/c2027/awards").get_data(as_text=True)
    assert "Set up a track" in page
    blank = client.post("/admin/cycles/c2027/awards/new", data={})
    assert blank.status_code == 400 and 'href="#track-0"' in blank.get_data(as_text=True)
    response = client.post(
        "/admin/cycles/c2027/awards/new",
        data={"track": "Medical student", "start": "defaults", "role": "research"},
    )
    assert response.status_code == 302
    template = db.session.scalar(db.select(AwardTemplate))
    assert len(template.milestones) == 7 and len(template.payments) == 4
    page = client.get(f"/admin/awards/{template.id}").get_data(as_text=True)
    assert "Midpoint report" in page and "120 days after acceptance" in page
    again = client.post(
        "/admin/cycles/c2027/awards/new",
        data={"track": "Medical student", "start": "empty", "role": "research"},
    )
    assert again.status_code == 400  # no longer a choice
    assert db.session.scalar(db.select(db.func.count()).select_from(AwardTemplate)) == 1


def test_milestones_and_payments_are_added_changed_and_removed(client, admin, cycle):
    template = service.create_template(cycle, "Fellow", actor=admin, defaults=False)
    db.session.commit()
    url = f"/admin/awards/{template.id}/milestones"
    missing_days = client.post(
        url, data={"title": "Plan", "completed_by": "trainee", "due_kind": "relative"}
    )
    assert missing_days.status_code == 400
    assert "Give the number of days after acceptance." in missing_days.get_data(as_text=True)
    contradiction = client.post(
        url,
        data={
            "title": "Attendance",
            "completed_by": "admin",
            "due_kind": "relative",
            "due_days": "30",
            "needs_upload": "y",
        },
    )
    assert "needs no file and no sign-off" in contradiction.get_data(as_text=True)
    ok = client.post(
        url,
        data={
            "title": "Plan",
            "completed_by": "trainee",
            "due_kind": "fixed",
            "due_on": "2027-03-01",
            "needs_upload": "y",
        },
    )
    assert ok.status_code == 302
    item = db.session.scalar(db.select(MilestoneTemplate))
    assert item.due_on.isoformat() == "2027-03-01" and item.due_days is None
    edit = client.post(
        f"/admin/award-milestones/{item.id}/edit",
        data={
            "title": "Project plan",
            "completed_by": "trainee",
            "due_kind": "relative",
            "due_days": "45",
        },
    )
    assert edit.status_code == 302
    db.session.expire_all()
    assert item.title == "Project plan" and item.due_days == 45 and item.due_on is None
    no_needs = client.post(f"/admin/awards/{template.id}/payments", data={"title": "Stipend"})
    assert no_needs.status_code == 400
    assert "Choose the milestones this payment needs." in no_needs.get_data(as_text=True)
    client.post(
        f"/admin/awards/{template.id}/payments",
        data={"title": "Stipend", "amount": "1000", "milestones": [str(item.id)]},
    )
    payment = db.session.scalar(db.select(PaymentTemplate))
    assert payment.amount == 1000 and [m.title for m in payment.milestones] == ["Project plan"]
    client.post(f"/admin/award-payments/{payment.id}/remove")
    client.post(f"/admin/award-milestones/{item.id}/remove")
    db.session.expire_all()
    assert template.milestones == [] and template.payments == []


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_removing_a_milestone_asks_first_and_keeps_the_pairs_copies(client, admin, factory, cycle):
    pair = award_pair(factory, accepted_at=T0, cycle=cycle, admin=admin)
    template = service.template_for_track(cycle, "Medical student")
    talk = next(m for m in template.milestones if m.title == "Presentation at the annual meeting")
    service.hand_in(
        milestone(pair, talk.title),
        check_document("poster.pdf", pdf_bytes()),
        person=pair.application.trainee,
    )
    db.session.commit()
    page = _page(client.get(f"/admin/awards/{template.id}"))
    assert f'href="/admin/award-milestones/{talk.id}/remove"' in page
    assert f'action="/admin/award-milestones/{talk.id}/remove"' not in page

    response = client.get(f"/admin/award-milestones/{talk.id}/remove")
    assert response.status_code == 200
    page = _page(response)
    assert "<h1>Remove Presentation at the annual meeting from the Medical student award?</h1>" in (
        page
    )
    assert f'href="/admin/awards/{template.id}">Cancel' in page
    assert "btn-danger" in page and ">Remove</button>" in page
    assert (
        "Travel to the annual meeting no longer needs it: it needs Annual meeting attendance."
        in (page)
    )
    assert "1 pair has its own copy (1 done, 0 waiting for sign-off, 1 with a file handed in)" in (
        page
    )
    db.session.expire_all()
    assert talk in template.milestones  # asking removes nothing

    response = client.post(f"/admin/award-milestones/{talk.id}/remove", follow_redirects=True)
    assert "Presentation at the annual meeting is removed from the award." in _page(response)
    db.session.expire_all()
    assert talk.title not in [m.title for m in template.milestones]
    travel = next(p for p in template.payments if p.title == "Travel to the annual meeting")
    assert [m.title for m in travel.milestones] == ["Annual meeting attendance"]
    kept = milestone(pair, "Presentation at the annual meeting")
    assert kept.status == "done" and kept.document.filename == "poster.pdf"
    assert kept.template_milestone_id is None
    assert "Presentation at the annual meeting" in _page(client.get(f"/admin/awards/{template.id}"))
    assert client.get(f"/admin/award-milestones/{talk.id}/remove").status_code == 404


def test_a_milestone_a_payment_needs_alone_stays_until_the_payment_goes(
    client, admin, factory, cycle
):
    pair = award_pair(factory, accepted_at=T0, cycle=cycle, admin=admin)
    template = service.template_for_track(cycle, "Medical student")
    plan = next(m for m in template.milestones if m.title == "Project plan")
    start = next(p for p in template.payments if p.title == "Stipend at the start")
    done = milestone(pair, "Project plan")
    service.hand_in(done, check_document("plan.pdf", pdf_bytes()), person=pair.application.trainee)
    service.sign_off(done, person=pair.mentor.user)
    db.session.commit()
    refusal = "Stipend at the start needs only Project plan: remove that payment first."
    response = client.get(f"/admin/award-milestones/{plan.id}/remove", follow_redirects=True)
    assert refusal in _page(response) and "<h1>Medical student award</h1>" in _page(response)
    response = client.post(f"/admin/award-milestones/{plan.id}/remove", follow_redirects=True)
    assert refusal in _page(response)
    db.session.expire_all()
    assert plan in template.milestones and plan in start.milestones

    paid = db.session.scalar(db.select(Payment).filter_by(title="Stipend at the start"))
    service.release_payment(paid, actor=admin)
    db.session.commit()
    page = _page(client.get(f"/admin/award-payments/{start.id}/remove"))
    assert "<h1>Remove Stipend at the start from the Medical student award?</h1>" in page
    assert "The milestones it needs (Project plan) stay in the award." in page
    assert "1 pair has its own copy (1 released)" in page
    assert "a released payment stays recorded as released" in page
    response = client.post(f"/admin/award-payments/{start.id}/remove", follow_redirects=True)
    assert "Stipend at the start is removed from the award." in _page(response)
    db.session.expire_all()
    assert "Stipend at the start" not in [p.title for p in template.payments]
    assert paid.status == "released" and paid.template_payment_id is None
    assert [m.title for m in paid.milestones] == ["Project plan"]

    client.post(f"/admin/award-milestones/{plan.id}/remove")
    db.session.expire_all()
    assert "Project plan" not in [m.title for m in template.milestones]
    assert done.status == "done" and done.document.filename == "plan.pdf"
    assert [e.reason for e in history(template)][-2:] == ["Stipend at the start", "Project plan"]


def test_removing_needs_an_admin_and_the_forms_token(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        cycle = factory.cycle(status="matching")
        admin, trainee = factory.user("admin"), factory.user("trainee")
        template = service.create_template(cycle, "Fellow", actor=admin, defaults=True)
        db.session.commit()
        ids = {"admin": admin.get_id(), "trainee": trainee.get_id(), "award": template.id}
        attendance = template.milestones[3].id
        urls = [
            f"/admin/award-milestones/{attendance}/remove",
            f"/admin/award-payments/{template.payments[0].id}/remove",
        ]

    def signed_in(role):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = ids[role], True
        return client

    # each person's requests in an app context of their own: ``g`` keeps who is signed in
    with app.app_context():
        client = signed_in("trainee")
        assert [client.get(url).status_code for url in urls] == [403, 403]
    with app.app_context():
        client = signed_in("admin")
        assert [client.post(url).status_code for url in urls] == [400, 400]
        page = _page(client.get(urls[0]))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(urls[0], data={"csrf_token": token}).status_code == 302
    with app.app_context():
        template = db.session.get(AwardTemplate, ids["award"])
        assert attendance not in [m.id for m in template.milestones]
        assert len(template.milestones) == 6 and len(template.payments) == 4


def test_the_overview_shows_what_is_overdue_and_what_holds_a_payment_back(
    client, admin, factory, cycle
):
    late = award_pair(factory, accepted_at=T0, cycle=cycle, admin=admin)
    on_time = award_pair(factory, accepted_at=T0, cycle=cycle, admin=admin)
    with time_machine.travel(T0 + timedelta(days=20), tick=False):
        plan = milestone(on_time, "Project plan")
        service.hand_in(
            plan, check_document("p.pdf", pdf_bytes()), person=on_time.application.trainee
        )
        service.sign_off(plan, person=on_time.mentor.user)
        db.session.commit()
    with time_machine.travel(T0 + timedelta(days=40), tick=False):
        page = client.get("/admin/cycles/c2027/awards?show=overdue").get_data(as_text=True)
        assert late.application.full_name in page and "Project plan (due 03 Feb 2027)" in page
        assert on_time.application.full_name not in page
        page = client.get("/admin/cycles/c2027/awards?show=blocked").get_data(as_text=True)
        assert "Final report missing" in page
        page = client.get(f"/admin/matches/{on_time.id}/award").get_data(as_text=True)
        assert "Ready to release" in page and "Release" in page
        page = client.get("/admin/cycles/c2027/awards?show=nonsense").get_data(as_text=True)
        assert late.application.full_name in page and on_time.application.full_name in page


def test_the_exports_list_every_milestone_and_payment_safely(client, admin, factory, cycle):
    pair = award_pair(factory, accepted_at=T0, cycle=cycle, admin=admin)
    pair.application.full_name = '=HYPERLINK("http://x")'
    db.session.commit()
    response = client.get("/admin/cycles/c2027/awards/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["kind", "trainee", "mentor"]
    assert len(rows) == 1 + 7 + 4
    assert all(row[1].startswith("'=") for row in rows[1:])
    final = next(r for r in rows if r[5] == "Stipend at completion")
    assert final[-1] == "Final report missing"

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/admin/cycles/c2027/awards/export.xlsx").data))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 12 and values[1][1].startswith("'=")
    assert sheet.cell(row=2, column=2).data_type == "s"  # text, never a formula
    assert client.get("/admin/cycles/c2027/awards/export.pdf").status_code == 404


def test_dashboards_show_the_next_milestone_and_what_is_overdue(client, auth, factory):
    pair = award_pair(factory, accepted_at=T0)
    with time_machine.travel(T0 + timedelta(days=40), tick=False):
        auth.login(pair.application.trainee)
        page = client.get("/trainee/").get_data(as_text=True)
        assert "1 overdue (Project plan); next: Midpoint report, due 04 May 2027." in page
        auth.logout()
        auth.login(pair.mentor.user)
        page = client.get("/mentor/").get_data(as_text=True)
        assert "1 overdue (Project plan)" in page and f"/matches/{pair.id}/award" in page
        page = client.get(f"/matches/{pair.id}/award").get_data(as_text=True)
        assert "Overdue" in page and "Midpoint report" in page
