"""Admins' award pages: each track's milestones and payments per cycle, the cycle's overview
(what is overdue, what holds a payment back), a pair's award, releasing a payment, export."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import admin_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..models import (
    AwardTemplate,
    Match,
    Milestone,
    MilestoneTemplate,
    Payment,
    PaymentTemplate,
    TransitionError,
    history,
    utcnow,
)
from ..web import commit_change, download, get_cycle
from . import bp, queries, service
from .export import XLSX, awards_csv, awards_xlsx
from .forms import MilestoneForm, NewTemplateForm, PaymentForm
from .service import AwardError

REFUSED = (AwardError, TransitionError)
SHOW = {
    "all": "All pairs",
    "overdue": "With an overdue milestone",
    "blocked": "A payment held back",
}


@bp.route("/admin/cycles/<slug>/awards")
@read_only
@admin_required
def cycle_awards(slug: str):
    cycle = get_cycle(slug)
    show = request.args.get("show", "all")
    if show not in SHOW:
        show = "all"
    templates = queries.templates_of(cycle)
    return render_template(
        "awards/cycle.html",
        cycle=cycle,
        templates=templates,
        missing=[t for t in cycle.tracks or [] if t not in templates],
        rows=queries.cycle_awards(cycle, show=show),
        show=show,
        shows=SHOW,
        today=utcnow().date(),
    )


@bp.route("/admin/cycles/<slug>/awards/new", methods=["GET", "POST"])
@admin_required
def new_template(slug: str):
    cycle = get_cycle(slug)
    templates = queries.templates_of(cycle)
    form = NewTemplateForm(tracks=[t for t in cycle.tracks or [] if t not in templates])
    if form.validate_on_submit():
        made = []
        if commit_change(
            lambda: made.append(
                service.create_template(
                    cycle,
                    form.track.data,
                    actor=current_user,
                    defaults=form.start.data == "defaults",
                    role=form.role.data,
                )
            ),
            f"The {form.track.data} award is set up. Check its milestones and due dates.",
            errors=REFUSED,
        ):
            return redirect(url_for(".template", template_id=made[0].id))
    return render_template("awards/new_template.html", cycle=cycle, form=form), (
        400 if form.errors else 200
    )


def _template_page(template, *, milestone_form=None, payment_form=None):
    status = 400 if any(f is not None and f.errors for f in (milestone_form, payment_form)) else 200
    return render_template(
        "awards/template.html",
        template=template,
        cycle=template.cycle,
        milestone_form=milestone_form or MilestoneForm(formdata=None),
        payment_form=payment_form or PaymentForm(formdata=None, template=template),
        button_form=EmptyForm(),
        history=history(template),
    ), status


@bp.route("/admin/awards/<int:template_id>")
@read_only
@admin_required
def template(template_id: int):
    return _template_page(db.get_or_404(AwardTemplate, template_id))


@bp.route("/admin/awards/<int:template_id>/milestones", methods=["POST"])
@admin_required
def add_milestone(template_id: int):
    item = db.get_or_404(AwardTemplate, template_id)
    form = MilestoneForm()
    if form.validate_on_submit() and commit_change(
        lambda: service.save_milestone(item, None, actor=current_user, **form.fields()),
        f"{form.title.data} is added. Pairs already under way get it with “Add to the pairs”.",
        errors=REFUSED,
    ):
        return redirect(url_for(".template", template_id=item.id))
    return _template_page(item, milestone_form=form)


@bp.route("/admin/award-milestones/<int:item_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_milestone(item_id: int):
    item = db.get_or_404(MilestoneTemplate, item_id)
    form = MilestoneForm()
    if not form.is_submitted():
        form.fill(item)
    elif form.validate() and commit_change(
        lambda: service.save_milestone(item.template, item, actor=current_user, **form.fields()),
        f"{form.title.data} is saved. Pairs already under way keep the milestone they have.",
        errors=REFUSED,
    ):
        return redirect(url_for(".template", template_id=item.template_id))
    return render_template("awards/edit_milestone.html", item=item, form=form), (
        400 if form.errors else 200
    )


def _remove(item, *, page: str, refused, remove, copies, **context):
    """The confirmation page for removing ``item`` (a milestone or a payment of an award); its
    button removes it. What ``refused(item)`` names stays, with that message, and goes back."""
    back = url_for(".template", template_id=item.template_id)
    form = EmptyForm()
    if form.validate_on_submit():
        commit_change(
            lambda: remove(item, actor=current_user),
            f"{item.title} is removed from the award. Pairs that have it keep theirs.",
            errors=REFUSED,
        )
        return redirect(back)
    reason = refused(item)
    if reason:
        flash(reason, "danger")
        return redirect(back)
    return render_template(page, item=item, form=form, back=back, copies=copies(item), **context)


@bp.route("/admin/award-milestones/<int:item_id>/remove", methods=["GET", "POST"])
@admin_required
def remove_milestone(item_id: int):
    item = db.get_or_404(MilestoneTemplate, item_id)
    return _remove(
        item,
        page="awards/confirm_remove_milestone.html",
        refused=service.milestone_removal_refused,
        remove=service.delete_milestone,
        copies=queries.copies_of_milestone,
        payments=[p for p in item.template.payments if item in p.milestones],
    )


@bp.route("/admin/awards/<int:template_id>/payments", methods=["POST"])
@admin_required
def add_payment(template_id: int):
    item = db.get_or_404(AwardTemplate, template_id)
    form = PaymentForm(template=item)
    if form.validate_on_submit() and commit_change(
        lambda: service.save_payment(
            item,
            actor=current_user,
            title=form.title.data,
            amount=form.amount.data,
            milestone_ids=[int(v) for v in form.milestones.data],
        ),
        f"{form.title.data} is added.",
        errors=REFUSED,
    ):
        return redirect(url_for(".template", template_id=item.id))
    return _template_page(item, payment_form=form)


@bp.route("/admin/award-payments/<int:award_payment_id>/remove", methods=["GET", "POST"])
@admin_required
def remove_payment(award_payment_id: int):
    return _remove(
        db.get_or_404(PaymentTemplate, award_payment_id),
        page="awards/confirm_remove_payment.html",
        refused=lambda item: None,  # the pairs' copies stay, so any payment may go
        remove=service.delete_payment,
        copies=queries.copies_of_payment,
    )


@bp.route("/admin/awards/<int:template_id>/apply", methods=["POST"])
@admin_required
def apply(template_id: int):
    item = db.get_or_404(AwardTemplate, template_id)
    if EmptyForm().validate_on_submit():
        commit_change(
            lambda: service.apply_template(item, actor=current_user),
            "The pairs under way have every milestone of the award.",
            errors=REFUSED,
        )
    return redirect(url_for(".template", template_id=item.id))


@bp.route("/admin/cycles/<slug>/awards/export.<fmt>")
@admin_required
def export(slug: str, fmt: str):
    cycle = get_cycle(slug)
    if fmt == "csv":
        return download(awards_csv(cycle), f"{cycle.slug}-milestones.csv")
    if fmt == "xlsx":
        return download(awards_xlsx(cycle), f"{cycle.slug}-milestones.xlsx", XLSX)
    abort(404)


@bp.route("/admin/matches/<int:match_id>/award")
@read_only
@admin_required
def admin_pair(match_id: int):
    match = db.get_or_404(Match, match_id)
    return render_template(
        "awards/admin_pair.html",
        match=match,
        award=queries.pair_award(match),
        today=utcnow().date(),
        button_form=EmptyForm(),
    )


@bp.route("/admin/milestones/<int:milestone_id>/confirm", methods=["POST"])
@admin_required
def confirm_milestone(milestone_id: int):
    item = db.get_or_404(Milestone, milestone_id)
    if EmptyForm().validate_on_submit():
        commit_change(
            lambda: service.confirm_by_program(item, actor=current_user),
            f"{item.title} is confirmed.",
            errors=REFUSED,
            refused_category="info",
        )
    return redirect(url_for(".admin_pair", match_id=item.match_id))


@bp.route("/admin/payments/<int:payment_id>/release", methods=["GET", "POST"])
@admin_required
def release(payment_id: int):
    """The page that says what releasing does; its button releases the payment."""
    payment = db.get_or_404(Payment, payment_id)
    back = url_for(".admin_pair", match_id=payment.match_id)
    form = EmptyForm()
    if form.validate_on_submit():
        commit_change(
            lambda: service.release_payment(payment, actor=current_user),
            f"{payment.title} is marked as released.",
            errors=REFUSED,
        )
        return redirect(back)
    if payment.status == "released":
        flash(f"{payment.title} was already released.", "info")
        return redirect(back)
    return render_template("awards/confirm_release.html", payment=payment, form=form, back=back)
