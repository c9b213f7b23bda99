"""Deleting a person's account: one transaction that anonymises rather than removes rows.

Applications, mentor profiles, offers and matches stay, so that reports and the other person's
history still add up, but everything that names or describes the person is scrubbed, their
self-identification, nominated mentor, alumni record, survey comments, fetched publications,
award files and statement vectors are deleted, and the account can no longer log in. The
email address is freed for a new registration. Foreign keys all still point at real rows, so
nothing depends on ON DELETE behaviour (the same on SQLite and PostgreSQL).
"""

from sqlalchemy import update

from ..awards import service as awards
from ..embeddings.store import delete_for as delete_vectors
from ..extensions import db
from ..matches.lifecycle import close_matches_of_application, close_matches_of_mentor
from ..models import (
    AlumniRecord,
    Application,
    AuditEvent,
    MentorProfile,
    RematchRequest,
    SelfIdentification,
    record,
    utcnow,
)
from ..surveys import answers as surveys

DELETED_TRAINEE = "Deleted trainee"
DELETED_MENTOR = "Deleted mentor"
REASON = "Account deleted"
REMOVED = "(removed: account deleted)"


class DeletionError(ValueError):
    """The account cannot be deleted this way; the message is for the person."""


def deleted_email(user_id: int) -> str:
    return f"deleted-{user_id}@deleted.invalid"


def delete_account(user) -> None:
    """Anonymise ``user`` and everything about them; the caller commits (one transaction)."""
    if user.role not in ("trainee", "mentor"):
        raise DeletionError("Only trainee and mentor accounts can be deleted here.")
    if user.is_deleted:
        raise DeletionError("This account is already deleted.")

    # Text the person wrote into the shared history goes first, before new events are added.
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(reason=None))
    db.session.execute(
        update(RematchRequest)
        .where(RematchRequest.requested_by_id == user.id)
        .values(reason=REMOVED)
    )

    applications = db.session.scalars(db.select(Application).filter_by(trainee_id=user.id)).all()
    profile = MentorProfile.of_user(user)
    # Offered and active matches close first, while names are intact for the other person's
    # email; a mentor's trainees go back to review.
    for application in applications:
        close_matches_of_application(application, actor=user, reason=REASON)
    if profile is not None:
        close_matches_of_mentor(profile, actor=user, reason=REASON)
    # Files the person handed in for award milestones go; the milestones' states stay.
    awards.forget_person(user)

    for application in applications:
        if application.status != "withdrawn":
            application.withdraw(actor=user, reason=REASON)  # every other state may
        application.full_name = DELETED_TRAINEE
        application.pronouns = None
        application.institution = None
        application.city = None
        application.research_statement = None
        application.status_reason = None
        application.nominated_mentor = None  # a third party's details: deleted

    if profile is not None:
        for offer in profile.offers:
            if offer.status == "active":
                offer.pause(actor=user, reason=REASON)
        profile.full_name = DELETED_MENTOR
        profile.degrees = None
        profile.position = None
        profile.institution = ""
        profile.city = None
        profile.ash_member_number = None
        profile.expertise_statement = ""
        profile.publications = None
        profile.conflicts = None
        profile.fetched_publications = []  # and where they came from: the ORCID iD, the IDs
        profile.publication_source = None

    db.session.execute(db.delete(SelfIdentification).where(SelfIdentification.user_id == user.id))
    # Survey comments go; ratings and choices stay in the cycle's report, tied to nobody.
    surveys.forget_person(user.id)
    # The statement vectors are made from the text scrubbed above: they go too.
    delete_vectors(
        applications=[a.id for a in applications],
        mentors=[profile.id] if profile is not None else [],
    )
    # Consent to alumni follow-ups ends with the account: the record and its answers go.
    alumni = AlumniRecord.of_user(user)
    if alumni is not None:
        db.session.delete(alumni)

    user.email = deleted_email(user.id)
    user.set_unusable_password("deleted")
    user.active = False
    user.can_view_self_identification = False
    user.deleted_at = utcnow()
    record(user, "deleted", actor=user, to_state="deleted")
