"""Creating the checked people in one transaction, and inviting them afterwards."""

from ..email import email_url, send_email_or_log
from ..extensions import db
from ..models import Application, MentorOffer, MentorProfile, NominatedMentor, User, record, utcnow

IMPORTABLE_CYCLE_STATES = ("draft", "open", "closed")


class ImportRefused(ValueError):
    """The import cannot run; the message is for the admin."""


def import_people(kind: str, cycle, records: list[tuple[int, dict]], *, actor, source: str):
    """Add every record; the caller commits once (all or nothing) and then invites them."""
    if cycle.status not in IMPORTABLE_CYCLE_STATES:
        raise ImportRefused(
            "People can be imported into a draft, open or closed cycle; "
            f"this one is {cycle.status}."
        )
    now = utcnow()
    users = []
    for _row, v in records:
        user = User(email=v["email"], role=kind)
        user.set_unusable_password("invited")
        db.session.add(user)
        users.append(user)
        if kind == "trainee":
            application = Application(
                cycle=cycle,
                trainee=user,
                status="submitted",
                submitted_at=now,
                **{name: v[name] for name in Application.ENTERED_FIELDS},
            )
            application.full_name = application.full_name or ""
            application.topics = v["topics"]
            if v["has_research_mentor"]:
                application.nominated_mentor = NominatedMentor(
                    name=v["nominee_name"],
                    email=v["nominee_email"],
                    institution=v["nominee_institution"],
                )
            db.session.add(application)
        else:
            profile = MentorProfile(
                user=user, **{name: v[name] for name in MentorProfile.ENTERED_FIELDS}
            )
            profile.topics = v["topics"]
            profile.conflicts = v["conflicts"]
            profile.ash_member_number = v["ash_member_number"]
            db.session.add(profile)
            db.session.add(
                MentorOffer(cycle=cycle, mentor=profile, capacity=v["capacity"], roles=v["roles"])
            )
    db.session.flush()
    record(
        cycle,
        "bulk_import",
        actor=actor,
        reason=f"{len(users)} {kind}{'s' if len(users) != 1 else ''} imported from {source}",
    )
    return users


def invite(users: list[User], cycle) -> list[User]:
    """A "set your password" email to each imported person; call after the commit. The people
    whose email could not be sent are returned, for the admin to send again."""
    unsent = []
    for user in users:
        sent = send_email_or_log(
            "invitation",
            to=user.email,
            subject="Set your password",
            user=user,
            cycle=cycle,
            url=email_url("auth.reset_password", token=user.password_reset_token(invitation=True)),
        )
        if not sent:
            unsent.append(user)
    return unsent


def awaiting_invitation(cycle, user_ids: list[int]) -> list[User]:
    """Of these accounts, those imported into ``cycle`` that have not set a password yet."""
    if not user_ids:
        return []
    in_cycle = db.or_(
        db.select(Application.id)
        .where(Application.trainee_id == User.id, Application.cycle_id == cycle.id)
        .exists(),
        db.select(MentorOffer.id)
        .join(MentorProfile, MentorOffer.mentor_id == MentorProfile.id)
        .where(MentorProfile.user_id == User.id, MentorOffer.cycle_id == cycle.id)
        .exists(),
    )
    return list(
        db.session.scalars(
            db.select(User)
            .where(
                User.id.in_(user_ids),
                User.active.is_(True),
                User.email_confirmed_at.is_(None),
                User.password_hash.startswith("!invited:"),
                in_cycle,
            )
            .order_by(User.email)
        )
    )
