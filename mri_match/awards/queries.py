"""Reading awards: a pair's milestones and payments, the dashboards' line, the admins'
overview of a cycle (each a fixed number of statements whatever the number of pairs), and
what removing one of an award's milestones or payments touches."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import selectinload

from ..extensions import db
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
from ..models.awards import award_payment_milestone

DUE_SOON_DAYS = 14  # a milestone due within this many days is "due soon"
ORDER = (Milestone.due_on, Milestone.position, Milestone.id)


@dataclass
class PairAward:
    """One pair's milestones and payments. ``match``: the :class:`Match`, or the dashboards'
    row of it (:class:`..matches.dashboard.MyMatch`), which has its id and status."""

    match: Match
    milestones: list[Milestone] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    def overdue(self, today: date) -> list[Milestone]:
        return [m for m in self.milestones if m.overdue(today)]

    def next_milestone(self, today: date) -> Milestone | None:
        return next((m for m in self.milestones if not m.done and m.due_on >= today), None)

    @property
    def done_count(self) -> int:
        return sum(1 for m in self.milestones if m.done)

    @property
    def blocked(self) -> list[Payment]:
        return [p for p in self.payments if p.status == "waiting" and p.blockers]

    @property
    def ready(self) -> list[Payment]:
        return [p for p in self.payments if p.status == "waiting" and not p.blockers]


def milestones_of(match: Match) -> list[Milestone]:
    return list(
        db.session.scalars(db.select(Milestone).filter_by(match_id=match.id).order_by(*ORDER))
    )


def payments_of(match: Match) -> list[Payment]:
    return list(
        db.session.scalars(
            db.select(Payment)
            .filter_by(match_id=match.id)
            .options(selectinload(Payment.milestones))
            .order_by(Payment.position, Payment.id)
        )
    )


def pair_award(match: Match) -> PairAward:
    return PairAward(match, milestones_of(match), payments_of(match))


def pair_awards(match_ids) -> dict[int, PairAward]:
    """The awards of these matches: three statements (matches, milestones, payments)."""
    ids = list(match_ids)
    if not ids:
        return {}
    matches = db.session.scalars(db.select(Match).where(Match.id.in_(ids)).order_by(Match.id))
    return awards_of(matches)


def awards_of(matches, *, payments: bool = True) -> dict[int, PairAward]:
    """The awards of these loaded matches: one statement for the milestones, one for the
    payments (none with ``payments=False``)."""
    awards = {m.id: PairAward(m) for m in matches}
    if not awards:
        return {}
    ids = list(awards)
    for milestone in db.session.scalars(
        db.select(Milestone).where(Milestone.match_id.in_(ids)).order_by(*ORDER)
    ):
        awards[milestone.match_id].milestones.append(milestone)
    if payments:
        for payment in db.session.scalars(
            db.select(Payment)
            .where(Payment.match_id.in_(ids))
            .options(selectinload(Payment.milestones))
            .order_by(Payment.position, Payment.id)
        ):
            awards[payment.match_id].payments.append(payment)
    return awards


@dataclass
class AwardRecords:
    milestones: list[Milestone]
    payments: list[Payment]


def award_records(match_ids) -> AwardRecords:
    """Every milestone and payment of these matches (for the personal data download)."""
    awards = pair_awards(match_ids).values()
    return AwardRecords(
        [m for a in awards for m in a.milestones], [p for a in awards for p in a.payments]
    )


def cycle_awards(cycle, *, show: str = "all") -> list[PairAward]:
    """The pairs of ``cycle`` that have milestones, by trainee name; ``show`` "overdue" or
    "blocked" keeps only the pairs with an overdue milestone, or a payment held back."""
    ids = db.session.scalars(
        db.select(Match.id)
        .join(Application, Application.id == Match.application_id)
        .where(
            Match.cycle_id == cycle.id,
            Match.id.in_(db.select(Milestone.match_id).distinct()),
        )
        .order_by(Application.full_name, Match.id)
    ).all()
    awards = pair_awards(ids)
    rows = [awards[i] for i in ids]
    today = utcnow().date()
    if show == "overdue":
        rows = [r for r in rows if r.match.status == "active" and r.overdue(today)]
    elif show == "blocked":
        rows = [r for r in rows if r.blocked]
    return rows


def templates_of(cycle) -> dict[str, AwardTemplate]:
    """The cycle's awards by track."""
    return {
        t.track: t
        for t in db.session.scalars(db.select(AwardTemplate).filter_by(cycle_id=cycle.id))
    }


