"""The pair's pages: the award's milestones, handing in a file or marking a milestone done,
the mentor's sign-off, and the download of a handed-in file (the pair and admins only)."""

import io

from flask import abort, current_app, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from ..access import role_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..mentorship.services import side_of
from ..models import Match, Milestone, TransitionError, utcnow
from ..web import accepts_upload, commit_change
from . import bp, queries, service
from .forms import SendBackForm, UploadForm
from .service import AwardError
from .storage import file_store
from .uploads import UploadRefused, check_document, megabytes, read_limited

REFUSED = (AwardError, TransitionError)


def _pair_or_404(match_id: int) -> tuple[Match, str]:
    match = db.get_or_404(Match, match_id)
    side = side_of(match, current_user)
    if side is None:
        abort(404)
    return match, side


def _milestone_or_404(match: Match, milestone_id: int) -> Milestone:
    milestone = db.get_or_404(Milestone, milestone_id)
    if milestone.match_id != match.id:
        abort(404)
    return milestone


@bp.route("/matches/<int:match_id>/award")
@read_only
@role_required("trainee", "mentor")
def pair(match_id: int):
    match, side = _pair_or_404(match_id)
    award, today = queries.pair_award(match), utcnow().date()
    return render_template(
        "awards/pair.html",
        match=match,
        side=side,
        award=award,
        line=queries.milestone_line(award, today),
        today=today,
    )


def _milestone_page(match, side, milestone, *, upload_form=None, send_back_form=None):
    status = (
        400
        if (upload_form and upload_form.errors) or (send_back_form and send_back_form.errors)
        else 200
    )
    return render_template(
        "awards/milestone.html",
        match=match,
        side=side,
        milestone=milestone,
        today=utcnow().date(),
        upload_form=upload_form or UploadForm(formdata=None),
        send_back_form=send_back_form or SendBackForm(formdata=None),
        button_form=EmptyForm(),
        max_size=megabytes(current_app.config["AWARD_UPLOAD_MAX_BYTES"]),
    ), status


@bp.route("/matches/<int:match_id>/milestones/<int:milestone_id>", methods=["GET", "POST"])
@accepts_upload("AWARD_UPLOAD_MAX_BYTES")
@role_required("trainee", "mentor")
def milestone(match_id: int, milestone_id: int):
    """The milestone; a POST hands in its file. A file refused leaves nothing stored."""
    match, side = _pair_or_404(match_id)
    item = _milestone_or_404(match, milestone_id)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            data = read_limited(form.file.data.stream, current_app.config["AWARD_UPLOAD_MAX_BYTES"])
            checked = check_document(form.file.data.filename, data)
        except UploadRefused as error:
            form.file.errors.append(str(error))
        else:
            signoff = " Your mentor has been asked to sign it off." if item.needs_signoff else ""
            if commit_change(
                lambda: service.hand_in(item, checked, person=current_user),
                f"{checked.filename} is handed in for {item.title}.{signoff}",
                errors=REFUSED,
            ):
                return redirect(url_for(".milestone", match_id=match.id, milestone_id=item.id))
    return _milestone_page(match, side, item, upload_form=form)


@bp.route("/matches/<int:match_id>/milestones/<int:milestone_id>/done", methods=["POST"])
@role_required("trainee", "mentor")
def mark_done(match_id: int, milestone_id: int):
    match, _side = _pair_or_404(match_id)
    item = _milestone_or_404(match, milestone_id)
    if EmptyForm().validate_on_submit():
        commit_change(
            lambda: service.mark_done(item, person=current_user),
            f"{item.title}: "
            + ("sent to your mentor to sign off." if item.needs_signoff else "done."),
            errors=REFUSED,
            refused_category="info",
        )
    return redirect(url_for(".milestone", match_id=match.id, milestone_id=item.id))


@bp.route("/matches/<int:match_id>/milestones/<int:milestone_id>/sign-off", methods=["POST"])
@role_required("mentor")
def sign_off(match_id: int, milestone_id: int):
    match, _side = _pair_or_404(match_id)
    item = _milestone_or_404(match, milestone_id)
    if EmptyForm().validate_on_submit():
        commit_change(
            lambda: service.sign_off(item, person=current_user),
            f"{item.title} is signed off.",
            errors=REFUSED,
            refused_category="info",
        )
    return redirect(url_for(".milestone", match_id=match.id, milestone_id=item.id))


@bp.route("/matches/<int:match_id>/milestones/<int:milestone_id>/send-back", methods=["POST"])
@role_required("mentor")
def send_back(match_id: int, milestone_id: int):
    match, side = _pair_or_404(match_id)
    item = _milestone_or_404(match, milestone_id)
    form = SendBackForm()
    if form.validate_on_submit() and commit_change(
        lambda: service.send_back(item, person=current_user, note=form.note.data),
        f"{item.title} is sent back with your note.",
        errors=REFUSED,
    ):
        return redirect(url_for(".milestone", match_id=match.id, milestone_id=item.id))
    return _milestone_page(match, side, item, send_back_form=form)


@bp.route("/milestones/<int:milestone_id>/document")
@read_only
@login_required
def document(milestone_id: int):
    """The file handed in, for the two people of the pair and for admins; 404 to anyone else."""
    item = db.get_or_404(Milestone, milestone_id)
    if not current_user.is_admin and side_of(item.match, current_user) is None:
        abort(404)
    handed_in = item.document
    data = file_store().get(handed_in.storage_key) if handed_in else None
    if data is None:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=handed_in.content_type,
        as_attachment=True,
        download_name=handed_in.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
