"""Trainees: dashboard, applications (draft, submit, withdraw, reopen), self-identification."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from .. import vocabulary
from ..access import loads_signed_in_user, role_required, trainee_required
from ..email import email_url, send_email
from ..embeddings import service as embeddings
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..matches.lifecycle import live_matches_of_application
from ..models import Application, SelfIdentification, history
from ..models import self_identification_of as read_self_identification
from ..web import commit_change, get_cycle
from . import applications as service
from .forms import ApplicationForm, SelfIdentificationForm, WithdrawForm

bp = Blueprint("trainee", __name__)

NOT_EDITABLE = {
    "withdrawn": "You withdrew this application, so it cannot be changed.",
    "eligible": "An administrator has reviewed this application, so it can no longer be changed.",
    "ineligible": "An administrator has reviewed this application, so it can no longer be changed.",
}


def _not_editable_message(application: Application) -> str:
    if application.status in NOT_EDITABLE:
        return NOT_EDITABLE[application.status]
    return "Applications for this cycle are closed, so this application can no longer be changed."


def _render_form(form, cycle, application=None):
    return render_template(
        "trainee/application_form.html",
        form=form,
        cycle=cycle,
        application=application,
    )


# --- dashboard ------------------------------------------------------------------------------


@bp.route("/")
@read_only
@loads_signed_in_user(service.dashboard_with_user)
@trainee_required
def dashboard():
    applications, open_cycles, matches = service.dashboard(current_user)
    return render_template(
        "trainee/dashboard.html",
        applications=applications,
        open_cycles=open_cycles,
        matches=matches,
    )


# --- applications ---------------------------------------------------------------------------


@bp.route("/cycles/<slug>/apply", methods=["GET", "POST"])
@trainee_required
def apply(slug: str):
    """Start an application: one per cycle, so a second visit goes to the existing one."""
    cycle = get_cycle(slug, drafts=False)
    existing = service.application_for(current_user, cycle)
    if existing is not None:
        return redirect(url_for(".edit_application", application_id=existing.id))
    if not cycle.accepts_applications():
        flash(f"{cycle.name} is not taking applications now.", "warning")
        return redirect(url_for(".dashboard"))

    form = ApplicationForm(tracks=cycle.tracks)
    if request.method == "GET":
        previous = service.latest_application(current_user)
        if previous is not None:
            form = ApplicationForm(data=_carried_over(previous, cycle), tracks=cycle.tracks)
            flash("We filled in answers from your last application. Check them.", "info")
        else:
            form.languages.data = list(vocabulary.DEFAULT_LANGUAGES)
        return _render_form(form, cycle)

    submitting = request.form.get("action") == "submit"
    if form.validate_complete() if submitting else form.validate():
        application = Application(cycle=cycle, trainee_id=current_user.id, status="draft")
        service.save_answers(application, form.values(), form.nominee(), actor=current_user)
        db.session.add(application)
        try:
            if submitting:
                application.submit(actor=current_user)
            db.session.commit()
        except IntegrityError:  # a second tab started the same application a moment earlier
            db.session.rollback()
            flash("You already have an application for this cycle; here it is.", "info")
            existing = service.application_for(current_user, cycle)
            return redirect(url_for(".edit_application", application_id=existing.id))
        embeddings.after_save(applications=[application])
        return _saved(application, submitting)
    return _render_form(form, cycle)


def _carried_over(previous: Application, cycle) -> dict:
    """Answers worth reusing in a new cycle (the track only if this cycle offers it)."""
    data = ApplicationForm.data_from(previous)
    if data.get("track") not in cycle.tracks:
        data["track"] = None
    return data


SUBMITTED = "Your application is submitted. You can still change it until the deadline."


def _send_receipt(application: Application) -> None:
    """Email the trainee a receipt with what happens next, and say so. Called after the
    commit, so a mail failure never undoes the submission: it is logged and the page says so."""
    try:
        send_email(
            "application_received",
            to=application.trainee.email,
            subject=f"Application received: {application.cycle.name}",
            application=application,
            steps=application.cycle.next_steps(),
            url=email_url("trainee.view_application", application_id=application.id),
        )
    except Exception:  # the submission stands; only the receipt is missing
        current_app.logger.exception("The receipt for application %s was not sent", application.id)
        flash("We could not email you a receipt; this page is your record.", "warning")
    else:
        flash(f"We have emailed a receipt to {application.trainee.email}.", "info")


def _saved(application: Application, submitted: bool):
    if submitted:
        flash(SUBMITTED, "success")
        _send_receipt(application)
    elif application.status == "submitted":
        flash("Your changes are saved. Your application is still submitted.", "success")
    else:
        flash(
            "Your draft is saved. It is not submitted yet: submit it before the deadline.",
            "success",
        )
    return redirect(url_for(".view_application", application_id=application.id))


@bp.route("/applications/<int:application_id>")
@read_only
@trainee_required
def view_application(application_id: int):
    application = service.own_application(current_user, application_id)
    return render_template(
        "trainee/application.html",
        application=application,
        events=history(application),
        action_form=EmptyForm(),
        withdraw_form=WithdrawForm(),
        has_live_match=bool(live_matches_of_application(application)),
        read_only_message=None if application.editable else _not_editable_message(application),
    )


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@trainee_required
def edit_application(application_id: int):
    application = service.own_application(current_user, application_id)
    if not application.editable:
        flash(_not_editable_message(application), "warning")
        return redirect(url_for(".view_application", application_id=application.id))

    cycle = application.cycle
    if request.method == "GET":
        form = ApplicationForm(data=ApplicationForm.data_from(application), tracks=cycle.tracks)
        return _render_form(form, cycle, application)

    form = ApplicationForm(tracks=cycle.tracks)
    # A submitted application stays submitted, so every change to it is checked in full.
    submitting = request.form.get("action") == "submit" and application.status == "draft"
    complete = submitting or application.status == "submitted"
    if form.validate_complete() if complete else form.validate():
        service.save_answers(application, form.values(), form.nominee(), actor=current_user)
        if submitting:
            application.submit(actor=current_user)
        db.session.commit()
        embeddings.after_save(applications=[application])
        return _saved(application, submitting)
    return _render_form(form, cycle, application)


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@trainee_required
def submit_application(application_id: int):
    """Submit a saved draft as it stands; if something is missing, show the form with errors."""
    application = service.own_application(current_user, application_id)
    if not EmptyForm().validate_on_submit():
        flash("Your session expired. Please try again.", "danger")
        return redirect(url_for(".view_application", application_id=application.id))
    if not application.editable:
        flash(_not_editable_message(application), "warning")
        return redirect(url_for(".view_application", application_id=application.id))
    form = ApplicationForm(formdata=_as_formdata(application), tracks=application.cycle.tracks)
    if not form.validate_complete():
        return _render_form(form, application.cycle, application)
    if commit_change(lambda: application.submit(actor=current_user), SUBMITTED):
        _send_receipt(application)
    return redirect(url_for(".view_application", application_id=application.id))


def _as_formdata(application: Application) -> MultiDict:
    """A stored application as if it had been posted, to check it with the form's rules."""
    pairs = []
    for name, value in ApplicationForm.data_from(application).items():
        if isinstance(value, list):
            pairs += [(name, item) for item in value]
        elif value is True:
            pairs.append((name, "y"))
        elif value not in (None, False):
            pairs.append((name, value))
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        pairs.append(("csrf_token", generate_csrf()))  # the button's token was checked already
    return MultiDict(pairs)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@trainee_required
