"""Mentors: a standing profile, volunteering per cycle, pausing and resuming.

A mentor never sees a trainee's application or anyone's self-identification here.
"""

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

from ..access import mentor_required
from ..alumni.links import link_by_account
from ..embeddings import service as embeddings
from ..extensions import db, read_only
from ..forms import EmptyForm, as_id
from ..matches.dashboard import my_matches
from ..models import Cycle, MentorOffer, MentorProfile
from ..publications import service as publications_service
from ..publications.jobs import start_fetch
from ..vocabulary import (
    CAREER_STAGES,
    DEFAULT_LANGUAGES,
    LANGUAGES,
    MEETING_FORMATS,
    MENTOR_ROLES,
    MENTORING_NEEDS,
    topic_labels,
)
from ..web import commit_change, get_cycle
from .forms import (
    MentorProfileForm,
    OfferForm,
    PauseForm,
    PublicationChoiceForm,
    PublicationSourcesForm,
)

bp = Blueprint("mentor", __name__)


def _labels() -> dict:
    return {
        "topics": topic_labels(),
        "stages": dict(CAREER_STAGES),
        "needs": dict(MENTORING_NEEDS),
        "formats": dict(MEETING_FORMATS),
        "languages": dict(LANGUAGES),
        "roles": dict(MENTOR_ROLES),
    }


def _cycles_accepting_volunteers() -> list[Cycle]:
    return list(
        db.session.scalars(
            db.select(Cycle)
            .where(Cycle.status.in_(("open", "closed")))
            .order_by(Cycle.opens_at.desc(), Cycle.id.desc())
        )
    )


def _own_offer(offer_id: int) -> MentorOffer:
    """The signed-in mentor's offer; anyone else's (or none) answers 404."""
    profile = MentorProfile.of_user(current_user)
    offer = db.session.get(MentorOffer, offer_id)
    if profile is None or offer is None or offer.mentor_id != profile.id:
        abort(404)
    return offer


def _profile_for_volunteering():
    profile = MentorProfile.of_user(current_user)
    if profile is None:
        flash("Please fill in your mentor profile before volunteering.", "info")
    return profile


@bp.route("/")
@read_only
@mentor_required
def dashboard():
    profile = MentorProfile.of_user(current_user)
    offers = profile.offers_newest_first() if profile else []
    offered = {offer.cycle_id for offer in offers}
    open_cycles = [c for c in _cycles_accepting_volunteers() if c.id not in offered]
    return render_template(
        "mentor/dashboard.html",
        profile=profile,
        offers=offers,
        filled=profile.places_filled() if offers else {},
        open_cycles=open_cycles,
        button_form=EmptyForm(),
        labels=_labels(),
        matches=my_matches(current_user),
    )


def _next_cycle_to_volunteer(profile: MentorProfile | None) -> Cycle | None:
    """The newest cycle taking volunteers that the mentor has not volunteered for yet."""
    offered = {offer.cycle_id for offer in profile.offers} if profile else set()
    return next((c for c in _cycles_accepting_volunteers() if c.id not in offered), None)


@bp.route("/profile", methods=["GET", "POST"])
@mentor_required
def profile():
    """The profile, then straight on to volunteering for a cycle that needs mentors."""
    profile = MentorProfile.of_user(current_user)
    form = MentorProfileForm(obj=profile)
    if profile is None and not form.is_submitted():
        form.languages.data = list(DEFAULT_LANGUAGES)
    if form.validate_on_submit():
        creating = profile is None
        if creating:
            profile = MentorProfile(user_id=current_user.id)
        had_number = profile.ash_member_number
        form.populate(profile)
        db.session.add(profile)
        if creating:  # a former trainee of the program, by their account or alumni address
            db.session.flush()
            link_by_account(profile=profile)
        db.session.commit()
        embeddings.after_save(mentors=[profile])
        flash("Your mentor profile is saved.", "success")
        if profile.ash_member_number and profile.ash_member_number != had_number:
            flash("An admin will verify your ASH membership number.", "info")
        cycle = _next_cycle_to_volunteer(profile)
        if cycle is not None:
            return redirect(url_for("mentor.offer", slug=cycle.slug, step=2))
        return redirect(url_for("mentor.dashboard"))
    return render_template(
        "mentor/profile.html",
        form=form,
        profile=profile,
        next_cycle=_next_cycle_to_volunteer(profile),
    )


def _volunteer_cycle(slug: str) -> Cycle | None:
    cycle = get_cycle(slug, drafts=False)
    if not cycle.accepts_volunteers():
        flash(f"{cycle.name} is no longer taking volunteers.", "info")
        return None
    return cycle


