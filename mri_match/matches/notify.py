"""The emails about a match: the confirmation or offer, the introduction with its first-meeting
invitation, and the notices when a match closes (the offer's reminder is a rule of the
reminder run, :mod:`.offer_rules`).

:func:`notify_match` is called after the confirmation's commit. The others are called inside the
change that causes them and go out when it commits (``send_after_commit``), so a refused or
rolled-back change sends nothing.
"""

from flask import url_for

from ..email import send_after_commit, send_email_or_log
from ..extensions import db
from ..models import Match, Proposal, User
from ..vocabulary import CAREER_STAGES, MENTOR_ROLES, label, topic_labels
from .calendar import first_meeting_ics, local_time
from .offer_links import offer_link
from .why import reasons_for


def _role(match: Match) -> str:
    return label(MENTOR_ROLES, match.role).lower()


def _trainee_details(match: Match) -> dict:
    application = match.application
    return {
        "stage": label(CAREER_STAGES, application.career_stage),
        "topics": [topic_labels().get(t, t) for t in application.topics],
    }


def notify_match(match: Match) -> list[str]:
    """A new match: an offer for the mentor to answer, or (when the cycle needs no answer) the
    match itself with contact details for both. Returns the addresses that could not be sent
    to (logged)."""
    application, mentor = match.application, match.mentor
    if match.status == "offered":
        emails = [
            (
                "offer_mentor",
                mentor.user.email,
                f"Would you mentor {application.full_name}? Please answer by "
                f"{match.respond_by:%d %B}",
                {
                    "match": match,
                    "application": application,
                    "mentor": mentor,
                    "role": _role(match),
                    "reasons": reasons_for(match, reader="mentor"),
                    "respond_by": local_time(match.respond_by, mentor.timezone),
                    "url": offer_link(match),
                    **_trainee_details(match),
                },
            ),
            (
                "offer_trainee",
                application.trainee.email,
                f"We have found you a {_role(match)}: waiting for their answer",
                {
                    "application": application,
                    "role": _role(match),
                    "url": url_for("trainee.dashboard", _external=True),
                },
            ),
        ]
    else:
        emails = [
            (
                "match_trainee",
                application.trainee.email,
                f"You have a {_role(match)}: {mentor.full_name}",
                {
                    "match": match,
                    "application": application,
                    "mentor": mentor,
                    "role": _role(match),
                    "reasons": reasons_for(match, reader="trainee"),
                    "url": url_for("trainee.dashboard", _external=True),
                },
            ),
            (
                "match_mentor",
                mentor.user.email,
                f"You are matched with {application.full_name}",
                {
                    "match": match,
                    "application": application,
                    "mentor": mentor,
                    "role": _role(match),
                    "reasons": reasons_for(match, reader="mentor"),
                    "url": url_for("mentor.dashboard", _external=True),
                    **_trainee_details(match),
                },
            ),
        ]
    return [
        to
        for template, to, subject, context in emails
        if not send_email_or_log(template, to=to, subject=subject, **context)
    ]


def introduction(match: Match) -> None:
    """Accepted: each person gets the other's contact details, and the first-meeting invitation
    in their own time zone when the mentor proposed one."""
    application, mentor = match.application, match.mentor
    people = (
        (application.trainee.email, application.timezone, "trainee.dashboard"),
        (mentor.user.email, mentor.timezone, "mentor.dashboard"),
    )
    for to, timezone, dashboard in people:
        meeting = match.first_meeting_proposed_at
        attachments = (
            [("first-meeting.ics", "text/calendar", first_meeting_ics(match, timezone=timezone))]
            if meeting
            else []
        )
        send_after_commit(
            "introduction",
            to=to,
            subject=f"Introducing {mentor.full_name} and {application.full_name}",
            attachments=attachments,
            for_trainee=to == application.trainee.email,
            match=match,
            application=application,
            mentor=mentor,
            role=_role(match),
            meeting=local_time(meeting, timezone) if meeting else None,
            url=url_for(dashboard, _external=True),
            **_trainee_details(match),
        )


def offer_fell_through(match: Match, *, reopened: Proposal | None) -> None:
    """Declined or expired: the trainee hears that another mentor will be found (not who
    declined, nor why); on expiry the mentor hears the offer lapsed; admins hear of both."""
    application, mentor = match.application, match.mentor
    send_after_commit(
        "match_closed",
        to=application.trainee.email,
        subject=f"Your {_role(match)}: we are finding you another",
        name=application.full_name,
        lines=[
            f"The {_role(match)} we proposed to you is not able to take you on this time.",
            "The program team will propose another mentor; you will hear from us then.",
        ],
        url=url_for("trainee.dashboard", _external=True),
    )
    if match.status == "expired":
        send_after_commit(
            "match_closed",
            to=mentor.user.email,
            subject=f"The offer to mentor {application.full_name} has lapsed",
            name=mentor.full_name,
            lines=[
                f"We did not hear from you about mentoring {application.full_name}, so the "
                "offer has lapsed and your place is free again.",
                "Nothing else is needed from you.",
            ],
            url=url_for("mentor.dashboard", _external=True),
        )
    _tell_admins(match, reopened=reopened)


def match_closed(match: Match, *, side: str, was_offer: bool, reopened: Proposal | None) -> None:
    """A match ended because one person left (the other is told) or the program ended it (both
    are told). Admins are told unless the program, that is an admin, ended it."""
    application, mentor = match.application, match.mentor
    what = "offer" if was_offer else "match"
    if side in ("mentor", "program"):
        lines = (
            [f"The {_role(match)} we proposed to you is no longer available."]
            if was_offer and side == "mentor"
            else [f"Your {what} with your {_role(match)} has ended: {match.end_reason}"]
        )
        if side == "mentor":
            lines.append("The program team will propose another mentor; you will hear from us.")
        send_after_commit(
            "match_closed",
            to=application.trainee.email,
            subject=f"Your {_role(match)}: the {what} has ended",
            name=application.full_name,
            lines=lines,
            url=url_for("trainee.dashboard", _external=True),
        )
    if side in ("trainee", "program"):
        lines = [
            f"The offer to mentor {application.full_name} is withdrawn: {match.end_reason}"
            if was_offer
            else f"Your match with {application.full_name} has ended: {match.end_reason}",
            "Your place is free again.",
        ]
        send_after_commit(
            "match_closed",
            to=mentor.user.email,
            subject=f"Your {what} with {application.full_name} has ended",
            name=mentor.full_name,
            lines=lines,
            url=url_for("mentor.dashboard", _external=True),
        )
    if side != "program":
        _tell_admins(match, reopened=reopened)


def _tell_admins(match: Match, *, reopened: Proposal | None) -> None:
    to = [u.email for u in _admins()]
    if not to:
        return
    send_after_commit(
        "admin_match_closed",
        to=to,
        subject=f"{match.application.full_name} and {match.mentor.full_name}: {match.status}",
        match=match,
        role=_role(match),
        match_url=url_for("matches.admin_match", match_id=match.id, _external=True),
        proposal_url=url_for("matches.proposal", proposal_id=reopened.id, _external=True)
        if reopened
        else None,
        reopened=reopened,
    )


def _admins() -> list[User]:
    """Active admins, who hear about matches that close without them."""
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.role == "admin", User.active, User.deleted_at.is_(None))
            .order_by(User.id)
        )
    )
