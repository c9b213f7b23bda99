"""Admins run the program: cycles and their states, applications, mentors, verification."""

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

from .. import vocabulary
from ..access import admin_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..models import Application, MentorProfile, utcnow
from ..web import commit_change, get_cycle, page_number, paginate
from . import queries, services, steps
from .forms import (
    ApplicationFilterForm,
    BulkEligibilityForm,
    CycleEditForm,
    CycleForm,
    EligibilityForm,
    MentorFilterForm,
    TransitionForm,
)
from .services import (
    create_cycle,
    decide_eligibility_many,
    free_slug,
    move_cycle_to,
    update_cycle,
)

bp = Blueprint("admin", __name__)

#: The statuses an eligibility decision can be taken from (the list ticks only these).
DECIDABLE = ("submitted", "eligible", "ineligible")


@bp.before_request
@admin_required
def _admins_only():
    """Every admin page needs an admin; the decorator on each view says so too."""


# --- cycles -------------------------------------------------------------------------------


@bp.route("/")
@read_only
@admin_required
def cycles():
    return render_template("admin/cycles.html", rows=queries.cycles_with_counts())


@bp.route("/cycles/new", methods=["GET", "POST"])
@admin_required
def new_cycle():
    form = CycleForm()
    if request.method == "GET":
        form.tracks.data = "\n".join(vocabulary.DEFAULT_TRACKS)
    if form.validate_on_submit():
        try:
            cycle = create_cycle(
                actor=current_user,
                name=form.name.data,
                slug=form.slug.data or free_slug(form.name.data),
                tracks=form.track_list,
                opens_at=form.opens_at.data,
                closes_at=form.closes_at.data,
                **form.after_match_values(),
            )
            db.session.commit()
        except IntegrityError:  # another admin took the slug a moment ago
            db.session.rollback()
            form.slug.errors = ["Another cycle already uses this slug. Choose a different one."]
        else:
            flash(f"Cycle “{cycle.name}” created as a draft.", "success")
            return redirect(url_for("admin.cycle", slug=cycle.slug))
    return render_template("admin/cycle_form.html", form=form, cycle=None)


