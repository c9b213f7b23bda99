"""Admin pages: import trainees or mentors into a cycle, templates, and per-cycle exports."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import admin_required
from ..extensions import db
from ..web import download, get_cycle
from .columns import KINDS, columns_for
from .export import applications_csv, mentors_csv, template_csv, template_xlsx
from .forms import ImportForm
from .importer import ImportRefused, import_people, invite
from .reader import Problem, read_table
from .validate import Checked, check_table

bp = Blueprint("bulk", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@admin_required
def _admins_only():
    """Every page here needs an admin."""


def _render(cycle, form, checked: Checked | None = None, imported=None, status=200):
    return render_template(
        "bulk/import.html",
        cycle=cycle,
        form=form,
        checked=checked,
        imported=imported,
        kinds=KINDS,
        columns={kind: columns_for(kind) for kind in KINDS},
        max_rows=current_app.config["BULK_IMPORT_MAX_ROWS"],
    ), status


@bp.route("/cycles/<slug>/import", methods=["GET", "POST"])
@admin_required
def import_people_page(slug: str):
    cycle = get_cycle(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render(cycle, form, status=400 if form.is_submitted() else 200)

    upload = form.file.data
    table = read_table(
        upload.filename or "",
        upload.read(),
        max_rows=current_app.config["BULK_IMPORT_MAX_ROWS"],
        max_bytes=current_app.config["BULK_IMPORT_MAX_BYTES"],
    )
    kind = form.kind.data
    checked = check_table(kind, cycle, table)
    mode = form.mode.data
    if mode == "check":
        return _render(cycle, form, checked)
    if checked.file_problems:
        flash("Nothing was imported: the file itself has problems (listed below).", "danger")
        return _render(cycle, form, checked, status=400)
    if mode == "all" and checked.problems:
        flash(
            "Nothing was imported: some rows have problems (listed below). Correct them, or "
            "choose to import only the valid rows.",
            "danger",
        )
        return _render(cycle, form, checked, status=400)
    if not checked.records:
        flash("Nothing was imported: no row is valid.", "danger")
        return _render(cycle, form, checked, status=400)

    try:
        users = import_people(
            kind, cycle, checked.records, actor=current_user, source=upload.filename or "a file"
        )
        db.session.commit()
    except ImportRefused as error:
        db.session.rollback()
        flash(f"Nothing was imported: {error}", "danger")
        return _render(cycle, form, checked, status=400)
    except IntegrityError:  # someone registered one of these addresses a moment ago
        db.session.rollback()
        checked.problems.append(
            Problem(None, "email", "An account with one of these emails was created meanwhile.")
        )
        flash("Nothing was imported: check the file again.", "danger")
        return _render(cycle, form, checked, status=409)
    invite(users, cycle)
    skipped = checked.rows_with_problems
    flash(
        f"Imported {len(users)} {KINDS[kind].lower() if len(users) != 1 else kind}"
        + (f", skipped {skipped} row{'s' if skipped != 1 else ''} with problems" if skipped else "")
        + ". Each was emailed a link to set their password.",
        "success",
    )
    target = "admin.applications" if kind == "trainee" else "admin.mentors"
    return redirect(url_for(target, slug=cycle.slug))


@bp.route("/import/template/<kind>.<fmt>")
@admin_required
def import_template(kind: str, fmt: str):
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    name = f"mri-match-{kind}s-template.{fmt}"
    if fmt == "csv":
        return download(template_csv(kind), name)
    return download(template_xlsx(kind), name, XLSX)


@bp.route("/cycles/<slug>/export/applications.csv")
@admin_required
def export_applications(slug: str):
    cycle = get_cycle(slug)
    return download(applications_csv(cycle), f"{cycle.slug}-applications.csv")


@bp.route("/cycles/<slug>/export/mentors.csv")
@admin_required
def export_mentors(slug: str):
    cycle = get_cycle(slug)
    return download(mentors_csv(cycle), f"{cycle.slug}-mentors.csv")
