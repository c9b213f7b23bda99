"""From proposals to confirmed matches: runs, decisions, notifications, export and access."""

import csv
import io
import threading
import time

import pytest
from conftest import accept_offers, signed_in_clients

from mri_match.extensions import db
from mri_match.matches import decisions, runs
from mri_match.models import (
    AuditEvent,
    Match,
    MatchRun,
    PairRule,
    Proposal,
    RematchRequest,
    UnmatchedOutcome,
    User,
)

RESEARCH = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
}


@pytest.fixture
def program(factory):
    """A closed cycle: three trainees, a sickle-cell mentor and a leukemia mentor."""
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    admin = factory.user("admin")
    scd = factory.mentor(
        cycle=cycle,
        capacity=1,
        full_name="Dr Sickle",
        topics=["sickle-cell-disease"],
        expertise_statement="Sickle cell disease, hemoglobin, red cell biology and gene therapy.",
    )
    aml = factory.mentor(
        cycle=cycle,
        capacity=2,
        full_name="Dr Leukemia",
        topics=["aml", "mds"],
        expertise_statement="Acute myeloid leukemia and myelodysplastic syndromes genomics.",
    )
    trainees = [
        factory.application(cycle=cycle, full_name="Ana Sickle", topics=["sickle-cell-disease"]),
        factory.application(
            cycle=cycle,
            full_name="Ben Leukemia",
            topics=["aml"],
            research_statement="I study acute myeloid leukemia genomics and relapse after "
            "therapy in older adults.",
        ),
        factory.application(
            cycle=cycle,
            full_name="Cy Myelo",
            topics=["mds"],
            research_statement="Myelodysplastic syndromes and clonal evolution toward leukemia.",
        ),
    ]
    return cycle, admin, {"scd": scd, "aml": aml}, trainees


def _run(cycle, admin, **changes) -> MatchRun:
    return runs.run_matching(cycle, {**RESEARCH, **changes}, actor=admin)


def _proposal(run, application) -> Proposal:
    return db.session.scalar(
        db.select(Proposal).filter_by(run_id=run.id, application_id=application.id)
    )


def test_admin_runs_matching_from_the_web(client, auth, program):
    cycle, admin, mentors, trainees = program
    auth.login(admin)
    form = {
        "role": "research",
        "objective": "total",
        "same_institution": "ignore",
        "min_score": "0",
    }
    form.update({f"weight_{name}": "5" for name in runs.engine.DEFAULT_WEIGHTS})
    response = client.post(f"/admin/cycles/{cycle.slug}/runs", data=form)
    assert response.status_code == 302
    run = db.session.scalar(db.select(MatchRun))
    assert run.status == "done" and run.created_by_id == admin.id
    assert run.model_version == runs.engine.MODEL_VERSION
    assert run.summary["matched"] == 3 and run.summary["unmatched"] == 0
    assert cycle.status == "matching"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ana Sickle" in page and "Dr Sickle" in page


