"""Changes admins make to cycles, each recorded in the cycle's history."""

from slugify import slugify

from ..extensions import db
from ..models import Application, Cycle, TransitionError, record
from ..models.profiles import APPLICATION_TRANSITIONS

EDITABLE = (
    "name",
    "tracks",
    "opens_at",
    "closes_at",
    # the mentor's answer (see docs/lifecycle.md); the meeting settings have their own page
    "mentor_acceptance_required",
    "offer_response_days",
)
#: How the cycle's history names a changed setting.
SETTING_NAMES = {
    "opens_at": "opening time",
    "closes_at": "closing time",
    "mentor_acceptance_required": "mentor acceptance",
    "offer_response_days": "days to answer an offer",
}
MAX_SLUG = 60
# room left in a slug made from a name for "-2", "-3"... when another cycle has it already
_SUFFIX_ROOM = 5


def slug_from_name(name: str) -> str:
    """The slug a cycle's name suggests ("MRI 2027–2028" gives "mri-2027-2028"), or ""."""
    return slugify(name or "", max_length=MAX_SLUG - _SUFFIX_ROOM, word_boundary=True)


def free_slug(name: str) -> str:
    """A slug made from ``name`` that no cycle uses yet: "mri-2027", else "mri-2027-2"..."""
    base = slug_from_name(name)
    taken = set(
        db.session.scalars(
            db.select(Cycle.slug).where(
                (Cycle.slug == base) | Cycle.slug.startswith(f"{base}-", autoescape=True)
            )
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_cycle(*, actor, name, slug, tracks, opens_at, closes_at, **settings) -> Cycle:
    """A draft cycle; ``settings`` are the after-the-match ones (the model's defaults if none)."""
    unknown = set(settings) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not cycle settings: {', '.join(sorted(unknown))}")
    cycle = Cycle(
        name=name,
        slug=slug,
        tracks=tracks,
        opens_at=opens_at,
        closes_at=closes_at,
        status="draft",
        **settings,
    )
    db.session.add(cycle)
    record(cycle, "created", actor=actor, to_state="draft")
    return cycle


def update_cycle(cycle: Cycle, *, actor, **values) -> list[str]:
    """Change a cycle's details (not its state); a completed cycle is history and stays as is."""
    if cycle.status == "completed":
        raise TransitionError("A completed cycle can no longer be edited.")
    changed = [name for name in EDITABLE if name in values and getattr(cycle, name) != values[name]]
    for name in changed:
        setattr(cycle, name, values[name])
    if changed:
        names = ", ".join(SETTING_NAMES.get(name, name) for name in changed)
        record(cycle, "edited", actor=actor, reason=f"Changed: {names}.")
    return changed


def decide_eligibility_many(
    applications: list[Application], eligible: bool, *, actor, reason: str | None
) -> list[Application]:
    """Mark each application eligible or ineligible, each change in its own history; those
    already so stay as they are. All or none: if one cannot be decided (a draft, or withdrawn
    since the list was shown) nothing is changed and the error names it. The caller commits.
    Returns the applications that changed."""
    to = "eligible" if eligible else "ineligible"
    refused = [
        a for a in applications if a.status != to and to not in APPLICATION_TRANSITIONS[a.status]
    ]
    if refused:
        names = ", ".join(a.full_name or f"application {a.id}" for a in refused)
        raise TransitionError(f"Only submitted applications can be decided, so not: {names}.")
    changed = [a for a in applications if a.status != to]
    for application in changed:
        decide_eligibility(application, eligible, actor=actor, reason=reason)
    return changed


NOT_ELIGIBLE_REASON = "The trainee's application was found not eligible."


def decide_eligibility(application: Application, eligible: bool, *, actor, reason: str | None):
    """One decision; an ineligible trainee's live matches end in the same transaction (the
    mentor is told, the place is free). Returns the matches ended. The caller commits."""
    from ..matches.lifecycle import close_matches_of_application

    application.decide_eligibility(eligible, actor=actor, reason=reason)
    if eligible:
        return []
    return close_matches_of_application(application, actor=actor, reason=NOT_ELIGIBLE_REASON)


def move_cycle_to(cycle: Cycle, state: str, *, actor, reason: str | None) -> None:
    """Change the cycle's state. Completing it withdraws the offers still waiting for a mentor's
    answer (nobody could match their trainees again); active matches go on. The caller commits."""
    from ..matches.lifecycle import cancel_offers_of_cycle

    cycle.move_to(state, actor=actor, reason=reason)
    if state == "completed":
        cancel_offers_of_cycle(cycle, actor=actor)
