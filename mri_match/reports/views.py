"""Report pages for admins: a cycle's charts and tables, a proposal set's equity audit, and the
alumni outcomes across cycles."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..access import admin_required
from ..extensions import db, read_only
from ..models import MatchRun
from ..spreadsheet import to_csv
from ..web import download, get_cycle
from . import cycle_reports, outcomes
from .equity import SUPPRESSED, TABLE_HEADER, equity_audit, table_rows

bp = Blueprint("reports", __name__)


@bp.route("/admin/cycles/<slug>/reports")
@admin_required
def cycle_reports_page(slug: str):
    cycle = get_cycle(slug)
    reports = [build(cycle) for build in cycle_reports.REPORTS.values()]
    return render_template("reports/cycle.html", cycle=cycle, reports=reports)


@bp.route("/admin/cycles/<slug>/reports/<name>.csv")
@admin_required
def cycle_report_csv(slug: str, name: str):
    build = cycle_reports.REPORTS.get(name)
    if build is None:
        abort(404)
    report = build(get_cycle(slug))
    return download(to_csv(report.header, report.rows), f"{slug}-{name}.csv")


def _audit(run_id: int):
    """The run and its equity audit; the read of self-identification is logged and committed."""
    run = db.get_or_404(MatchRun, run_id)
    audit = equity_audit(run, actor=current_user)
    db.session.commit()  # the access log entry
    return run, audit


@bp.route("/admin/runs/<int:run_id>/equity")
@admin_required
def equity(run_id: int):
    run, audit = _audit(run_id)
    return render_template("reports/equity.html", run=run, audit=audit, suppressed=SUPPRESSED)


@bp.route("/admin/runs/<int:run_id>/equity.csv")
@admin_required
def equity_csv(run_id: int):
    run, audit = _audit(run_id)
    return download(to_csv(TABLE_HEADER, table_rows(audit)), f"run-{run.id}-equity.csv")


@bp.route("/admin/reports/outcomes")
@read_only
@admin_required
def outcomes_page():
    report = outcomes.outcomes_report()
    return render_template(
        "reports/outcomes.html",
        report=report,
        chart=outcomes.chart(report),
        suppressed=SUPPRESSED,
    )


@bp.route("/admin/reports/outcomes.csv")
@read_only
@admin_required
def outcomes_csv():
    report = outcomes.outcomes_report()
    return download(to_csv(outcomes.TABLE_HEADER, outcomes.table_rows(report)), "outcomes.csv")
