"""The pair's pages: the timeline, logging and confirming a meeting, the check-in; and the
admins' view of a pair's timeline (with check-ins, without private notes)."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from ..access import admin_required, role_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..models import CheckIn, Match, Meeting, history, utcnow
from ..web import commit_change
from . import bp
from .forms import FORMAT_CHOICES, CheckInForm, MeetingForm
from .pairs import HEALTH_LABELS, pair_state
from .services import MentorshipError, answer_checkin, confirm_meeting, log_meeting, side_of


def _my_match_or_404(match_id: int) -> tuple[Match, str]:
    match = db.get_or_404(Match, match_id)
    side = side_of(match, current_user)
    if side is None:
        abort(404)
    return match, side


def _meetings(match: Match) -> list[Meeting]:
    return list(
        db.session.scalars(
            db.select(Meeting)
            .where(Meeting.match_id == match.id)
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


@bp.route("/matches/<int:match_id>/meetings")
@read_only
@role_required("trainee", "mentor")
def timeline(match_id: int):
    match, side = _my_match_or_404(match_id)
    state = pair_state(match.id)
    today = utcnow().date()
    return render_template(
        "mentorship/timeline.html",
        match=match,
        side=side,
        meetings=_meetings(match),
        formats=FORMAT_CHOICES,
        next_step=state.next_step(side, today) if state else None,
        checkin_due=bool(state and state.checkin_due(side, today)),
        confirm_form=EmptyForm(),
    )


@bp.route("/matches/<int:match_id>/meetings/new", methods=["GET", "POST"])
@role_required("trainee", "mentor")
def log(match_id: int):
    match, _side = _my_match_or_404(match_id)
    form = MeetingForm()
    if form.validate_on_submit() and commit_change(
        lambda: log_meeting(
            match,
            person=current_user,
            held_on=form.held_on.data,
            minutes=form.minutes.data,
            format=form.format.data,
            topics=form.topics.data,
            private_note=form.private_note.data,
        ),
        "Meeting logged. The other person can confirm it.",
        errors=(MentorshipError,),
    ):
        return redirect(url_for(".timeline", match_id=match.id))
    return render_template("mentorship/log.html", match=match, form=form), (
        400 if form.errors else 200
    )


@bp.route("/matches/<int:match_id>/meetings/<int:meeting_id>/confirm", methods=["POST"])
@role_required("trainee", "mentor")
def confirm(match_id: int, meeting_id: int):
    match, _side = _my_match_or_404(match_id)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.match_id != match.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        commit_change(
            lambda: confirm_meeting(meeting, person=current_user),
            "Meeting confirmed.",
            errors=(MentorshipError,),
            refused_category="info",
        )
    return redirect(url_for(".timeline", match_id=match.id))


@bp.route("/matches/<int:match_id>/check-in", methods=["GET", "POST"])
@role_required("trainee", "mentor")
def check_in(match_id: int):
    match, _side = _my_match_or_404(match_id)
    form = CheckInForm()
    if form.validate_on_submit() and commit_change(
        lambda: answer_checkin(
            match,
            person=current_user,
            rating=int(form.rating.data),
            comment=form.comment.data,
            not_a_good_fit=form.not_a_good_fit.data,
        ),
        "Thank you. Your check-in went to the program team only."
        + (" They will be in touch about a different match." if form.not_a_good_fit.data else ""),
        errors=(MentorshipError,),
    ):
        return redirect(url_for(".timeline", match_id=match.id))
    return render_template("mentorship/check_in.html", match=match, form=form), (
        400 if form.errors else 200
    )


@bp.route("/admin/matches/<int:match_id>/timeline")
@read_only
@admin_required
def admin_timeline(match_id: int):
    match = db.get_or_404(Match, match_id)
    checkins = db.session.scalars(
        db.select(CheckIn)
        .where(CheckIn.match_id == match.id)
        .order_by(CheckIn.answered_at.desc(), CheckIn.id.desc())
    ).all()
    state = pair_state(match.id)
    today = utcnow().date()
    return render_template(
        "mentorship/admin_timeline.html",
        match=match,
        state=state,
        health=state.health(today) if state else None,
        risks=state.risks(today) if state else [],
        meetings=_meetings(match),
        checkins=checkins,
        formats=FORMAT_CHOICES,
        history=history(match),
        labels=HEALTH_LABELS,
    )
