"""Award reminders at frozen moments: a milestone due soon and one overdue, each once; the
mentor is reminded of work waiting for sign-off; nothing for a milestone done or a match ended."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from award_helpers import award_pair, milestone, pdf_bytes

from mri_match.awards import service
from mri_match.awards.uploads import check_document
from mri_match.extensions import db
from mri_match.matches import lifecycle
from mri_match.reminders.sending import in_url_context, run_reminders

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def remind_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return in_url_context(run_reminders)


def about(outbox, title: str) -> list[tuple[str, str]]:
    return sorted(
        (m["To"], m["Subject"].removeprefix("[MRI Match] "))
        for m in outbox.messages()
        if title in m["Subject"]
    )


@pytest.fixture
def pair(factory):
    with time_machine.travel(T0, tick=False):
        return award_pair(factory, accepted_at=T0)


def test_a_milestone_due_soon_reminds_the_trainee_once(pair, outbox):
    trainee = pair.application.trainee.email
    remind_at(T0 + timedelta(days=15))  # the project plan is due in 15 days: not yet
    assert about(outbox, "Project plan") == []
    report = remind_at(T0 + timedelta(days=16))
    assert about(outbox, "Project plan") == [(trainee, "Due on 03 February 2027: Project plan")]
    assert report.recorded["milestone_due_soon"] == 1
    remind_at(T0 + timedelta(days=17))
    remind_at(T0 + timedelta(days=30))
    assert len(about(outbox, "Project plan")) == 1
    body = next(m for m in outbox.messages() if "Project plan" in m["Subject"]).get_payload()
    assert f"/matches/{pair.id}/milestones/{milestone(pair, 'Project plan').id}" in str(body)


def test_an_overdue_milestone_reminds_once_then_the_mentor_once_handed_in(pair, outbox):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    remind_at(T0 + timedelta(days=30))  # due today: not overdue
    assert about(outbox, "Overdue: Project plan") == []
    remind_at(T0 + timedelta(days=31))
    remind_at(T0 + timedelta(days=32))
    assert about(outbox, "Overdue: Project plan") == [(trainee.email, "Overdue: Project plan")]
    with time_machine.travel(T0 + timedelta(days=33), tick=False):
        service.hand_in(
            milestone(pair, "Project plan"), check_document("p.pdf", pdf_bytes()), person=trainee
        )
        db.session.commit()
    remind_at(T0 + timedelta(days=34))
    remind_at(T0 + timedelta(days=35))
    assert about(outbox, "Overdue: Project plan") == sorted(
        [(trainee.email, "Overdue: Project plan"), (mentor.email, "Overdue: Project plan")]
    )
    with time_machine.travel(T0 + timedelta(days=36), tick=False):
        service.sign_off(milestone(pair, "Project plan"), person=mentor)
        db.session.commit()
    remind_at(T0 + timedelta(days=60))
    assert len(about(outbox, "Project plan")) == 3  # the due-soon one was never due: late start


def test_no_reminders_for_an_ended_match_or_the_program_teams_milestones(factory, pair, outbox):
    lifecycle.end_by_admin(pair, actor=factory.user("admin"), reason="Left the program.")
    db.session.commit()
    remind_at(T0 + timedelta(days=400))
    assert [m["Subject"] for m in outbox.messages() if "Overdue" in m["Subject"]] == []


def test_a_reminder_that_no_longer_applies_is_not_sent(pair, outbox):
    from mri_match.models import SentReminder
    from mri_match.reminders.sending import record

    with time_machine.travel(T0 + timedelta(days=16), tick=False):
        plan = milestone(pair, "Project plan")
        from mri_match.reminders import Due

        record(
            [
                Due(
                    pair.application.trainee_id,
                    "milestone_due_soon",
                    f"milestone:{plan.id}",
                    plan.due_on.isoformat(),
                )
            ],
            T0,
        )
        service.hand_in(plan, check_document("p.pdf", pdf_bytes()), person=pair.application.trainee)
        db.session.commit()
    remind_at(T0 + timedelta(days=16, hours=1))
    assert about(outbox, "Project plan") == []
    assert db.session.scalar(db.select(SentReminder.sent_at)) is not None