@bp.route("/cycles/<slug>/offer", methods=["GET", "POST"])
@mentor_required
def offer(slug: str):
    profile = _profile_for_volunteering()
    if profile is None:
        return redirect(url_for("mentor.profile"))
    cycle = _volunteer_cycle(slug)
    if cycle is None:
        return redirect(url_for("mentor.dashboard"))
    offer = db.session.scalar(db.select(MentorOffer).filter_by(cycle_id=cycle.id, mentor=profile))
    form = OfferForm(obj=offer)
    if offer is None and not form.is_submitted():
        form.capacity.data = 1
    if form.validate_on_submit():
        creating = offer is None
        if creating:
            offer = MentorOffer(cycle_id=cycle.id, mentor_id=profile.id)
        form.populate(offer)
        db.session.add(offer)
        db.session.commit()
        if creating:
            flash(f"Thank you for volunteering for {cycle.name}.", "success")
        else:
            flash(f"Your offer for {cycle.name} is updated.", "success")
        return redirect(url_for("mentor.dashboard"))
    return render_template(
        "mentor/offer.html",
        form=form,
        cycle=cycle,
        offer=offer,
        labels=_labels(),
        second_step=offer is None and request.args.get("step") == "2",
    )


@bp.route("/offers/<int:offer_id>/pause", methods=["GET", "POST"])
@mentor_required
def pause(offer_id: int):
    offer = _own_offer(offer_id)
    if not offer.cycle.accepts_volunteers():
        flash(f"{offer.cycle.name} is past volunteering; contact the program team.", "info")
        return redirect(url_for("mentor.dashboard"))
    if offer.paused:
        flash(f"Your volunteering for {offer.cycle.name} is already paused.", "info")
        return redirect(url_for("mentor.dashboard"))
    form = PauseForm()
    if form.validate_on_submit():
        commit_change(
            lambda: offer.pause(actor=current_user, reason=form.reason.data),
            f"Your volunteering for {offer.cycle.name} is paused. "
            "You will not be matched until you resume.",
        )
        return redirect(url_for("mentor.dashboard"))
    return render_template("mentor/pause.html", form=form, offer=offer)


@bp.route("/offers/<int:offer_id>/resume", methods=["POST"])
@mentor_required
def resume(offer_id: int):
    offer = _own_offer(offer_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if not offer.cycle.accepts_volunteers():
        flash(f"{offer.cycle.name} is past volunteering; contact the program team.", "info")
        return redirect(url_for("mentor.dashboard"))
    commit_change(
        lambda: offer.resume(actor=current_user),
        f"Welcome back: your volunteering for {offer.cycle.name} is active again.",
        refused=f"Your volunteering for {offer.cycle.name} is already active.",
        refused_category="info",
    )
    return redirect(url_for("mentor.dashboard"))


FETCHED_MESSAGES = {
    "queued": "Your publication sources are saved. Fetching runs in the background.",
    "done": "Your publications are fetched. Tick the ones matching should read.",
}


def _sources_form(profile: MentorProfile, *, posted: bool = True) -> PublicationSourcesForm:
    form = PublicationSourcesForm() if posted else PublicationSourcesForm(formdata=None)
    source = profile.publication_source
    if source is not None and not (posted and form.is_submitted()):
        form.orcid.data = source.orcid
        form.identifiers.data = "\n".join(k.split(":", 1)[1] for k in source.identifiers or [])
    return form


def _publications_page(profile, form, choice_form):
    source = profile.publication_source
    timeout = current_app.config["PUBLICATIONS_JOB_TIMEOUT"]
    return render_template(
        "mentor/publications.html",
        profile=profile,
        source=source,
        stalled=source is not None and source.stalled(timeout),
        publications=profile.fetched_publications,
        form=form,
        choice_form=choice_form,
    )


@bp.route("/publications", methods=["GET", "POST"])
@mentor_required
def publications():
    """Where the publications come from; a fetch on the worker; which ones matching reads."""
    profile = MentorProfile.of_user(current_user)
    if profile is None:
        flash("Please fill in your mentor profile before adding publications.", "info")
        return redirect(url_for("mentor.profile"))
    form = _sources_form(profile)
    if form.validate_on_submit():
        if publications_service.request_fetch(profile, form.orcid.data, form.keys()):
            db.session.commit()
            start_fetch(profile.publication_source)
            status = profile.publication_source.status
            if status in FETCHED_MESSAGES:  # a failure is said on the page itself
                flash(FETCHED_MESSAGES[status], "success")
        else:
            db.session.commit()
            flash("With no ORCID iD and no identifiers, no publications are kept.", "info")
        return redirect(url_for("mentor.publications"))
    choice_form = PublicationChoiceForm(publications=profile.fetched_publications, formdata=None)
    choice_form.included.data = [str(p.id) for p in profile.fetched_publications if p.included]
    return _publications_page(profile, form, choice_form)


@bp.route("/publications/choices", methods=["POST"])
@mentor_required
def publication_choices():
    profile = MentorProfile.of_user(current_user)
    if profile is None:
        abort(404)
    choice_form = PublicationChoiceForm(publications=profile.fetched_publications)
    if choice_form.validate_on_submit():
        ids = {as_id(value) for value in choice_form.included.data or []}
        ticked = publications_service.set_included(profile, ids)
        db.session.commit()
        embeddings.after_save(mentors=[profile])
        total = len(profile.fetched_publications)
        flash(f"Matching will read {ticked} of your {total} publications.", "success")
        return redirect(url_for("mentor.publications"))
    return _publications_page(profile, _sources_form(profile, posted=False), choice_form)