def test_run_settings_are_validated_beside_the_field(client, auth, program):
    cycle, admin, _, _ = program
    auth.login(admin)
    response = client.post(
        f"/admin/cycles/{cycle.slug}/runs",
        data={
            "role": "research",
            "objective": "best",
            "same_institution": "ignore",
            "min_score": "250",
            "weight_text": "11",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a whole number between 0 and 100." in page
    assert "Enter a weight between 0 and 10." in page
    assert "Not a valid choice" in page
    assert db.session.scalar(db.select(db.func.count(MatchRun.id))) == 0


def test_matching_waits_until_applications_close(factory):
    cycle = factory.cycle(status="open")
    with pytest.raises(runs.RunError, match="once applications are closed"):
        _run(cycle, factory.user("admin"))


def test_proposals_carry_score_explanation_and_alternatives(program):
    cycle, admin, mentors, (ana, ben, _cy) = program
    run = _run(cycle, admin)
    proposal = _proposal(run, ben)
    assert proposal.mentor_id == mentors["aml"].id
    assert 0 < proposal.score <= 1
    labels = [c["label"] for c in proposal.explanation["criteria"]]
    assert "Shared topics" in labels
    assert [a["mentor_id"] for a in proposal.alternatives] == [mentors["scd"].id]


def test_review_list_shows_unmatched_first_then_best_score_and_counts_filters(
    client, auth, factory, program
):
    cycle, admin, _mentors, _trainees = program
    factory.application(cycle=cycle, full_name="Dee Extra", topics=["aml"])  # 4 for 3 places
    run = _run(cycle, admin)
    auth.login(admin)
    proposals = db.session.scalars(db.select(Proposal).filter_by(run_id=run.id)).all()
    unmatched = [p for p in proposals if p.mentor_id is None]
    matched = sorted((p for p in proposals if p.mentor_id), key=lambda p: (-p.score, p.id))
    assert len(unmatched) == 1 and len(matched) == 3

    page = client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert "<caption>4 proposals</caption>" in page  # the total comes from the status counts
    rows = page.split("<tbody>")[1]
    names = [p.application.full_name for p in unmatched + matched]
    assert sorted(names, key=rows.index) == names

    page = client.get(f"/admin/runs/{run.id}?status=unmatched").get_data(as_text=True)
    assert "<caption>1 proposal</caption>" in page
    assert unmatched[0].application.full_name in page.split("<tbody>")[1]
    leukemia = [p for p in matched if p.mentor.full_name == "Dr Leukemia"]
    names = {p.application.full_name for p in leukemia} | {"Ben Leukemia"}
    with_ben = {p.application.full_name for p in proposals} & names
    page = client.get(f"/admin/runs/{run.id}?q=leukemia").get_data(as_text=True)
    plural = "s" if len(with_ben) != 1 else ""
    assert f"<caption>{len(with_ben)} proposal{plural}</caption>" in page
    page = client.get(f"/admin/runs/{run.id}?sort=name").get_data(as_text=True)
    rows = page.split("<tbody>")[1]
    names = sorted(p.application.full_name for p in proposals)
    assert sorted(names, key=rows.index) == names


def test_unmatched_trainee_gets_a_diagnosis_and_an_outcome(client, auth, factory, program):
    cycle, admin, mentors, _ = program
    stranded = factory.application(
        cycle=cycle, full_name="Dee Undergrad", career_stage="undergraduate"
    )
    run = _run(cycle, admin)
    proposal = _proposal(run, stranded)
    assert proposal.mentor_id is None
    assert "career stage" in proposal.diagnosis
    auth.login(admin)
    client.post(
        f"/admin/proposals/{proposal.id}/outcome",
        data={"kind": "recruit", "reason": "Ask the undergraduate programme for a mentor"},
    )
    outcome = db.session.scalar(db.select(UnmatchedOutcome))
    assert (outcome.kind, outcome.application_id) == ("recruit", stranded.id)


def test_confirming_emails_both_people(client, auth, program, outbox):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    proposal = _proposal(run, ana)
    auth.login(admin)
    client.post(f"/admin/proposals/{proposal.id}/confirm")
    match = db.session.scalar(db.select(Match))
    assert (match.application_id, match.mentor_id) == (ana.id, mentors["scd"].id)
    assert proposal.status == "confirmed"
    # an offer: the mentor sees the trainee, the why and a link, without contact details;
    # the trainee learns that a mentor is being asked, without who
    to_mentor, to_trainee = outbox.messages()
    mentor_body, trainee_body = outbox.bodies()
    assert to_mentor["To"] == mentors["scd"].user.email
    assert "Ana Sickle" in mentor_body and "Medical student" in mentor_body
    assert ana.research_statement[:40] in mentor_body and "Why we suggest you" in mentor_body
    assert ana.trainee.email not in mentor_body and "http://localhost/offers/" in mentor_body
    assert to_trainee["To"] == ana.trainee.email
    assert "Dr Sickle" not in trainee_body and mentors["scd"].user.email not in trainee_body


def test_a_mentor_who_has_not_said_what_they_offer_is_not_said_to_offer_it(
    client, auth, program, outbox
):
    """Needs offered not stated (a mentor from before the question): the criterion does not
    apply, the pages and the emails say so in words and never "offers 1 of 1 needs"."""
    cycle, admin, mentors, (ana, _ben, _cy) = program
    mentors["scd"].needs_offered = None
    db.session.commit()
    run = _run(cycle, admin)
    proposal = _proposal(run, ana)
    assert proposal.mentor_id == mentors["scd"].id
    needs = {c["criterion"]: c for c in proposal.explanation["criteria"]}["needs"]
    assert not needs["applies"] and needs["points"] == 0
    assert "has not said which mentoring needs they offer" in needs["detail"]
    auth.login(admin)
    page = client.get(f"/admin/proposals/{proposal.id}").get_data(as_text=True)
    assert "has not said which mentoring needs they offer" in page
    client.post(f"/admin/proposals/{proposal.id}/confirm")
    bodies = outbox.bodies()
    assert len(bodies) == 2 and "Why we suggest you" in bodies[0]  # the offer to the mentor
    assert not any("offers 1 of" in body or "needs (" in body for body in bodies)
    # with the must-have rule "every need offered", such a mentor is never proposed
    strict = _run(cycle, admin, must_have=["needs_offered"])
    proposed = {
        p.mentor_id for p in db.session.scalars(db.select(Proposal).filter_by(run_id=strict.id))
    }
    assert mentors["scd"].id not in proposed and mentors["aml"].id in proposed


def test_people_see_contact_details_only_after_the_mentor_accepts(client, auth, program):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    mentor_email = mentors["scd"].user.email
    auth.login(ana.trainee)
    assert mentor_email not in client.get("/trainee/").get_data(as_text=True)
    auth.logout()
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    auth.logout()
    auth.login(ana.trainee)
    match = db.session.scalar(db.select(Match))
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert mentor_email not in page and "Dr Sickle" not in page
    accept_offers()
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert mentor_email in page and "Dr Sickle" in page


def test_people_see_only_their_own_match(client, auth, factory, program):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    auth.logout()
    match = db.session.scalar(db.select(Match))
    for outsider in (factory.user("trainee"), mentors["aml"].user):
        auth.login(outsider)
        assert client.get(f"/matches/{match.id}").status_code == 404
        auth.logout()
    auth.login(mentors["scd"].user)
    assert client.get(f"/matches/{match.id}").status_code == 200


@pytest.mark.parametrize("role", ["trainee", "mentor"])
def test_only_admins_run_review_and_export(client, auth, factory, program, role):
    cycle, admin, _, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(factory.user(role))
    proposal = _proposal(run, ana)
    for method, url in [
        ("get", f"/admin/cycles/{cycle.slug}/runs"),
        ("post", f"/admin/cycles/{cycle.slug}/runs"),
        ("get", f"/admin/runs/{run.id}"),
        ("post", f"/admin/runs/{run.id}/confirm"),
        ("get", f"/admin/proposals/{proposal.id}"),
        ("post", f"/admin/proposals/{proposal.id}/confirm"),
        ("get", f"/admin/cycles/{cycle.slug}/matches.csv"),
        ("get", "/admin/audit"),
        ("get", "/admin/rematch-requests"),
    ]:
        assert getattr(client, method)(url).status_code == 403, url
    assert db.session.scalar(db.select(db.func.count(Match.id))) == 0


def test_rerun_keeps_confirmed_matches_and_excludes_rejected_pairs(client, auth, program):
    cycle, admin, mentors, (ana, ben, cy) = program
    first = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(first, ana).id}/confirm")
    client.post(
        f"/admin/proposals/{_proposal(first, ben).id}/reject",
        data={"reason": "They already work together"},
    )
    assert db.session.scalar(db.select(PairRule)).kind == "rejected"

    second = _run(cycle, admin)
    assert _proposal(second, ana) is None  # has a mentor (asked, not yet answered): left out
    assert _proposal(second, ben).mentor_id != mentors["aml"].id  # rejected pair stays out
    confirmed = db.session.scalar(db.select(Match))
    assert confirmed.status == "offered" and confirmed.application_id == ana.id


def test_reject_needs_a_reason(client, auth, program):
    cycle, admin, _, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    page = client.post(
        f"/admin/proposals/{_proposal(run, ana).id}/reject",
        data={"reason": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Give a reason for rejecting" in page
    assert _proposal(run, ana).status == "open"


def test_locked_pairs_survive_a_resolve(client, auth, program):
    cycle, admin, mentors, (ana, ben, cy) = program
    # Give Ben the sickle-cell mentor by hand and lock it; the re-solve must keep it.
    run = _run(cycle, admin)
    auth.login(admin)
    proposal = _proposal(run, ben)
    proposal.mentor_id = mentors["scd"].id
    db.session.commit()
    client.post(f"/admin/proposals/{proposal.id}/lock", data={"reason": "Known fit"})
    assert _proposal(run, ben).locked
    response = client.post(f"/admin/runs/{run.id}/resolve")
    new_run = db.session.scalar(db.select(MatchRun).order_by(MatchRun.id.desc()))
    assert new_run.id != run.id and response.status_code == 302
    kept = _proposal(new_run, ben)
    assert kept.mentor_id == mentors["scd"].id and kept.locked
    # The lock used the mentor's only place, so Ana cannot have Dr Sickle this time.
    assert _proposal(new_run, ana).mentor_id != mentors["scd"].id


def test_swap_confirms_another_mentor(client, auth, program, outbox):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    proposal = _proposal(run, ana)
    auth.login(admin)
    client.post(
        f"/admin/proposals/{proposal.id}/swap",
        data={"mentor_id": mentors["aml"].id, "reason": "Trainee asked for a leukemia lab"},
    )
    match = db.session.scalar(db.select(Match))
    assert match.mentor_id == mentors["aml"].id
    assert _proposal(run, ana).status == "swapped"
    assert len(outbox.messages()) == 2
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "swapped" in actions


def test_bulk_confirm_selected_rows_and_above_a_score(client, auth, program):
    cycle, admin, _, (ana, ben, cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(
        f"/admin/runs/{run.id}/confirm",
        data={"mode": "selected", "proposal": [_proposal(run, ana).id]},
    )
    assert db.session.scalar(db.select(db.func.count(Match.id))) == 1
    client.post(f"/admin/runs/{run.id}/confirm", data={"mode": "above", "min_score": "0"})
    assert db.session.scalar(db.select(db.func.count(Match.id))) == 3


def test_capacity_holds_when_two_admins_confirm_at_once(app, make_app, factory):
    """Two real requests race for a mentor's last place; exactly one wins."""
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    admins = [factory.user("admin"), factory.user("admin")]
    factory.mentor(cycle=cycle, capacity=1)
    a, b = factory.application(cycle=cycle), factory.application(cycle=cycle)
    run = _run(cycle, admins[0])
    proposals = [_proposal(run, a).id, _proposal(run, b).id]
    clients = signed_in_clients(app, admins)
    barrier = threading.Barrier(2)
    responses = []

    def confirm(client, proposal_id):
        barrier.wait()
        responses.append(client.post(f"/admin/proposals/{proposal_id}/confirm"))

    threads = [
        threading.Thread(target=confirm, args=(c, p))
        for c, p in zip(clients, proposals, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Match.id))) == 1
    statuses = sorted(db.session.scalars(db.select(Proposal.status)).all())
    assert statuses == ["confirmed", "open"]
    # both admins were signed in and answered (the loser is told there is no place left)
    assert all(r.status_code == 302 for r in responses)
    assert all(r.location.startswith("/admin/proposals/") for r in responses)


def test_two_admins_swapping_one_trainee_to_different_mentors_at_once(app, factory, monkeypatch):
    """Both swaps pass the checks before either inserts: one match, and the other admin is told
    the trainee already has a mentor (PostgreSQL refuses the second row at the unique index)."""
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    admins = [factory.user("admin"), factory.user("admin")]
    mentors = [factory.mentor(cycle=cycle, capacity=2) for _ in range(3)]
    trainee = factory.application(cycle=cycle)
    run = _run(cycle, admins[0])
    proposal = _proposal(run, trainee)
    url = f"/admin/proposals/{proposal.id}/swap"
    others = [m.id for m in mentors if m.id != proposal.mentor_id][:2]
    real_active_match = decisions._active_match

    def slow_active_match(application_id, role):
        time.sleep(0.3)  # both requests are past their checks before either inserts
        return real_active_match(application_id, role)

    monkeypatch.setattr(decisions, "_active_match", slow_active_match)
    clients = signed_in_clients(app, admins)
    barrier = threading.Barrier(2)
    pages = {}

    def swap(client, mentor_id):
        barrier.wait()
        response = client.post(url, data={"mentor_id": mentor_id, "reason": "Asked for"})
        pages[mentor_id] = (response.status_code, client.get(response.location).text)

    threads = [
        threading.Thread(target=swap, args=(c, m)) for c, m in zip(clients, others, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    (match,) = db.session.scalars(db.select(Match)).all()
    assert match.mentor_id in others and match.application_id == trainee.id
    assert sorted(status for status, _ in pages.values()) == [302, 302]
    loser = next(m for m in others if m != match.mentor_id)
    assert "already has a confirmed research mentor" in pages[loser][1]
    assert "Swapped:" in pages[match.mentor_id][1]
    assert _proposal(run, trainee).status == "swapped"


def test_rematch_request_reaches_the_admin_queue(client, auth, program):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    auth.logout()
    (match,) = accept_offers()
    auth.login(ana.trainee)
    page = client.post(f"/matches/{match.id}", data={"reason": ""}).get_data(as_text=True)
    assert "Give a reason." in page
    client.post(f"/matches/{match.id}", data={"reason": "Our schedules never overlap"})
    request = db.session.scalar(db.select(RematchRequest))
    assert request.status == "open" and request.requested_by_id == ana.trainee_id
    auth.logout()
    auth.login(admin)
    assert "Our schedules never overlap" in client.get("/admin/rematch-requests").get_data(
        as_text=True
    )
    client.post(
        f"/admin/rematch-requests/{request.id}/end", data={"reason": "Will re-match next week"}
    )
    db.session.expire_all()
    assert request.status == "resolved" and match.status == "ended"


def test_admin_ends_a_match_with_a_reason(client, auth, program):
    cycle, admin, _, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    match = db.session.scalar(db.select(Match))
    client.post(f"/admin/matches/{match.id}", data={"reason": "Mentor moved abroad"})
    db.session.refresh(match)
    assert match.status == "ended" and match.end_reason == "Mentor moved abroad"
    page = client.get(f"/admin/matches/{match.id}").get_data(as_text=True)
    assert "Mentor moved abroad" in page


def test_every_action_is_in_the_audit_history(client, auth, program):
    cycle, admin, _, (ana, ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    client.post(f"/admin/proposals/{_proposal(run, ben).id}/reject", data={"reason": "No"})
    events = db.session.scalars(db.select(AuditEvent)).all()
    kinds = {(e.entity_type, e.action) for e in events}
    assert {("match_run", "run"), ("match", "confirmed"), ("proposal", "status")} <= kinds
    assert all(e.actor_id == admin.id for e in events if e.entity_type != "cycle")
    run_event = next(e for e in events if e.action == "run")
    assert run_event.reason == runs.engine.MODEL_VERSION
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "match run 1: run" in page and "match 1: confirmed" in page


def test_csv_export_of_confirmed_matches(client, auth, program):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    ana.full_name = '=HYPERLINK("http://evil")'
    db.session.commit()
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    response = client.get(f"/admin/cycles/{cycle.slug}/matches.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[:4] == ["Match ID", "Role", "Status", "Trainee"]
    record = dict(zip(header, row, strict=True))
    assert record["Trainee"].startswith("'=")
    assert record["Mentor"] == "Dr Sickle"
    assert record["Confirmed at (UTC)"][:4].isdigit() and "T" in record["Confirmed at (UTC)"]
    assert record["Confirmed by"] == admin.email


def test_a_failed_run_is_recorded_and_leaves_no_proposals(program, monkeypatch):
    cycle, admin, _, _ = program

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(runs, "propose", broken)
    with pytest.raises(RuntimeError):
        _run(cycle, admin)
    run = db.session.scalar(db.select(MatchRun))
    assert run.status == "failed" and "solver exploded" in run.error
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0


def test_match_command_prints_a_summary(runner, program):
    cycle, admin, _, _ = program
    result = runner.invoke(args=["match", cycle.slug, "--role", "research", "--weight", "text=8"])
    assert result.exit_code == 0, result.output
    assert "matched    3" in result.output and "unmatched  0" in result.output
    assert "mean score" in result.output and "time" in result.output
    bad = runner.invoke(args=["match", "no-such-cycle"])
    assert bad.exit_code == 2 and "no cycle" in bad.output
    bad = runner.invoke(args=["match", cycle.slug, "--weight", "text=99"])
    assert bad.exit_code == 2 and "0 to 10" in bad.output
    assert db.session.scalar(db.select(db.func.count(User.id))) >= 1


def test_both_dashboards_show_the_confirmed_match(client, auth, program):
    cycle, admin, mentors, (ana, _ben, _cy) = program
    run = _run(cycle, admin)
    auth.login(admin)
    client.post(f"/admin/proposals/{_proposal(run, ana).id}/confirm")
    auth.logout()
    (match,) = accept_offers()
    auth.login(ana.trainee)
    page = client.get("/trainee/").get_data(as_text=True)
    assert "Your mentors" in page and "Dr Sickle" in page and f"/matches/{match.id}" in page
    auth.logout()
    auth.login(mentors["scd"].user)
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Your trainees" in page and "Ana Sickle" in page and f"/matches/{match.id}" in page
