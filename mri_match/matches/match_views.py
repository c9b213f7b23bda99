"""Confirmed matches: a cycle's list and its CSV export, ending a match, the re-match queue,
the audit log, and the page where each of the two people sees their match."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import admin_required, role_required
from ..extensions import db, read_only
from ..models import Match, RematchRequest, history
from ..web import download, get_cycle, paginate
from . import bp, decisions, lifecycle, queries
from .export import matches_csv
from .forms import AcceptForm, ReasonForm, ResolutionForm
from .view_helpers import decide

AUDIT_PER_PAGE = 50


@bp.route("/admin/cycles/<slug>/matches")
@read_only
@admin_required
def cycle_matches(slug: str):
    cycle = get_cycle(slug)
    page = paginate(queries.matches_in(cycle))
    return render_template("matches/cycle_matches.html", cycle=cycle, page=page)


@bp.route("/admin/cycles/<slug>/matches.csv")
@admin_required
def export_matches(slug: str):
    cycle = get_cycle(slug)
    return download(matches_csv(cycle), f"{cycle.slug}-matches.csv")


@bp.route("/admin/matches/<int:match_id>", methods=["GET", "POST"])
@admin_required
def admin_match(match_id: int):
    """The match; a POST (from the page :func:`end_match` shows) ends it."""
    match = db.get_or_404(Match, match_id)
    form = ReasonForm()
    if form.validate_on_submit() and decide(
        lambda: lifecycle.end_by_admin(match, actor=current_user, reason=form.reason.data),
        "Match ended.",
        notify_people=False,
    ):
        return redirect(url_for("matches.admin_match", match_id=match_id))
    if form.errors:
        return render_template("matches/confirm_end.html", match=match, form=form), 400
    return render_template("matches/admin_match.html", match=match, history=history(match))


@bp.route("/admin/matches/<int:match_id>/end")
@read_only
@admin_required
def end_match(match_id: int):
    """The page that says what ending a match does; its button posts to the match page."""
    match = db.get_or_404(Match, match_id)
    if not match.is_live:
        flash("This match has already ended.", "info")
        return redirect(url_for("matches.admin_match", match_id=match_id))
    return render_template("matches/confirm_end.html", match=match, form=ReasonForm(formdata=None))


@bp.route("/admin/rematch-requests")
@read_only
@admin_required
def rematch_queue():
    return render_template("matches/rematch_queue.html", requests=queries.rematch_requests())


@bp.route("/admin/rematch-requests/<int:request_id>/<action>", methods=["GET", "POST"])
@admin_required
def resolve_rematch(request_id: int, action: str):
    """The page that says what ending the match (or keeping it) does; its button does it."""
    item = db.get_or_404(RematchRequest, request_id)
    if action not in ("end", "decline"):
        abort(404)
    if item.status != "open":
        flash("This request has already been resolved.", "info")
        return redirect(url_for("matches.rematch_queue"))
    form = ResolutionForm()
    if form.validate_on_submit():
        decide(
            lambda: lifecycle.resolve_rematch(
                item, actor=current_user, end=action == "end", resolution=form.reason.data
            ),
            "Request resolved.",
            notify_people=False,
        )
        return redirect(url_for("matches.rematch_queue"))
    return render_template(
        "matches/confirm_rematch.html", rematch=item, ending=action == "end", form=form
    ), 400 if form.errors else 200


@bp.route("/admin/audit")
@read_only
@admin_required
def audit():
    entity = request.args.get("entity") or None
    page = paginate(queries.audit_events(entity), per_page=AUDIT_PER_PAGE)
    return render_template("matches/audit.html", page=page, entity=entity)


# --- what the two people see --------------------------------------------------------------------


def my_match_or_404(match_id: int) -> Match:
    """The signed-in trainee's or mentor's own match; anyone else's (or none) answers 404."""
    match = db.get_or_404(Match, match_id)
    mine = (
        match.application.trainee_id == current_user.id
        if current_user.role == "trainee"
        else match.mentor.user_id == current_user.id
    )
    if not mine:
        abort(404)
    return match


@bp.route("/matches/<int:match_id>", methods=["GET", "POST"])
@role_required("trainee", "mentor")
def my_match(match_id: int):
    match = my_match_or_404(match_id)
    form = ReasonForm()
    if form.validate_on_submit() and decide(
        lambda: decisions.request_rematch(match, person=current_user, reason=form.reason.data),
        "Your request has been sent to the program team.",
        notify_people=False,
    ):
        return redirect(url_for("matches.my_match", match_id=match_id))
    return render_my_match(match, form=form)


def render_my_match(match: Match, *, form=None, accept_form=None) -> str:
    """The match as one of its two people sees it: while it is offered, the mentor sees the
    trainee without contact details and answers; the trainee sees that the mentor is asked."""
    if accept_form is None and match.status == "offered":
        profile = match.mentor
        accept_form = AcceptForm(formdata=None, timezone=profile.timezone)
    return render_template(
        "matches/my_match.html",
        match=match,
        form=form or ReasonForm(formdata=None),
        accept_form=accept_form,
        answer_error=lifecycle.answer_error(match) if match.status == "offered" else None,
        open_request=queries.open_rematch_request(match),
    )
