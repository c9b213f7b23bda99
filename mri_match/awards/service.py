"""State changes of an award: templates, a pair's milestones and payments, and handing in.

One module for every change, over 400 lines: the rules read each other (removing a
milestone asks which payments need it, a match's end which files go, a release what is done).
Each function changes the caller's transaction (the caller commits) and raises
:class:`AwardError` with a message for the person when the rules refuse. Rows that two
people could change at once (a milestone signed off in two tabs, a payment released by two
admins) are locked first and read again, as ``matches.lifecycle`` does for a match.
"""

from datetime import date, datetime

from ..extensions import db
from ..mentorship.services import side_of
from ..models import (
    Application,
    AwardTemplate,
    Match,
    MentorProfile,
    Milestone,
    MilestoneDocument,
    MilestoneTemplate,
    Payment,
    PaymentTemplate,
    utcnow,
)
from ..models import record as audit
from . import queries
from .defaults import MEDICAL_STUDENT_MILESTONES, MEDICAL_STUDENT_PAYMENTS
from .storage import file_store
from .uploads import CheckedFile


class AwardError(ValueError):
    """A change the rules refuse; the message is for the person who asked."""


def _locked(model, row_id: int):
    """The row as committed now, locked until the transaction ends (a row lock on PostgreSQL,
    the write lock on SQLite)."""
    db.session.execute(
        db.update(model)
        .where(model.id == row_id)
        .values(status=model.status)
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(
        db.select(model)
        .where(model.id == row_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )


# --- templates ------------------------------------------------------------------------------


def create_template(cycle, track: str, *, actor, defaults: bool, role: str = "research"):
    """The award of ``track`` in ``cycle``; with ``defaults``, the medical-student milestones
    and payments to start from."""
    if track not in (cycle.tracks or []):
        raise AwardError("Choose one of the cycle's tracks.")
    if template_for_track(cycle, track) is not None:
        raise AwardError(f"The {track} track already has its milestones.")
    template = AwardTemplate(cycle_id=cycle.id, track=track, name=f"{track} award", role=role)
    if defaults:
        by_title = {}
        for position, item in enumerate(MEDICAL_STUDENT_MILESTONES):
            milestone = MilestoneTemplate(
                position=position,
                title=item.title,
                completed_by=item.completed_by,
                due_days=item.due_days,
                needs_upload=item.needs_upload,
                needs_signoff=item.needs_signoff,
            )
            template.milestones.append(milestone)
            by_title[item.title] = milestone
        for position, (title, needs) in enumerate(MEDICAL_STUDENT_PAYMENTS):
            template.payments.append(
                PaymentTemplate(
                    position=position, title=title, milestones=[by_title[t] for t in needs]
                )
            )
    db.session.add(template)
    db.session.flush()
    audit(template, "created", actor=actor, reason=f"{cycle.name}: {track}")
    return template


def save_milestone(template, milestone: MilestoneTemplate | None, *, actor, **fields):
    """Add a milestone to ``template`` (``milestone`` None) or change one. Pairs already under
    way keep the milestones they were given."""
    if fields["completed_by"] == "admin" and (fields["needs_upload"] or fields["needs_signoff"]):
        raise AwardError("A milestone the program team completes needs no file and no sign-off.")
    if fields["completed_by"] == "mentor" and fields["needs_signoff"]:
        raise AwardError("The mentor signs off the trainee's work, not their own.")
    if milestone is None:
        milestone = MilestoneTemplate(position=len(template.milestones))
        template.milestones.append(milestone)
    for name, value in fields.items():
        setattr(milestone, name, value)
    db.session.flush()
    audit(template, "milestone_saved", actor=actor, reason=milestone.title)
    return milestone


def _lock_template(template: AwardTemplate) -> None:
    """Hold ``template`` until the transaction ends (a row lock on PostgreSQL, the write lock
    on SQLite), so that two admins changing one award's milestones and payments take turns."""
    db.session.execute(
        db.update(AwardTemplate)
        .where(AwardTemplate.id == template.id)
        .values(name=AwardTemplate.name)
        .execution_options(synchronize_session=False)
    )


def milestone_removal_refused(milestone: MilestoneTemplate) -> str | None:
    """Why ``milestone`` cannot leave its award, or None when it can."""
    alone = queries.payments_needing_only(milestone)
    if not alone:
        return None
    if len(alone) == 1:
        return f"{alone[0]} needs only {milestone.title}: remove that payment first."
    return f"{' and '.join(alone)} need only {milestone.title}: remove those payments first."


def delete_milestone(milestone: MilestoneTemplate, *, actor) -> None:
    """Take ``milestone`` out of its award and out of the payments that need it with others.
    The pairs' copies stay, with their files and sign-offs."""
    template = milestone.template
    _lock_template(template)
    refused = milestone_removal_refused(milestone)
    if refused:
        raise AwardError(refused)
    template.milestones.remove(milestone)
    audit(template, "milestone_deleted", actor=actor, reason=milestone.title)


def save_payment(template, *, actor, title: str, amount: int | None, milestone_ids: list[int]):
    chosen = [m for m in template.milestones if m.id in set(milestone_ids)]
    if not chosen:
        raise AwardError("Choose the milestones this payment needs.")
    payment = PaymentTemplate(
        position=len(template.payments), title=title, amount=amount, milestones=chosen
    )
    template.payments.append(payment)
    db.session.flush()
    audit(template, "payment_saved", actor=actor, reason=title)
    return payment


def delete_payment(payment: PaymentTemplate, *, actor) -> None:
    """Take ``payment`` out of its award; the pairs' copies stay, released or not."""
    template = payment.template
    _lock_template(template)
    template.payments.remove(payment)
    audit(template, "payment_deleted", actor=actor, reason=payment.title)


# --- a pair's milestones and payments ---------------------------------------------------------


def template_for_track(cycle, track: str) -> AwardTemplate | None:
    return db.session.scalar(db.select(AwardTemplate).filter_by(cycle_id=cycle.id, track=track))


def template_for(match: Match) -> AwardTemplate | None:
    return db.session.scalar(
        db.select(AwardTemplate).filter_by(
            cycle_id=match.cycle_id, track=match.application.track, role=match.role
        )
    )


def _started_on(match: Match) -> date:
    return (match.accepted_at or match.confirmed_at).date()


def start_milestones(match: Match, template: AwardTemplate | None = None) -> int:
    """Give an active match its milestones and payments from its track's award (those it
    lacks); how many milestones were added. Called when a match becomes active."""
    if match.status != "active":
        return 0
    template = template or template_for(match)
    if template is None:
        return 0
    return copy_award(match, template)


def copy_award(match: Match, template: AwardTemplate) -> int:
    """Add to ``match`` the milestones and payments of ``template`` it lacks (whatever the
    match's state: :func:`start_milestones` is the rule for when); how many milestones."""
    have = {
        row.template_milestone_id: row
        for row in db.session.scalars(db.select(Milestone).filter_by(match_id=match.id))
    }
    started = _started_on(match)
    added = 0
    for item in template.milestones:
        if item.id in have:
            continue
        have[item.id] = Milestone(
            match_id=match.id,
            template_milestone_id=item.id,
            position=item.position,
            title=item.title,
            completed_by=item.completed_by,
            due_on=item.due_for(started),
            needs_upload=item.needs_upload,
            needs_signoff=item.needs_signoff,
        )
        db.session.add(have[item.id])
        added += 1
    paid = set(
        db.session.scalars(db.select(Payment.template_payment_id).filter_by(match_id=match.id))
    )
    for item in template.payments:
        if item.id not in paid:
            db.session.add(
                Payment(
                    match_id=match.id,
                    template_payment_id=item.id,
                    position=item.position,
                    title=item.title,
                    amount=item.amount,
                    milestones=[have[m.id] for m in item.milestones if m.id in have],
                )
            )
    db.session.flush()
    return added


def apply_template(template: AwardTemplate, *, actor) -> int:
    """Give every active match of the template's track and role the milestones it lacks (for
    an award set up, or added to, after pairs started); how many milestones were added."""
    matches = db.session.scalars(
        db.select(Match)
        .join(Application, Application.id == Match.application_id)
        .where(
            Match.cycle_id == template.cycle_id,
            Match.role == template.role,
            Match.status == "active",
            Application.track == template.track,
        )
        .order_by(Match.id)
    ).all()
    added = sum(start_milestones(match, template) for match in matches)
    audit(template, "applied", actor=actor, reason=f"{added} milestones added to active pairs")
    return added


def _delete_document(document: MilestoneDocument) -> None:
    file_store().delete(document.storage_key)
    db.session.delete(document)


def close_milestones(match: Match) -> None:
    """The match has ended: its milestones not yet done go, with any file handed in for them,
    and so do the payments not earned. What was done, and payments whose milestones are all
    done, stay: they can still be released."""
    milestones = db.session.scalars(db.select(Milestone).filter_by(match_id=match.id)).all()
    open_ids = {m.id for m in milestones if not m.done}
    if not open_ids:
        return
    for payment in db.session.scalars(
        db.select(Payment).filter_by(match_id=match.id, status="waiting")
    ):
        if any(m.id in open_ids for m in payment.milestones):
            db.session.delete(payment)
    for milestone in milestones:
        if milestone.id in open_ids:
            if milestone.document is not None:
                _delete_document(milestone.document)
            db.session.delete(milestone)
    db.session.flush()


# --- handing in, signing off, releasing ----------------------------------------------------------


def _require_completer(milestone: Milestone, person) -> None:
    match = milestone.match
    if match.status != "active":
        raise AwardError("Milestones are handed in while the match is under way.")
    if side_of(match, person) != milestone.completed_by:
        raise AwardError(f"{milestone.title} is for the {milestone.completed_by} to complete.")


def _handed_in(milestone: Milestone, person) -> None:
    """Open → waiting for sign-off, or done."""
    milestone.returned_note = None
    milestone.submitted_at = utcnow()
    if milestone.needs_signoff:
        milestone.move("submitted", actor=person)
    else:
        milestone.move("done", actor=person)
        milestone.completed_at = milestone.submitted_at
        milestone.done_by_id = person.id


def mark_done(milestone: Milestone, *, person) -> None:
    """The trainee or mentor says a milestone without a file is complete."""
    milestone = _locked(Milestone, milestone.id)
    _require_completer(milestone, person)
    if milestone.needs_upload:
        raise AwardError(f"Upload the file for {milestone.title} to complete it.")
    if milestone.status != "open":
        raise AwardError(f"{milestone.title} is already handed in.")
    _handed_in(milestone, person)


def hand_in(milestone: Milestone, checked: CheckedFile, *, person) -> MilestoneDocument:
    """Keep the file for ``milestone`` (replacing one waiting for sign-off) and hand it in."""
    milestone = _locked(Milestone, milestone.id)
    _require_completer(milestone, person)
    if not milestone.needs_upload:
        raise AwardError(f"{milestone.title} needs no file.")
    if milestone.done:
        raise AwardError(f"{milestone.title} is done; its file can no longer change.")
    if milestone.document is not None:
        _delete_document(milestone.document)
        db.session.flush()
    document = MilestoneDocument(
        milestone=milestone,
        storage_key=file_store().put(checked.data),
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_id=person.id,
    )
    db.session.add(document)
    if milestone.status == "open":
        _handed_in(milestone, person)
    else:
        milestone.submitted_at = utcnow()
        audit(milestone, "replaced", actor=person, reason=checked.filename)
    return document


def _require_mentor(milestone: Milestone, person) -> None:
    match = milestone.match
    if match.status != "active" or side_of(match, person) != "mentor":
        raise AwardError("Only the mentor of a match under way signs off its milestones.")
    if milestone.status != "submitted":
        raise AwardError(
            f"{milestone.title} is already signed off."
            if milestone.done
            else f"{milestone.title} has not been handed in yet."
        )


def sign_off(milestone: Milestone, *, person) -> None:
    milestone = _locked(Milestone, milestone.id)
    _require_mentor(milestone, person)
    milestone.move("done", actor=person, reason="Signed off")
    milestone.completed_at = utcnow()
    milestone.done_by_id = person.id


def send_back(milestone: Milestone, *, person, note: str) -> None:
    """The mentor returns a submission with what to change; the trainee hands it in again."""
    if not (note or "").strip():
        raise AwardError("Say what to change before it can be signed off.")
    milestone = _locked(Milestone, milestone.id)
    _require_mentor(milestone, person)
    milestone.move("open", actor=person, reason="Sent back")
    milestone.returned_note = note.strip()


def confirm_by_program(milestone: Milestone, *, actor) -> None:
    """An admin confirms a milestone the program team completes (attendance, say)."""
    milestone = _locked(Milestone, milestone.id)
    if milestone.completed_by != "admin":
        raise AwardError(f"{milestone.title} is for the {milestone.completed_by} to complete.")
    if milestone.status != "open":
        raise AwardError(f"{milestone.title} is already confirmed.")
    milestone.move("done", actor=actor)
    milestone.completed_at = utcnow()
    milestone.done_by_id = actor.id


def release_payment(payment: Payment, *, actor) -> None:
    payment = _locked(Payment, payment.id)
    if payment.status == "released":
        raise AwardError(f"{payment.title} was already released.")
    if payment.blockers:
        raise AwardError(f"{payment.title} cannot be released yet: {'; '.join(payment.blockers)}.")
    payment.release(actor=actor)


# --- what is kept, and for how long ---------------------------------------------------------


def delete_documents(condition) -> int:
    """Delete the files of the milestones matching ``condition`` (their records say the
    milestone's state still); how many."""
    documents = db.session.scalars(
        db.select(MilestoneDocument).join(Milestone).where(condition)
    ).all()
    for document in documents:
        _delete_document(document)
    return len(documents)


def forget_person(user) -> None:
    """Account deletion: the files the person uploaded go, and the mentor's notes on their
    matches' milestones; the milestones' states stay for the program's figures."""
    delete_documents(
        Milestone.id.in_(
            db.select(MilestoneDocument.milestone_id).where(
                MilestoneDocument.uploaded_by_id == user.id
            )
        )
    )
    theirs = db.select(Match.id).where(
        Match.application_id.in_(db.select(Application.id).where(Application.trainee_id == user.id))
        | Match.mentor_id.in_(db.select(MentorProfile.id).where(MentorProfile.user_id == user.id))
    )
    db.session.execute(
        db.update(Milestone)
        .where(Milestone.match_id.in_(theirs), Milestone.returned_note.is_not(None))
        .values(returned_note=None),
        execution_options={"synchronize_session": False},
    )


def sweep_files(before: datetime, *, dry_run: bool = False) -> int:
    """Delete stored files that no milestone names, written before ``before`` (a moment in the
    past, so an upload being saved right now is left alone); how many."""
    store = file_store()
    named = set(db.session.scalars(db.select(MilestoneDocument.storage_key)))
    stray = [key for key in store.keys_before(before) if key not in named]
    if not dry_run:
        for key in stray:
            store.delete(key)
    return len(stray)