def milestone_line(award: PairAward, today: date) -> str | None:
    """The pair's award in a line, for the dashboards: the next milestone and what is overdue."""
    if award.match.status != "active" or not award.milestones:
        return None
    parts = []
    overdue = award.overdue(today)
    if overdue:
        titles = ", ".join(m.title for m in overdue[:3]) + (" …" if len(overdue) > 3 else "")
        parts.append(f"{len(overdue)} overdue ({titles})")
    upcoming = award.next_milestone(today)
    if upcoming is not None:
        parts.append(f"next: {upcoming.title}, due {upcoming.due_on:%d %b %Y}")
    if not parts:
        return "every milestone is done." if award.done_count == len(award.milestones) else None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _of_active_pairs(*conditions) -> list[Milestone]:
    """The milestones of active matches that meet ``conditions``, by id."""
    return list(
        db.session.scalars(
            db.select(Milestone)
            .join(Match, Match.id == Milestone.match_id)
            .where(Match.status == "active", *conditions)
            .order_by(Milestone.id)
        )
    )


def due_soon(today: date) -> list[Milestone]:
    """Open milestones of active matches due within :data:`DUE_SOON_DAYS`, not yet overdue."""
    return _of_active_pairs(
        Milestone.status == "open",
        Milestone.due_on >= today,
        Milestone.due_on <= today + timedelta(days=DUE_SOON_DAYS),
    )


def overdue(today: date) -> list[Milestone]:
    """Milestones of active matches past their due date and not done."""
    return _of_active_pairs(Milestone.status != "done", Milestone.due_on < today)


def people_of(match_ids) -> dict[int, tuple[int, int]]:
    """(trainee user id, mentor user id) of each match."""
    rows = db.session.execute(
        db.select(Match.id, Application.trainee_id, MentorProfile.user_id)
        .join(Application, Application.id == Match.application_id)
        .join(MentorProfile, MentorProfile.id == Match.mentor_id)
        .where(Match.id.in_(list(match_ids)))
    )
    return {match_id: (trainee, mentor) for match_id, trainee, mentor in rows}


def payments_needing_only(milestone: MilestoneTemplate) -> list[str]:
    """The titles of the award's payments that need ``milestone`` and no other, as committed
    now (a payment needs at least one milestone, so these keep it in the award)."""
    links = award_payment_milestone
    return list(
        db.session.scalars(
            db.select(PaymentTemplate.title)
            .join(links, links.c.payment_id == PaymentTemplate.id)
            .where(
                PaymentTemplate.id.in_(
                    db.select(links.c.payment_id).where(links.c.milestone_id == milestone.id)
                )
            )
            .group_by(PaymentTemplate.id, PaymentTemplate.title, PaymentTemplate.position)
            .having(db.func.count() == 1)
            .order_by(PaymentTemplate.position, PaymentTemplate.id)
        )
    )


@dataclass
class Copies:
    """The pairs' own copies of one milestone or payment of an award, by state."""

    by_status: dict[str, int]
    with_file: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def copies_of_milestone(milestone: MilestoneTemplate) -> Copies:
    """How many pairs have their own copy of ``milestone``, by state, and how many of those
    copies have a file handed in: two statements."""
    of_it = Milestone.template_milestone_id == milestone.id
    by_status = db.session.execute(
        db.select(Milestone.status, db.func.count()).where(of_it).group_by(Milestone.status)
    )
    with_file = db.session.scalar(
        db.select(db.func.count()).select_from(MilestoneDocument).join(Milestone).where(of_it)
    )
    return Copies(dict(by_status.all()), with_file or 0)


def copies_of_payment(payment: PaymentTemplate) -> Copies:
    """How many pairs have their own copy of ``payment``, by state: one statement."""
    by_status = db.session.execute(
        db.select(Payment.status, db.func.count())
        .where(Payment.template_payment_id == payment.id)
        .group_by(Payment.status)
    )
    return Copies(dict(by_status.all()))
