"""Matching runs: the settings form that starts one (inline or in the background), re-solving
with the same settings, and retrying a run whose worker stopped."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import admin_required
from ..extensions import db
from ..forms import EmptyForm
from ..models import Cycle, MatchRun
from ..web import get_cycle
from . import bp, jobs, queries, runs
from .forms import RunSettingsForm


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
    cycle = get_cycle(slug)
    form = RunSettingsForm()
    runnable = cycle.status in runs.RUNNABLE_CYCLE_STATES
    if form.validate_on_submit():
        settings = form.engine_settings()
        if runnable and jobs.needs_background(cycle, settings):
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
    return render_template(
        "matches/runs.html",
        cycle=cycle,
        form=form,
        runs=queries.runs_of(cycle),
        runnable=runnable,
    )


@bp.route("/admin/runs/<int:run_id>/resolve", methods=["POST"])
@admin_required
def resolve(run_id: int):
    """Re-solve with the same settings: locked pairs stay, rejected pairs stay out."""
    earlier = db.get_or_404(MatchRun, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    new_run = _run_or_flash(earlier.cycle, dict(earlier.settings))
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
