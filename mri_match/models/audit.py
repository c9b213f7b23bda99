"""The history of every status change: who, when, what, from, to and why."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User", lazy="joined")


def record(
    entity,
    action: str,
    *,
    actor=None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller commits with the change."""
    if entity.id is None:
        db.session.flush()
    event = AuditEvent(
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        action=action,
        actor_id=getattr(actor, "id", None),
        from_state=from_state,
        to_state=to_state,
        reason=reason or None,
    )
    db.session.add(event)
    return event


def history(entity) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .filter_by(entity_type=entity.__tablename__, entity_id=entity.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


class TransitionError(ValueError):
    """A status change that the entity's rules forbid."""


def transition(entity, to_state: str, allowed: dict[str, set[str]], *, actor=None, reason=None):
    """Move ``entity.status`` along ``allowed`` and record it; raise on a forbidden move."""
    from_state = entity.status
    if to_state not in allowed.get(from_state, set()):
        raise TransitionError(f"Cannot change status from “{from_state}” to “{to_state}”.")
    entity.status = to_state
    record(entity, "status", actor=actor, from_state=from_state, to_state=to_state, reason=reason)
