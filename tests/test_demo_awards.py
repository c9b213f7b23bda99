"""seed-demo fills the later past cycle with awards: milestones done with files to download,
payments released, and pairs still under way with a milestone overdue and a payment held back."""

from test_demo import count, seed

from mri_match.awards.queries import cycle_awards
from mri_match.extensions import db
from mri_match.models import Cycle, Match, Milestone, MilestoneDocument, Payment, StoredFile, utcnow


def test_seed_demo_fills_a_past_cycle_with_milestones_and_payments(runner, client):
    result = seed(runner, "--trainees", "4", "--mentors", "6", "--alumni", "30", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "award milestones" in result.output
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug="demo-2024"))
    today = utcnow().date()
    awards = cycle_awards(cycle)
    assert awards, "no pair of the past cycle has an award"
    assert count(Milestone, Milestone.status == "done") > 0
    assert count(MilestoneDocument) == count(StoredFile) > 0
    assert count(Payment, Payment.status == "released") > 0
    under_way = [a for a in awards if a.match.status == "active"]
    assert under_way and any(a.overdue(today) for a in under_way)
    assert any(a.blocked for a in under_way)
    # ended pairs keep only what was done (the rule for a match that ends)
    for award in awards:
        if award.match.status == "ended":
            assert all(m.done for m in award.milestones)
    # the files download for an admin
    from mri_match.demo import ADMIN_EMAIL, DEMO_PASSWORD

    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": DEMO_PASSWORD})
    document = db.session.scalar(db.select(MilestoneDocument).limit(1))
    response = client.get(f"/milestones/{document.milestone_id}/document")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    page = client.get("/admin/cycles/demo-2024/awards?show=overdue").get_data(as_text=True)
    late = next(a for a in under_way if a.overdue(today))
    assert late.match.application.full_name in page
    assert f"{late.overdue(today)[0].title} (due" in page
    assert count(Match, Match.cycle_id == cycle.id, Match.status == "active") <= 3
