"""Alumni pages: a former trainee's consent and yearly follow-up (from the dashboard or the
emailed link), and for admins the mentorship family tree and a mentor's former-trainee link."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import admin_required, trainee_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..models import AlumniRecord, FormerTraineeLink, MentorProfile, User
from ..models.alumni import DEGREE_STATUSES, SPECIALTIES, TRAINING_STAGES
from . import service, tree
from .forms import AddressForm, ConsentForm, FollowUpForm, FormerTraineeForm
from .links import LinkError, link_former_trainee

bp = Blueprint("alumni", __name__)


# --- the former trainee ------------------------------------------------------------------------


@bp.route("/trainee/alumni", methods=["GET", "POST"])
@trainee_required
def consent():
    alumni = AlumniRecord.of_user(current_user)
    eligible = alumni is not None or service.may_consent(current_user)
    form = ConsentForm()
    if alumni is None and eligible and form.validate_on_submit():
        try:
            service.give_consent(current_user, form.email.data)
            db.session.commit()
        except IntegrityError:  # a second tab agreed a moment earlier
            db.session.rollback()
            flash("You had already agreed to stay in touch.", "info")
            return redirect(url_for(".consent"))
        flash("Thank you. You will get a short follow-up survey once a year.", "success")
        return redirect(url_for(".consent"))
    return render_template(
        "alumni/consent.html",
        alumni=alumni,
        eligible=eligible,
        form=form,
        address_form=AddressForm(formdata=None, obj=alumni),
        open_year=service.open_round(alumni) if alumni else None,
    )


@bp.route("/trainee/alumni/address", methods=["POST"])
@trainee_required
def change_address():
    alumni = AlumniRecord.of_user(current_user)
    form = AddressForm()
    if alumni is None:
        flash("You have not agreed to stay in touch, so there is no address to change.", "info")
    elif form.validate_on_submit():
        service.give_consent(current_user, form.email.data)
        db.session.commit()
        flash("Your follow-up address is saved.", "success")
    else:
        for error in form.email.errors or ["Your session expired. Please try again."]:
            flash(error, "danger")
    return redirect(url_for(".consent"))


@bp.route("/trainee/alumni/withdraw", methods=["GET", "POST"])
@trainee_required
def withdraw():
    """The page that says what withdrawing does; its button deletes the record."""
    alumni = AlumniRecord.of_user(current_user)
    if alumni is None:
        flash("You have not agreed to stay in touch, so there is nothing to withdraw.", "info")
        return redirect(url_for(".consent"))
    form = EmptyForm()
    if form.validate_on_submit():
        service.withdraw_consent(current_user)
        db.session.commit()
        flash("Your alumni record and all your follow-up answers are deleted.", "success")
        return redirect(url_for(".consent"))
    return render_template("alumni/confirm_withdraw.html", alumni=alumni, form=form)


def _follow_up_page(alumni: AlumniRecord, year: int, *, via_link: bool):
    existing = alumni.response_for(year)
    if request.method == "GET" and existing is not None:
        form = FollowUpForm(data=FollowUpForm.data_from(existing))
    else:
        form = FollowUpForm()
    if form.validate_on_submit():
        service.save_response(alumni, year, form.answers())
        flash(f"Thank you: your answers for {year} are saved.", "success")
        if via_link:
            return redirect(request.path)
        return redirect(url_for(".consent"))
    return render_template(
        "alumni/follow_up.html",
        form=form,
        year=year,
        answered=existing is not None,
        via_link=via_link,
        stages=TRAINING_STAGES,
        statuses=DEGREE_STATUSES,
        specialties=SPECIALTIES,
    )


@bp.route("/trainee/alumni/follow-up", methods=["GET", "POST"])
@trainee_required
def follow_up():
    alumni = AlumniRecord.of_user(current_user)
    year = service.open_round(alumni) if alumni else None
    if alumni is None or year is None:
        flash("There is no follow-up survey for you to answer now.", "info")
        return redirect(url_for(".consent"))
    return _follow_up_page(alumni, year, via_link=False)


@bp.route("/alumni/follow-up/<token>", methods=["GET", "POST"])
def follow_up_link(token: str):
    """The emailed link: it names the person and the year, so no sign-in is needed."""
    found = service.from_token(token)
    if found is None:
        return render_template("alumni/link_invalid.html")
    alumni, year = found
    return _follow_up_page(alumni, year, via_link=True)


# --- admins: the family tree ------------------------------------------------------------------


@bp.route("/admin/mentors/<int:mentor_id>/family-tree")
@read_only
@admin_required
def family_tree(mentor_id: int):
    profile = db.get_or_404(MentorProfile, mentor_id)
    return render_template(
        "alumni/family_tree.html",
        profile=profile,
        family=tree.family_of(profile),
        link=FormerTraineeLink.of_mentor(profile.id),
        form=FormerTraineeForm(formdata=None),
        unlink_form=EmptyForm(),
    )


@bp.route("/admin/mentors/<int:mentor_id>/former-trainee", methods=["POST"])
@admin_required
def link_trainee(mentor_id: int):
    profile = db.get_or_404(MentorProfile, mentor_id)
    back = redirect(url_for(".family_tree", mentor_id=profile.id))
    if request.form.get("action") == "unlink":
        if EmptyForm().validate_on_submit():
            link_former_trainee(profile, None, actor=current_user)
            db.session.commit()
            flash(f"{profile.full_name} is no longer linked to a former trainee.", "success")
        return back
    form = FormerTraineeForm()
    if not form.validate_on_submit():
        for error in form.email.errors or ["Your session expired. Please try again."]:
            flash(error, "danger")
        return back
    trainee = User.by_email(form.email.data)
    try:
        if trainee is None:
            raise LinkError(f"There is no account with {form.email.data}.")
        link_former_trainee(profile, trainee, actor=current_user)
        db.session.commit()
    except LinkError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return back
    except IntegrityError:  # another admin linked one of the two a moment earlier
        db.session.rollback()
        flash("This mentor or this trainee was linked a moment ago; here is the link.", "warning")
        return back
    flash(f"{profile.full_name} is linked to the former trainee {trainee.email}.", "success")
    return back
