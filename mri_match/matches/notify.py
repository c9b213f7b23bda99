"""Tell both people about a confirmed match. Called after the commit, never before."""

from ..email import email_url, send_email_or_log
from ..models import Match
from ..vocabulary import CAREER_STAGES, MENTOR_ROLES, label, topic_labels
from .why import reasons_for


def notify_match(match: Match) -> list[str]:
    """Email both people; the addresses that could not be sent to (logged)."""
    application, mentor = match.application, match.mentor
    role = label(MENTOR_ROLES, match.role).lower()
    topics = [topic_labels().get(t, t) for t in application.topics]
    unsent = []
    if not send_email_or_log(
        "match_trainee",
        to=application.trainee.email,
        subject=f"You have a {role}: {mentor.full_name}",
        match=match,
        application=application,
        mentor=mentor,
        role=role,
        reasons=reasons_for(match, reader="trainee"),
        url=email_url("trainee.dashboard"),
    ):
        unsent.append(application.trainee.email)
    if not send_email_or_log(
        "match_mentor",
        to=mentor.user.email,
        subject=f"You are matched with {application.full_name}",
        match=match,
        application=application,
        mentor=mentor,
        role=role,
        stage=label(CAREER_STAGES, application.career_stage),
        topics=topics,
        reasons=reasons_for(match, reader="mentor"),
        url=email_url("mentor.dashboard"),
    ):
        unsent.append(mentor.user.email)
    return unsent
