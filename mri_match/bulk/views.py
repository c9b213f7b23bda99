"""Admin pages: import trainees or mentors into a cycle, templates, and per-cycle exports."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import admin_required
from ..embeddings import service as embeddings
from ..extensions import db
from ..forms import EmptyForm, as_id, clean_filename
from ..web import accepts_upload, download, get_cycle
from .columns import KINDS, columns_for
from .export import applications_csv, mentors_csv, template_csv, template_xlsx
from .forms import ImportForm
from .importer import ImportRefused, awaiting_invitation, import_people, invite
from .reader import Problem, read_table
from .validate import Checked, check_table

bp = Blueprint("bulk", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@admin_required
def _admins_only():
    """Every page here needs an admin."""


def _render(cycle, form, checked: Checked | None = None, unsent=(), status=200):
    return render_template(
        "bulk/import.html",
        cycle=cycle,
        form=form,
        checked=checked,
        unsent=unsent,
        resend_form=EmptyForm(),
        kinds=KINDS,
        columns={kind: columns_for(kind) for kind in KINDS},
        max_rows=current_app.config["BULK_IMPORT_MAX_ROWS"],
    ), status


@bp.route("/cycles/<slug>/import", methods=["GET", "POST"])
@accepts_upload("BULK_IMPORT_MAX_BYTES")
@admin_required
def import_people_page(slug: str):
    cycle = get_cycle(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render(cycle, form, status=400 if form.is_submitted() else 200)

    upload = form.file.data
    source = clean_filename(upload.filename) or "a file"
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
        users = import_people(kind, cycle, checked.records, actor=current_user, source=source)
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
    embeddings.after_import(kind, [u.id for u in users], cycle.id)
    unsent = invite(users, cycle)
    skipped = checked.rows_with_problems
    flash(
        f"Imported {len(users)} {KINDS[kind].lower() if len(users) != 1 else kind}"
        + (f", skipped {skipped} row{'s' if skipped != 1 else ''} with problems" if skipped else "")
        + (
            ". Each was emailed a link to set their password."
            if not unsent
            else f". The invitation email could not be sent to {len(unsent)} of them (listed "
            "below): they are imported, and you can send their invitations again."
        ),
        "success" if not unsent else "warning",
    )
    if unsent:
        return _render(cycle, ImportForm(formdata=None), unsent=unsent)
    target = "admin.applications" if kind == "trainee" else "admin.mentors"
    return redirect(url_for(target, slug=cycle.slug))


@bp.route("/cycles/<slug>/import/invitations", methods=["POST"])
@admin_required
def resend_invitations(slug: str):
    """Send the "set your password" email again to imported people it did not reach."""
    cycle = get_cycle(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [n for n in map(as_id, request.form.getlist("user")) if n is not None]
    users = awaiting_invitation(cycle, ids)
    if not users:
        flash("Nobody here is still waiting for an invitation.", "info")
        return redirect(url_for("bulk.import_people_page", slug=cycle.slug))
    unsent = invite(users, cycle)
    sent = len(users) - len(unsent)
    if not unsent:
        flash(f"Invitation{'s' if sent != 1 else ''} sent to {sent} {_people(sent)}.", "success")
        return redirect(url_for("bulk.import_people_page", slug=cycle.slug))
    flash(
        f"Sent {sent}; the invitation email still could not be sent to {len(unsent)} "
        f"{_people(len(unsent))} (listed below). Try again later.",
        "warning",
    )
    return _render(cycle, ImportForm(formdata=None), unsent=unsent)


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


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
