"""Changes admins make to cycles, each recorded in the cycle's history."""

from ..extensions import db
from ..models import Cycle, TransitionError, record

EDITABLE = ("name", "tracks", "opens_at", "closes_at")


def create_cycle(*, actor, name, slug, tracks, opens_at, closes_at) -> Cycle:
    cycle = Cycle(
        name=name, slug=slug, tracks=tracks, opens_at=opens_at, closes_at=closes_at, status="draft"
    )
    db.session.add(cycle)
    record(cycle, "created", actor=actor, to_state="draft")
    return cycle


def update_cycle(cycle: Cycle, *, actor, **values) -> list[str]:
    """Change a cycle's details (not its state); a completed cycle is history and stays as is."""
    if cycle.status == "completed":
        raise TransitionError("A completed cycle can no longer be edited.")
    changed = [name for name in EDITABLE if getattr(cycle, name) != values[name]]
    for name in changed:
        setattr(cycle, name, values[name])
    if changed:
        record(cycle, "edited", actor=actor, reason="Changed: " + ", ".join(changed) + ".")
    return changed