def withdraw_application(application_id: int):
    """Withdraw. With a match offered or under way, a page first says what will happen (the
    match ends, the mentor is told); the button there posts here with ``confirmed``."""
    application = service.own_application(current_user, application_id)
    back = redirect(url_for(".view_application", application_id=application.id))
    if application.cycle.status == "completed":
        flash("This cycle is completed, so there is nothing to withdraw from.", "warning")
        return back
    if application.status == "withdrawn":
        flash("This application cannot be withdrawn now.", "danger")
        return back
    matches = live_matches_of_application(application)
    form = WithdrawForm()
    if request.method == "GET" or (matches and not request.form.get("confirmed")):
        return _confirm_withdrawal(application, matches, WithdrawForm(formdata=None))
    if not form.validate_on_submit():
        if matches:
            return _confirm_withdrawal(application, matches, form, status=400)
        for error in form.reason.errors or ["Your session expired. Please try again."]:
            flash(error, "danger")
        return back
    commit_change(
        lambda: service.withdraw(application, actor=current_user, reason=form.reason.data or None),
        "Your application is withdrawn."
        + (" Your mentor has been told." if matches else "")
        + (
            " You can reopen it until the deadline."
            if application.cycle.accepts_applications()
            else ""
        ),
        refused="This application cannot be withdrawn now.",
    )
    return back


def _confirm_withdrawal(application, matches, form, status: int = 200):
    return render_template(
        "trainee/confirm_withdraw.html", application=application, matches=matches, form=form
    ), status


@bp.route("/applications/<int:application_id>/reopen", methods=["POST"])
@trainee_required
def reopen_application(application_id: int):
    application = service.own_application(current_user, application_id)
    if not EmptyForm().validate_on_submit():
        flash("Your session expired. Please try again.", "danger")
    elif not application.cycle.accepts_applications():
        flash("Applications for this cycle are closed, so it cannot be reopened.", "warning")
    else:
        commit_change(
            lambda: application.reopen(actor=current_user),
            "Your application is open again as a draft. Submit it before the deadline.",
            refused="Only a withdrawn application can be reopened.",
        )
    return redirect(url_for(".view_application", application_id=application.id))


# --- self-identification --------------------------------------------------------------------


@bp.route("/self-identification", methods=["GET", "POST"])
@role_required("trainee", "mentor")
def self_identification():
    record = read_self_identification(current_user)
    form = SelfIdentificationForm(obj=record)
    if form.validate_on_submit():
        if record is None:
            record = SelfIdentification(user_id=current_user.id)
            db.session.add(record)
        for name, value in form.values().items():
            setattr(record, name, value)
        db.session.commit()
        flash("Your answers are saved. Only you can see them here.", "success")
        return redirect(url_for(".self_identification"))
    return render_template(
        "trainee/self_identification.html",
        form=form,
        has_answers=record is not None,
        delete_form=EmptyForm(),
    )


@bp.route("/self-identification/delete", methods=["POST"])
@role_required("trainee", "mentor")
def delete_self_identification():
    if not EmptyForm().validate_on_submit():
        flash("Your session expired. Please try again.", "danger")
        return redirect(url_for(".self_identification"))
    record = read_self_identification(current_user)
    if record is not None:
        db.session.delete(record)
        db.session.commit()
    flash("Your self-identification answers are deleted.", "success")
    return redirect(url_for(".self_identification"))
