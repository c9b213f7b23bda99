"""Which mentor profile is one of the program's former trainees, for the family tree.

A link is found by account when the mentor signs in with the trainee's own account, or with
the address the former trainee gave for alumni follow-ups; otherwise an admin sets it. Each
former trainee is linked to one mentor profile at most, and each profile to one trainee.
"""

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AlumniRecord, FormerTraineeLink, MentorProfile, User, normalise_email, record
from .service import mentored


class LinkError(ValueError):
    """The link cannot be made; the message is for the admin."""


def _linked(trainee_id: int) -> bool:
    return (
        db.session.scalar(db.select(FormerTraineeLink.mentor_id).filter_by(trainee_id=trainee_id))
        is not None
    )


def _was_mentored(user_id: int) -> bool:
    return bool(db.session.scalar(db.select(mentored(user_id))))


def link_by_account(*, profile: MentorProfile | None = None, alumni: AlumniRecord | None = None):
    """Link ``profile`` (or the profile ``alumni``'s address signs in to) when the accounts
    say who it is; an existing link is left alone. Returns the trainee's user id when linked.
    The caller commits."""
    if alumni is not None and alumni.email:
        profile = db.session.scalar(
            db.select(MentorProfile)
            .join(User, User.id == MentorProfile.user_id)
            .where(User.email == normalise_email(alumni.email))
        )
    if profile is None or FormerTraineeLink.of_mentor(profile.id) is not None:
        return None
    if _was_mentored(profile.user_id):
        trainee_id = profile.user_id
    elif alumni is not None:
        trainee_id = alumni.user_id
    else:
        trainee_id = db.session.scalar(
            db.select(AlumniRecord.user_id).where(
                AlumniRecord.email == normalise_email(profile.user.email)
            )
        )
    if trainee_id is None or _linked(trainee_id):
        return None
    try:  # a savepoint: a link made at the same moment elsewhere must not undo the caller's save
        with db.session.begin_nested():
            db.session.add(FormerTraineeLink(mentor_id=profile.id, trainee_id=trainee_id))
    except IntegrityError:
        return None
    record(profile, "former_trainee_linked", to_state="linked", reason="Found by account")
    return trainee_id


def link_former_trainee(profile: MentorProfile, trainee: User | None, *, actor) -> None:
    """An admin's link from ``profile`` to a former trainee's account (None removes it).
    The caller commits; a link made at the same moment elsewhere fails the unique index."""
    link = FormerTraineeLink.of_mentor(profile.id)
    if trainee is None:
        if link is not None:
            db.session.delete(link)
            record(profile, "former_trainee_unlinked", actor=actor, to_state="unlinked")
        return
    if trainee.role != "trainee" or not _was_mentored(trainee.id):
        raise LinkError(f"{trainee.email} is not a trainee who had a mentor in the program.")
    if link is not None and link.trainee_id == trainee.id:
        return
    if _linked(trainee.id):
        raise LinkError(f"{trainee.email} is already linked to another mentor profile.")
    if link is not None:
        db.session.delete(link)
        db.session.flush()
    db.session.add(
        FormerTraineeLink(
            mentor_id=profile.id, trainee_id=trainee.id, linked_by_id=getattr(actor, "id", None)
        )
    )
    record(profile, "former_trainee_linked", actor=actor, to_state="linked")
