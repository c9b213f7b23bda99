"""Reviewing a run: the list of its proposals (filtered, sorted, a page at a time), one
proposal with its alternatives, and the admin's decisions on it (confirm, reject, swap, lock,
what to do for a trainee left unmatched)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import admin_required
from ..engine.inputs import MUST_HAVE_RULES
from ..extensions import db, read_only
from ..forms import EmptyForm, as_id
from ..models import MatchRun, MentorProfile, history
from ..web import paginate
from . import bp, decisions, jobs, queries
from .forms import (
    OBJECTIVE_CHOICES,
    SAME_INSTITUTION_CHOICES,
    BulkConfirmForm,
    MentorSearchForm,
    OptionalReasonForm,
    OutcomeForm,
    ProposalFilterForm,
    RejectForm,
    SwapForm,
)
from .view_helpers import decide, notify

PROPOSALS_PER_PAGE = 50


def _back_to_proposal(proposal_id: int):
    return redirect(url_for("matches.proposal", proposal_id=proposal_id))


# --- a run's proposals ----------------------------------------------------------------------------


@bp.route("/admin/runs/<int:run_id>")
@read_only
@admin_required
def run(run_id: int):
    match_run = db.get_or_404(MatchRun, run_id)
    filters = ProposalFilterForm(request.args)
    counts = queries.status_counts(match_run)
    filtered = queries.is_filtered(filters.data)
    page = paginate(
        queries.filtered_proposals(match_run, filters.data),
        per_page=PROPOSALS_PER_PAGE,
        count=filtered,  # unfiltered, the total is the sum of the counts per status
    )
    if not filtered:
        page.total = sum(counts.values())
    places = decisions.remaining_capacity(
        match_run.cycle_id, mentor_ids={p.mentor_id for p in page.items if p.mentor_id}
    )
    return render_template(
        "matches/run.html",
        run=match_run,
        stalled=jobs.is_stalled(match_run) if match_run.status == "running" else False,
        page=page,
        filters=filters,
        places=places,
        bulk=BulkConfirmForm(),
        button=EmptyForm(),
        counts=counts,
        locked=queries.locked_count(match_run),
        objectives=OBJECTIVE_CHOICES,
        institution_policies=SAME_INSTITUTION_CHOICES,
        must_have_rules=MUST_HAVE_RULES,
    )


@bp.route("/admin/runs/<int:run_id>/confirm", methods=["POST"])
@admin_required
def bulk_confirm(run_id: int):
    match_run = db.get_or_404(MatchRun, run_id)
    form = BulkConfirmForm()
    back = redirect(request.referrer or url_for("matches.run", run_id=run_id))
    if not form.validate_on_submit():
        flash("Enter a score between 0 and 100, or select rows to confirm.", "danger")
        return back
    selected = [n for n in map(as_id, request.form.getlist("proposal")) if n is not None]
    above = request.form.get("mode") == "above"
    if above and form.min_score.data is not None:
        proposals = queries.confirmable(match_run, min_score=form.min_score.data / 100)
    elif not above and selected:
        proposals = queries.confirmable(match_run, ids=selected)
    else:
        flash("Select rows to confirm, or enter a minimum score.", "danger")
        return back
    matches, problems = decisions.confirm_many(proposals, actor=current_user)
    db.session.commit()
    notify(matches)
    flash(f"Confirmed {len(matches)} match{'es' if len(matches) != 1 else ''}.", "success")
    for problem in problems[:10]:
        flash(f"Not confirmed: {problem}", "warning")
    return back


# --- one proposal ---------------------------------------------------------------------------------


@bp.route("/admin/proposals/<int:proposal_id>")
@read_only
@admin_required
def proposal(proposal_id: int):
    item = queries.get_proposal(proposal_id)
    places = decisions.remaining_capacity(item.run.cycle_id)
    mentors = queries.mentors_by_id([a["mentor_id"] for a in item.alternatives])
    search = MentorSearchForm(request.args)
    found = None
    if search.mentor_q.data is not None:
        found = queries.mentors_with_room(
            item.run.cycle_id, item.run.role, search.mentor_q.data, places
        )
    return render_template(
        "matches/proposal.html",
        proposal=item,
        application=item.application,
        mentor=item.mentor,
        places=places,
        alternatives=[(a, mentors.get(a["mentor_id"])) for a in item.alternatives],
        search=search,
        found=found,
        outcome=queries.unmatched_outcome(item),
        lock_form=OptionalReasonForm(),
        swap_form=SwapForm(),
        outcome_form=OutcomeForm(),
        button=EmptyForm(),
        history=history(item),
    )


@bp.route("/admin/proposals/<int:proposal_id>/confirm", methods=["POST"])
@admin_required
def confirm(proposal_id: int):
    item = queries.get_proposal(proposal_id)
    if EmptyForm().validate_on_submit():
        decide(
            lambda: decisions.confirm_proposal(item, actor=current_user),
            "Match confirmed; both people have been emailed.",
        )
    return redirect(request.referrer or url_for("matches.proposal", proposal_id=proposal_id))


def _still_open(item) -> bool:
    """A proposal with a mentor that nobody has decided yet; else say so."""
    if item.status == "open" and item.mentor_id is not None:
        return True
    flash("This proposal has already been decided.", "info")
    return False


@bp.route("/admin/proposals/<int:proposal_id>/reject", methods=["GET", "POST"])
@admin_required
def reject(proposal_id: int):
    """The page that says what rejecting a pair does; its button rejects it."""
    item = queries.get_proposal(proposal_id)
    if not _still_open(item):
        return _back_to_proposal(proposal_id)
    form = RejectForm()
    if form.validate_on_submit():
        decide(
            lambda: decisions.reject_proposal(item, actor=current_user, reason=form.reason.data),
            "Pair rejected; later runs will not propose it.",
            notify_people=False,
        )
        return _back_to_proposal(proposal_id)
    return render_template(
        "matches/confirm_reject.html", proposal=item, form=form
    ), 400 if form.errors else 200


@bp.route("/admin/proposals/<int:proposal_id>/swap", methods=["POST"])
@admin_required
def swap(proposal_id: int):
    item = queries.get_proposal(proposal_id)
    form = SwapForm()
    mentor_id = as_id(form.mentor_id.data)
    if form.validate_on_submit() and mentor_id is not None:
        mentor = db.session.get(MentorProfile, mentor_id)
        if mentor is None:
            abort(404)
        decide(
            lambda: decisions.swap_proposal(
                item, mentor, actor=current_user, reason=form.reason.data
            ),
            f"Swapped: {item.application.full_name} is matched with {mentor.full_name}.",
        )
    else:
        flash("Choose a mentor to swap to.", "danger")
    return _back_to_proposal(proposal_id)


@bp.route("/admin/proposals/<int:proposal_id>/lock", methods=["POST"])
@admin_required
def lock(proposal_id: int):
    item = queries.get_proposal(proposal_id)
    form = OptionalReasonForm()
    if form.validate_on_submit():
        if item.locked:
            flash("This pair is already locked.", "info")
        else:
            decide(
                lambda: decisions.lock_proposal(item, actor=current_user, reason=form.reason.data),
                "Locked: a re-solve keeps this pair.",
                notify_people=False,
            )
    return redirect(request.referrer or url_for("matches.proposal", proposal_id=proposal_id))


@bp.route("/admin/proposals/<int:proposal_id>/unlock", methods=["GET", "POST"])
@admin_required
def unlock(proposal_id: int):
    """The page that says what unlocking a pair does; its button unlocks it."""
    item = queries.get_proposal(proposal_id)
    if not item.locked:
        flash("This pair is not locked.", "info")
        return _back_to_proposal(proposal_id)
    form = EmptyForm()
    if form.validate_on_submit():
        decide(
            lambda: decisions.unlock_proposal(item, actor=current_user),
            "Unlocked: a re-solve may change this pair.",
            notify_people=False,
        )
        return _back_to_proposal(proposal_id)
    return render_template("matches/confirm_unlock.html", proposal=item, form=form)


@bp.route("/admin/proposals/<int:proposal_id>/outcome", methods=["POST"])
@admin_required
def outcome(proposal_id: int):
    item = queries.get_proposal(proposal_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        decide(
            lambda: decisions.record_unmatched_outcome(
                item.application,
                item.run.role,
                form.kind.data,
                actor=current_user,
                reason=form.reason.data,
            ),
            "Decision recorded.",
            notify_people=False,
        )
    else:
        flash("Choose what to do and give a note.", "danger")
    return _back_to_proposal(proposal_id)
