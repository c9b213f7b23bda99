"""Privacy pages: a person's own data (download, delete) and the admins' access controls."""

import json

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from ..access import admin_required, role_required
from ..extensions import db
from ..models import (
    Application,
    MentorProfile,
    SelfIdentificationAccess,
    User,
    self_identification_of,
    utcnow,
)
from ..web import download, paginate
from .deletion import DeletionError, delete_account
from .forms import DeleteAccountForm
from .personal_data import personal_data

bp = Blueprint("privacy", __name__)

ACCESS_LOG_PER_PAGE = 50


# --- a person's own data ---------------------------------------------------------------------


@bp.route("/account/data")
@role_required("trainee", "mentor")
def my_data():
    return render_template("privacy/my_data.html", form=DeleteAccountForm())


@bp.route("/account/data.json")
@role_required("trainee", "mentor")
def download_my_data():
    body = json.dumps(
        {"exported_at": utcnow().isoformat(timespec="seconds"), **personal_data(current_user)},
        indent=2,
        ensure_ascii=False,
    )
    return download(body, "mri-match-my-data.json", "application/json")


@bp.route("/account/delete", methods=["POST"])
@role_required("trainee", "mentor")
def delete_my_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append("That password is not correct.")
        else:
            user = db.session.get(User, current_user.id)
            try:
                delete_account(user)
                db.session.commit()
            except DeletionError as error:
                db.session.rollback()
                flash(str(error), "danger")
            else:
                logout_user()
                session.clear()
                flash(
                    "Your account is deleted. Your personal details are removed; past matches "
                    "remain in the program's figures without your name.",
                    "success",
                )
                return redirect(url_for("main.index"))
    return render_template("privacy/my_data.html", form=form), 400


# --- admins ----------------------------------------------------------------------------------


@bp.route("/admin/people/<int:user_id>/self-identification")
@admin_required
def admin_self_identification(user_id: int):
    person = db.get_or_404(User, user_id)
    if not current_user.can_view_self_identification:
        abort(403)
    if person.role not in ("trainee", "mentor"):
        abort(404)
    record = self_identification_of(person, viewer=current_user, purpose="admin_view")
    db.session.commit()  # the access log entry
    application = db.session.scalar(
        db.select(Application).filter_by(trainee_id=person.id).order_by(Application.id.desc())
    )
    profile = MentorProfile.of_user(person)
    return render_template(
        "privacy/admin_self_identification.html",
        person=person,
        record=record,
        application=application,
        profile=profile,
    )


@bp.route("/admin/privacy/access-log")
@admin_required
def access_log():
    stmt = db.select(SelfIdentificationAccess).order_by(
        SelfIdentificationAccess.viewed_at.desc(), SelfIdentificationAccess.id.desc()
    )
    page = paginate(stmt, per_page=ACCESS_LOG_PER_PAGE)
    holders = db.session.scalars(
        db.select(User)
        .where(User.role == "admin", User.can_view_self_identification.is_(True))
        .order_by(User.email)
    ).all()
    return render_template("privacy/access_log.html", page=page, holders=holders)
