"""Running matching, reviewing proposals, confirmed matches and what both people see."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.orm import defer, joinedload, selectinload

from .. import vocabulary
from ..access import admin_required, role_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..models import (
    PROPOSAL_REVIEW_ORDER,
    Application,
    AuditEvent,
    Cycle,
    Match,
    MatchRun,
    MentorOffer,
    MentorProfile,
    Proposal,
    RematchRequest,
    TransitionError,
    UnmatchedOutcome,
    history,
)
from . import decisions, jobs, runs
from .export import matches_csv
from .forms import (
    BulkConfirmForm,
    MentorSearchForm,
    OptionalReasonForm,
    OutcomeForm,
    ProposalFilterForm,
    ReasonForm,
    RunSettingsForm,
    SwapForm,
)
from .notify import notify_match

bp = Blueprint("matches", __name__)

PROPOSALS_PER_PAGE = 50


@bp.context_processor
def _helpers():
    return {
        "vocab": vocabulary,
        "label": vocabulary.label,
        "topic_labels": vocabulary.topic_labels(),
    }


def _page_number() -> int:
    """The ?page= asked for, kept where an OFFSET cannot overflow PostgreSQL's bigint."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)


def _as_id(value) -> int | None:
    """A posted row id, or None: "²" passes isdigit() but not int(), and ids fit 32 bits."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def _cycle_or_404(slug: str) -> Cycle:
    return db.first_or_404(db.select(Cycle).filter_by(slug=slug))


def _proposal_or_404(proposal_id: int) -> Proposal:
    return db.first_or_404(
        db.select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.run),
            joinedload(Proposal.application).joinedload(Application.trainee),
            joinedload(Proposal.mentor).joinedload(MentorProfile.user),
        )
    )


def _commit_and_notify(matches: list[Match]) -> None:
    db.session.commit()
    for match in matches:
        notify_match(match)


def _decide(action, success: str, *, notify: bool = True) -> bool:
    """Run one decision in its own transaction; a refused one changes nothing."""
    try:
        result = action()
    except (decisions.DecisionError, TransitionError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return False
    if notify:
        _commit_and_notify([result] if isinstance(result, Match) else [])
    else:
        db.session.commit()
    flash(success, "success")
    return True


# --- runs ---------------------------------------------------------------------------------------


def _run_or_flash(cycle: Cycle, settings: dict) -> MatchRun | None:
    try:
        return runs.run_matching(cycle, settings, actor=current_user)
    except runs.RunError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    except Exception as exc:  # the run is recorded as failed with the reason; nothing half-saved
        current_app.logger.exception("Matching run failed")
        flash(f"Matching failed and nothing was saved: {exc}", "danger")
    return None


@bp.route("/admin/cycles/<slug>/runs", methods=["GET", "POST"])
@admin_required
def runs_page(slug: str):
    cycle = _cycle_or_404(slug)
    form = RunSettingsForm()
    if form.validate_on_submit():
        settings = form.engine_settings()
        if cycle.status in runs.RUNNABLE_CYCLE_STATES and jobs.needs_background(cycle, settings):
            run = jobs.enqueue_run(cycle, settings, actor=current_user)
            flash(
                "This is a large cycle: matching runs in the background. You may leave this page.",
                "info",
            )
            return redirect(url_for("matches.run", run_id=run.id))
        run = _run_or_flash(cycle, settings)
        if run is not None:
            s = run.summary
            flash(
                f"Matching finished: {s['matched']} matched, {s['unmatched']} unmatched.",
                "success",
            )
            return redirect(url_for("matches.run", run_id=run.id))
    past_runs = db.session.scalars(
        db.select(MatchRun).filter_by(cycle_id=cycle.id).order_by(MatchRun.created_at.desc())
    ).all()
    return render_template(
        "matches/runs.html",
        cycle=cycle,
        form=form,
        runs=past_runs,
        runnable=cycle.status in runs.RUNNABLE_CYCLE_STATES,
    )


def _filtered_proposals(run: MatchRun, filters: ProposalFilterForm):
    """The run's proposals, filtered and sorted as asked, without the wide JSON columns.

    Trainee and mentor rows are joined only when a filter or the sort needs them, so the default
    list is read from ix_proposal_run_review_order a page at a time; the people on the page come
    in separate IN queries (benchmarks/load.py measured the joined sort of a 10,000-row run).
    """
    stmt = (
        db.select(Proposal)
        .where(Proposal.run_id == run.id)
        .options(
            defer(Proposal.explanation),
            defer(Proposal.alternatives),
            selectinload(Proposal.application).joinedload(Application.trainee),
            selectinload(Proposal.mentor),
        )
    )
    data = filters.data
    if data.get("q") or data.get("stage") or data.get("topic") or data.get("sort") == "name":
        stmt = stmt.join(Application, Proposal.application_id == Application.id)
    if data.get("q"):
        like = f"%{data['q']}%"
        stmt = stmt.outerjoin(MentorProfile, Proposal.mentor_id == MentorProfile.id).where(
            or_(Application.full_name.ilike(like), MentorProfile.full_name.ilike(like))
        )
    if data.get("stage") in dict(vocabulary.CAREER_STAGES):
        stmt = stmt.where(Application.career_stage == data["stage"])
    if data.get("topic") in vocabulary.topic_labels():
        from ..models import ApplicationTopic

        stmt = stmt.where(
            db.select(ApplicationTopic.application_id)
            .where(
                ApplicationTopic.application_id == Application.id,
                ApplicationTopic.topic == data["topic"],
            )
            .exists()
        )
    status = data.get("status")
    if status == "unmatched":
        stmt = stmt.where(Proposal.mentor_id.is_(None))
    elif status in ("open", "confirmed", "rejected", "swapped"):
        stmt = stmt.where(Proposal.status == status)
    order = {
        "score_desc": [Proposal.score.desc().nulls_last(), Proposal.id],
        "score_asc": [Proposal.score.asc().nulls_first(), Proposal.id],
        "name": [Application.full_name, Proposal.id],
    }.get(data.get("sort"), PROPOSAL_REVIEW_ORDER)
    return stmt.order_by(*order)


@bp.route("/admin/runs/<int:run_id>")
@read_only
@admin_required
def run(run_id: int):
    match_run = db.get_or_404(MatchRun, run_id)
    filters = ProposalFilterForm(request.args)
    counts = dict(
        db.session.execute(
            db.select(Proposal.status, db.func.count())
            .where(Proposal.run_id == match_run.id)
            .group_by(Proposal.status)
        ).all()
    )
    filtered = any(filters.data.get(name) for name in ("q", "stage", "topic", "status"))
    page = db.paginate(
        _filtered_proposals(match_run, filters),
        page=_page_number(),
        per_page=PROPOSALS_PER_PAGE,
        error_out=False,
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
    stmt = (
        db.select(Proposal)
        .where(
            Proposal.run_id == match_run.id,
            Proposal.status == "open",
            Proposal.mentor_id.is_not(None),
        )
        .options(joinedload(Proposal.application), joinedload(Proposal.mentor))
        .order_by(Proposal.score.desc(), Proposal.id)
    )
    selected = [n for n in map(_as_id, request.form.getlist("proposal")) if n is not None]
    if request.form.get("mode") == "above" and form.min_score.data is not None:
        stmt = stmt.where(Proposal.score >= form.min_score.data / 100 - 1e-9)
    elif request.form.get("mode") != "above" and selected:
        stmt = stmt.where(Proposal.id.in_(selected))
    else:
        flash("Select rows to confirm, or enter a minimum score.", "danger")
        return back
    proposals = db.session.scalars(stmt).unique().all()
    matches, problems = decisions.confirm_many(proposals, actor=current_user)
    _commit_and_notify(matches)
    flash(f"Confirmed {len(matches)} match{'es' if len(matches) != 1 else ''}.", "success")
    for problem in problems[:10]:
        flash(f"Not confirmed: {problem}", "warning")
    return back


@bp.route("/admin/runs/<int:run_id>/resolve", methods=["POST"])
@admin_required
def resolve(run_id: int):
    """Re-solve with the same settings: locked pairs stay, rejected pairs stay out."""
    previous = db.get_or_404(MatchRun, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    new_run = _run_or_flash(previous.cycle, dict(previous.settings))
    if new_run is None:
        return redirect(url_for("matches.run", run_id=run_id))
    flash("Re-solved with locked pairs kept and rejected pairs left out.", "success")
    return redirect(url_for("matches.run", run_id=new_run.id))


@bp.route("/admin/runs/<int:run_id>/retry", methods=["POST"])
@admin_required
def retry(run_id: int):
    """Retry a run whose worker stopped before finishing."""
    stalled_run = db.get_or_404(MatchRun, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        new_run = jobs.retry_stalled(stalled_run, actor=current_user)
    except runs.RunError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matches.run", run_id=run_id))
    flash("The run was queued again.", "info")
    return redirect(url_for("matches.run", run_id=new_run.id))


# --- one proposal -------------------------------------------------------------------------------


def _mentors_with_room(cycle_id: int, role: str, query: str | None, places: dict[int, int]):
    stmt = (
        db.select(MentorProfile)
        .join(MentorOffer, MentorOffer.mentor_id == MentorProfile.id)
        .where(MentorOffer.cycle_id == cycle_id, MentorOffer.status == "active")
        .order_by(MentorProfile.full_name)
    )
    if query:
        like = f"%{query}%"
        stmt = stmt.where(
            or_(MentorProfile.full_name.ilike(like), MentorProfile.institution.ilike(like))
        )
    offers = {
        o.mentor_id: o
        for o in db.session.scalars(db.select(MentorOffer).filter_by(cycle_id=cycle_id))
    }
    found = db.session.scalars(stmt.limit(200)).all()
    return [m for m in found if places.get(m.id, 0) > 0 and role in (offers[m.id].roles or [])][:20]


@bp.route("/admin/proposals/<int:proposal_id>")
@read_only
@admin_required
def proposal(proposal_id: int):
    item = _proposal_or_404(proposal_id)
    places = decisions.remaining_capacity(item.run.cycle_id)
    alternative_ids = [a["mentor_id"] for a in item.alternatives]
    mentors = {
        m.id: m
        for m in db.session.scalars(
            db.select(MentorProfile).where(MentorProfile.id.in_(alternative_ids))
        )
    }
    search = MentorSearchForm(request.args)
    found = (
        _mentors_with_room(item.run.cycle_id, item.run.role, search.mentor_q.data, places)
        if search.mentor_q.data is not None
        else None
    )
    outcome = db.session.scalar(
        db.select(UnmatchedOutcome).filter_by(
            application_id=item.application_id, role=item.run.role
        )
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
        outcome=outcome,
        reject_form=ReasonForm(),
        lock_form=OptionalReasonForm(),
        swap_form=SwapForm(),
        outcome_form=OutcomeForm(),
        button=EmptyForm(),
        history=history(item),
    )


@bp.route("/admin/proposals/<int:proposal_id>/confirm", methods=["POST"])
@admin_required
def confirm(proposal_id: int):
    item = _proposal_or_404(proposal_id)
    if EmptyForm().validate_on_submit():
        _decide(
            lambda: decisions.confirm_proposal(item, actor=current_user),
            "Match confirmed; both people have been emailed.",
        )
    return redirect(request.referrer or url_for("matches.proposal", proposal_id=proposal_id))


@bp.route("/admin/proposals/<int:proposal_id>/reject", methods=["POST"])
@admin_required
def reject(proposal_id: int):
    item = _proposal_or_404(proposal_id)
    form = ReasonForm()
    if form.validate_on_submit():
        _decide(
            lambda: decisions.reject_proposal(item, actor=current_user, reason=form.reason.data),
            "Pair rejected; later runs will not propose it.",
            notify=False,
        )
    else:
        flash("Give a reason for rejecting this pair (up to 1,000 characters).", "danger")
    return redirect(url_for("matches.proposal", proposal_id=proposal_id))


@bp.route("/admin/proposals/<int:proposal_id>/swap", methods=["POST"])
@admin_required
def swap(proposal_id: int):
    item = _proposal_or_404(proposal_id)
    form = SwapForm()
    mentor_id = _as_id(form.mentor_id.data)
    if form.validate_on_submit() and mentor_id is not None:
        mentor = db.session.get(MentorProfile, mentor_id)
        if mentor is None:
            abort(404)
        _decide(
            lambda: decisions.swap_proposal(
                item, mentor, actor=current_user, reason=form.reason.data
            ),
            f"Swapped: {item.application.full_name} is matched with {mentor.full_name}.",
        )
    else:
        flash("Choose a mentor to swap to.", "danger")
    return redirect(url_for("matches.proposal", proposal_id=proposal_id))


@bp.route("/admin/proposals/<int:proposal_id>/lock", methods=["POST"])
@admin_required
def lock(proposal_id: int):
    item = _proposal_or_404(proposal_id)
    form = OptionalReasonForm()
    if form.validate_on_submit():
        if item.locked:
            _decide(
                lambda: decisions.unlock_proposal(item, actor=current_user),
                "Unlocked.",
                notify=False,
            )
        else:
            _decide(
                lambda: decisions.lock_proposal(item, actor=current_user, reason=form.reason.data),
                "Locked: a re-solve keeps this pair.",
                notify=False,
            )
    return redirect(request.referrer or url_for("matches.proposal", proposal_id=proposal_id))


@bp.route("/admin/proposals/<int:proposal_id>/outcome", methods=["POST"])
@admin_required
def outcome(proposal_id: int):
    item = _proposal_or_404(proposal_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        _decide(
            lambda: decisions.record_unmatched_outcome(
                item.application,
                item.run.role,
                form.kind.data,
                actor=current_user,
                reason=form.reason.data,
            ),
            "Decision recorded.",
            notify=False,
        )
    else:
        flash("Choose what to do and give a note.", "danger")
    return redirect(url_for("matches.proposal", proposal_id=proposal_id))


# --- confirmed matches, re-match queue, audit ---------------------------------------------------


@bp.route("/admin/cycles/<slug>/matches")
@read_only
@admin_required
def cycle_matches(slug: str):
    cycle = _cycle_or_404(slug)
    page = db.paginate(
        db.select(Match)
        .where(Match.cycle_id == cycle.id)
        .options(joinedload(Match.application), joinedload(Match.mentor))
        .order_by(Match.status, Match.confirmed_at.desc(), Match.id),
        page=_page_number(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("matches/cycle_matches.html", cycle=cycle, page=page)


@bp.route("/admin/cycles/<slug>/matches.csv")
@admin_required
def export_matches(slug: str):
    cycle = _cycle_or_404(slug)
    return Response(
        matches_csv(cycle).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{cycle.slug}-matches.csv"'},
    )


@bp.route("/admin/matches/<int:match_id>", methods=["GET", "POST"])
@admin_required
def admin_match(match_id: int):
    match = db.get_or_404(Match, match_id)
    form = ReasonForm()
    if form.validate_on_submit() and _decide(
        lambda: decisions.end_match(match, actor=current_user, reason=form.reason.data),
        "Match ended.",
        notify=False,
    ):
        return redirect(url_for("matches.admin_match", match_id=match_id))
    return render_template(
        "matches/admin_match.html", match=match, form=form, history=history(match)
    )


@bp.route("/admin/rematch-requests")
@read_only
@admin_required
def rematch_queue():
    requests_ = (
        db.session.scalars(
            db.select(RematchRequest)
            .options(joinedload(RematchRequest.match))
            .order_by(RematchRequest.status != "open", RematchRequest.created_at.desc())
            .limit(200)
        )
        .unique()
        .all()
    )
    return render_template("matches/rematch_queue.html", requests=requests_, form=ReasonForm())


@bp.route("/admin/rematch-requests/<int:request_id>/<action>", methods=["POST"])
@admin_required
def resolve_rematch(request_id: int, action: str):
    item = db.get_or_404(RematchRequest, request_id)
    if action not in ("end", "decline"):
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        _decide(
            lambda: decisions.resolve_rematch(
                item, actor=current_user, end=action == "end", resolution=form.reason.data
            ),
            "Request resolved.",
            notify=False,
        )
    else:
        flash("Say how the request was resolved.", "danger")
    return redirect(url_for("matches.rematch_queue"))


@bp.route("/admin/audit")
@read_only
@admin_required
def audit():
    entity = request.args.get("entity") or None
    stmt = db.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if entity:
        stmt = stmt.where(AuditEvent.entity_type == entity)
    page = db.paginate(
        stmt,
        page=_page_number(),
        per_page=50,
        error_out=False,
    )
    return render_template("matches/audit.html", page=page, entity=entity)


# --- what the two people see --------------------------------------------------------------------


def _my_match_or_404(match_id: int) -> Match:
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
    match = _my_match_or_404(match_id)
    form = ReasonForm()
    if form.validate_on_submit() and _decide(
        lambda: decisions.request_rematch(match, person=current_user, reason=form.reason.data),
        "Your request has been sent to the program team.",
        notify=False,
    ):
        return redirect(url_for("matches.my_match", match_id=match_id))
    open_request = db.session.scalar(
        db.select(RematchRequest).filter_by(match_id=match.id, status="open")
    )
    return render_template(
        "matches/my_match.html", match=match, form=form, open_request=open_request
    )
