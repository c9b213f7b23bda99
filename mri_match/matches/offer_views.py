"""The mentor's answer to an offer: from the email's signed link or from the match page,
accept (proposing a first meeting) or decline (a page first that says what happens)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import mentor_required
from ..extensions import read_only
from ..models import MentorProfile
from . import bp, lifecycle
from .forms import AcceptForm, DeclineForm
from .match_views import my_match_or_404, render_my_match
from .offer_links import match_from_token
from .view_helpers import decide


@bp.route("/offers/<token>")
@read_only
@mentor_required
def offer_link(token: str):
    """The email's link: the offer's page once the mentor is signed in as its mentor."""
    match = match_from_token(token, current_user)
    if match is None:
        return render_template("matches/offer_link_invalid.html"), 400
    problem = lifecycle.answer_error(match)
    if problem:
        flash(problem, "info")
    return redirect(url_for("matches.my_match", match_id=match.id))


def _timezone() -> str | None:
    profile = MentorProfile.of_user(current_user)
    return profile.timezone if profile else None


@bp.route("/matches/<int:match_id>/accept", methods=["POST"])
@mentor_required
def accept_offer(match_id: int):
    match = my_match_or_404(match_id)
    form = AcceptForm(timezone=_timezone())
    if not form.validate_on_submit():
        return render_my_match(match, accept_form=form), 400
    decide(
        lambda: lifecycle.accept_offer(
            match, actor=current_user, first_meeting_at=form.first_meeting_at
        ),
        "You have accepted. You and your trainee have been emailed each other's details.",
        notify_people=False,
    )
    return redirect(url_for("matches.my_match", match_id=match_id))


@bp.route("/matches/<int:match_id>/decline", methods=["GET", "POST"])
@mentor_required
def decline_offer(match_id: int):
    """The page that says what declining does; its button declines."""
    match = my_match_or_404(match_id)
    problem = lifecycle.answer_error(match)
    if problem:
        flash(problem, "info")
        return redirect(url_for("matches.my_match", match_id=match_id))
    form = DeclineForm()
    if form.validate_on_submit():
        decide(
            lambda: lifecycle.decline_offer(match, actor=current_user, reason=form.reason.data),
            "You have declined. Thank you for letting us know; your place is free again.",
            notify_people=False,
        )
        return redirect(url_for("mentor.dashboard"))
    return render_template(
        "matches/confirm_decline.html", match=match, form=form
    ), 400 if form.errors else 200