@bp.route("/cycles/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit_cycle(slug: str):
    cycle = get_cycle(slug)
    if not queries.can_edit(cycle):
        flash("A completed cycle can no longer be edited.", "warning")
        return redirect(url_for("admin.cycle", slug=cycle.slug))
    form = CycleEditForm(obj=cycle)
    if request.method == "GET":
        form.tracks.data = "\n".join(cycle.tracks or [])
    if form.validate_on_submit():
        changed = update_cycle(
            cycle,
            actor=current_user,
            name=form.name.data,
            tracks=form.track_list,
            opens_at=form.opens_at.data,
            closes_at=form.closes_at.data,
            **form.after_match_values(),
        )
        db.session.commit()
        flash("Cycle saved." if changed else "Nothing changed.", "success" if changed else "info")
        return redirect(url_for("admin.cycle", slug=cycle.slug))
    return render_template("admin/cycle_form.html", form=form, cycle=cycle)


@bp.route("/cycles/<slug>")
@read_only
@admin_required
def cycle(slug: str):
    cycle = get_cycle(slug)
    by_status, offering = queries.cycle_counts(cycle)
    return render_template(
        "admin/cycle.html",
        cycle=cycle,
        by_status=by_status,
        offering=offering,
        moves=steps.moves(cycle),
        history=queries.combined_history(cycle),
        can_edit=queries.can_edit(cycle),
    )


@bp.route("/cycles/<slug>/move/<state>", methods=["GET", "POST"])
@admin_required
def move_cycle(slug: str, state: str):
    """The page that says what a state change will do; its button makes the change."""
    cycle = get_cycle(slug)
    move = steps.offered(cycle, state)
    if move is None:
        if cycle.status == "closed" and state == "matching":
            flash("Matching starts when you run it, on the matching page.", "info")
            return redirect(url_for("matches.runs_page", slug=cycle.slug))
        flash(
            f"Cannot change status from “{cycle.status}” to “{state}”. "
            f"The cycle is still “{cycle.status}”.",
            "danger",
        )
        return redirect(url_for("admin.cycle", slug=cycle.slug))
    form = TransitionForm(reason_required=move.reason_required)
    if form.validate_on_submit():
        before = cycle.status
        commit_change(
            lambda: move_cycle_to(cycle, state, actor=current_user, reason=form.reason.data),
            f"Cycle “{cycle.name}” is now {state}.",
            refused=lambda error: f"{error} The cycle is still “{before}”.",
        )
        return redirect(url_for("admin.cycle", slug=cycle.slug))
    return render_template(
        "admin/confirm_move.html",
        cycle=cycle,
        move=move,
        form=form,
        figures=steps.figures(cycle),
        retention_days=current_app.config["RETENTION_DAYS"],
        now=utcnow(),
    ), 400 if form.errors else 200


# --- applications ---------------------------------------------------------------------------


def _list_filters(cycle) -> tuple[ApplicationFilterForm, dict[str, str]]:
    """The applications list's filters as the address gives them (bad ones are left out); the
    application pages carry them on, so that next and previous follow the same list."""
    form = ApplicationFilterForm(request.args, tracks=cycle.tracks or [])
    return form, form.cleaned()


def _render_applications(cycle, bulk: BulkEligibilityForm, status: int = 200):
    form, filters = _list_filters(cycle)
    page = paginate(queries.applications_select(cycle, filters))
    return render_template(
        "admin/applications.html",
        cycle=cycle,
        form=form,
        filters=filters,
        page=page,
        filtered=bool(filters),
        bulk=bulk,
        decidable=DECIDABLE,
    ), status


@bp.route("/cycles/<slug>/applications")
@read_only
@admin_required
def applications(slug: str):
    return _render_applications(get_cycle(slug), BulkEligibilityForm(formdata=None))


@bp.route("/cycles/<slug>/applications/decide", methods=["POST"])
@admin_required
def decide_many(slug: str):
    """One eligibility decision for the applications ticked on the list, in one transaction;
    marking them ineligible goes through a confirmation page first."""
    cycle = get_cycle(slug)
    _, filters = _list_filters(cycle)
    page = page_number()
    back = url_for(
        "admin.applications", slug=cycle.slug, **filters, **({"page": page} if page > 1 else {})
    )
    form = BulkEligibilityForm()
    if not form.validate_on_submit():
        return _render_applications(cycle, form, 400)
    chosen = queries.applications_by_id(cycle, form.ids)
    if len(chosen) != len(set(form.ids)):
        flash(
            "Some of the ticked applications are no longer in this cycle. Nothing was changed.",
            "danger",
        )
        return redirect(back)
    eligible = form.decision.data == "eligible"
    if not eligible and not form.confirmed.data:
        form.confirmed.data = "yes"
        return render_template(
            "admin/confirm_ineligible.html",
            cycle=cycle,
            applications=chosen,
            form=form,
            back=back,
            matched=queries.with_live_match(chosen),
        )
    to_change = sum(a.status != form.decision.data for a in chosen)
    commit_change(
        lambda: decide_eligibility_many(
            chosen, eligible, actor=current_user, reason=form.reason.data
        ),
        f"{to_change} application{'' if to_change == 1 else 's'} marked {form.decision.data}"
        + (f"; {len(chosen) - to_change} already were." if to_change < len(chosen) else "."),
        refused=lambda error: f"{error} Nothing was changed.",
    )
    return redirect(back)


def _render_application(application: Application, eligibility: EligibilityForm, status=200):
    nominee = application.nominated_mentor
    decisions = queries.allowed_eligibility(application)
    eligibility.decision.choices = [c for c in eligibility.decision.choices if c.value in decisions]
    _, filters = _list_filters(application.cycle)
    place = queries.place_in_list(application, filters)
    list_page = (place.number - 1) // current_app.config["PER_PAGE"] + 1 if place.number else 1
    return render_template(
        "admin/application.html",
        application=application,
        nominee=nominee,
        verifiers=queries.users_by_id([nominee.verified_by_id] if nominee else []),
        decisions=decisions,
        eligibility=eligibility,
        verify_form=EmptyForm(formdata=None),
        history=queries.combined_history(application, nominee),
        filters=filters,
        place=place,
        list_page=list_page,
    ), status


def _back_to_application(application: Application):
    """The application page again, in the same filtered list."""
    _, filters = _list_filters(application.cycle)
    return redirect(url_for("admin.application", application_id=application.id, **filters))


@bp.route("/applications/<int:application_id>")
@read_only
@admin_required
def application(application_id: int):
    application = db.get_or_404(Application, application_id)
    return _render_application(application, EligibilityForm(formdata=None))


@bp.route("/applications/<int:application_id>/eligibility", methods=["POST"])
@admin_required
def decide_eligibility(application_id: int):
    application = db.get_or_404(Application, application_id)
    form = EligibilityForm()
    if not form.validate_on_submit():
        return _render_application(application, form, 400)
    eligible = form.decision.data == "eligible"
    ended = []
    commit_change(
        lambda: ended.extend(
            services.decide_eligibility(
                application, eligible, actor=current_user, reason=form.reason.data
            )
        ),
        f"Application marked {form.decision.data}.",
    )
    if ended:
        flash(f"Its match{'es' if len(ended) > 1 else ''} ended; the mentor was told.", "info")
    return _back_to_application(application)


@bp.route("/applications/<int:application_id>/verify-nominee", methods=["POST"])
@admin_required
def verify_nominee(application_id: int):
    application = db.get_or_404(Application, application_id)
    nominee = application.nominated_mentor
    if nominee is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        if nominee.verified_at is not None:
            flash("This research mentor is already verified.", "info")
        else:
            nominee.verify(actor=current_user)
            db.session.commit()
            flash(f"Research mentor {nominee.name} verified.", "success")
    return _back_to_application(application)


# --- mentors -------------------------------------------------------------------------------


@bp.route("/cycles/<slug>/mentors")
@admin_required
def mentors(slug: str):
    cycle = get_cycle(slug)
    form = MentorFilterForm(request.args)
    filters = form.cleaned()
    page = paginate(queries.offers_select(cycle, filters))
    return render_template(
        "admin/mentors.html", cycle=cycle, form=form, page=page, filtered=bool(filters)
    )


@bp.route("/mentors/<int:mentor_id>")
@admin_required
def mentor(mentor_id: int):
    profile = db.get_or_404(MentorProfile, mentor_id)
    offers = profile.offers_newest_first()
    return render_template(
        "admin/mentor.html",
        profile=profile,
        offers=offers,
        verifiers=queries.users_by_id([profile.ash_verified_by_id]),
        verify_form=EmptyForm(formdata=None),
        history=queries.combined_history(profile, *offers),
    )


@bp.route("/mentors/<int:mentor_id>/verify-membership", methods=["POST"])
@admin_required
def verify_membership(mentor_id: int):
    profile = db.get_or_404(MentorProfile, mentor_id)
    if EmptyForm().validate_on_submit():
        if not profile.ash_member_number:
            flash("This mentor has not given an ASH membership number to verify.", "warning")
        elif profile.ash_verified:
            flash("This ASH membership is already verified.", "info")
        else:
            profile.verify_membership(actor=current_user)
            db.session.commit()
            flash(f"ASH membership of {profile.full_name} verified.", "success")
    return redirect(url_for("admin.mentor", mentor_id=profile.id))
