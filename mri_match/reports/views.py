"""Report pages for admins: a cycle's charts and tables, and a proposal set's equity audit."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..access import admin_required
from ..extensions import db
from ..models import MatchRun
from ..spreadsheet import to_csv
from ..web import download, get_cycle
from . import aggregates, cycle_reports

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


def _run_or_404(run_id: int) -> MatchRun:
    return db.get_or_404(MatchRun, run_id)


EQUITY_HEADER = [
    "Dimension",
    "Group",
    "People",
    "Match rate (%)",
    "Mean score",
    "Median score",
    "Lowest score",
]
SUPPRESSED = "fewer than 5"


def _equity_rows(audit: aggregates.EquityAudit) -> list[list]:
    def row(dimension: str, cell: aggregates.Cell) -> list:
        shown = cell.public()
        hidden = SUPPRESSED if shown["suppressed"] else None
        score_hidden = SUPPRESSED if shown["scores_suppressed"] else None
        return [
            dimension,
            shown["label"],
            hidden or shown["people"],
            hidden or shown["rate"],
            score_hidden or shown["mean"],
            score_hidden or shown["median"],
            score_hidden or shown["minimum"],
        ]

    rows = [row("Overall", audit.overall), row("Overall", audit.consenting)]
    for dimension in audit.dimensions:
        rows.extend(row(dimension.label, cell) for cell in dimension.cells)
    return rows


@bp.route("/admin/runs/<int:run_id>/equity")
@admin_required
def equity(run_id: int):
    run = _run_or_404(run_id)
    audit = aggregates.equity_audit(run, actor=current_user)
    db.session.commit()  # the access log entry
    return render_template("reports/equity.html", run=run, audit=audit, suppressed=SUPPRESSED)


@bp.route("/admin/runs/<int:run_id>/equity.csv")
@admin_required
def equity_csv(run_id: int):
    run = _run_or_404(run_id)
    audit = aggregates.equity_audit(run, actor=current_user)
    db.session.commit()  # the access log entry
    return download(to_csv(EQUITY_HEADER, _equity_rows(audit)), f"run-{run.id}-equity.csv")
