"""Supply and demand per topic: trainees asking for it against mentor places offering it."""

from dataclasses import dataclass

from sqlalchemy import func

from .. import vocabulary
from ..extensions import db
from ..models import Application, ApplicationTopic, MentorOffer, MentorTopic

# Trainee demand per topic: applications still in the running (what the matcher considers).
DEMAND_STATES = ("submitted", "eligible")


@dataclass(frozen=True)
class TopicBalance:
    topic: str
    label: str
    demand: int  # applications listing the topic
    places: int  # summed capacity of active offers whose mentor lists the topic

    @property
    def gap(self) -> int:
        """Places minus demand: negative is a shortage of mentors."""
        return self.places - self.demand


def topic_balance(cycle) -> list[TopicBalance]:
    """Demand against places per topic, biggest shortage first, in two queries."""
    demand = dict(
        db.session.execute(
            db.select(ApplicationTopic.topic, func.count(ApplicationTopic.application_id))
            .join(Application, Application.id == ApplicationTopic.application_id)
            .where(Application.cycle_id == cycle.id, Application.status.in_(DEMAND_STATES))
            .group_by(ApplicationTopic.topic)
        ).all()
    )
    places = dict(
        db.session.execute(
            db.select(MentorTopic.topic, func.sum(MentorOffer.capacity))
            .join(MentorOffer, MentorOffer.mentor_id == MentorTopic.mentor_id)
            .where(MentorOffer.cycle_id == cycle.id, MentorOffer.status == "active")
            .group_by(MentorTopic.topic)
        ).all()
    )
    labels = vocabulary.topic_labels()
    rows = [
        TopicBalance(t, labels.get(t, t), int(demand.get(t) or 0), int(places.get(t) or 0))
        for t in set(demand) | set(places)
    ]
    return sorted(rows, key=lambda r: (r.gap, -r.demand, r.label.lower()))
