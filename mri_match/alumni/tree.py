"""The mentorship family tree: who mentored whom across cycles, and which trainees went on to
mentor in the program themselves (a mentor profile linked to their trainee account)."""

from dataclasses import dataclass, field

from ..extensions import db
from ..models import Application, Cycle, FormerTraineeLink, Match, MentorProfile

#: Deeper than any real program: a safeguard against a link that loops back on itself.
MAX_DEPTH = 12


@dataclass(frozen=True)
class Edge:
    mentor_id: int
    trainee_user_id: int
    trainee_name: str
    cycle_name: str
    role: str


@dataclass
class Mentee:
    name: str
    cycle_name: str
    role: str
    branch: "Branch | None" = None  # their own mentees, when they went on to mentor


@dataclass
class Branch:
    mentor_id: int
    mentor_name: str
    mentees: list[Mentee] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Everyone below this mentor, at every level."""
        return sum(1 + (m.branch.size if m.branch else 0) for m in self.mentees)


@dataclass
class Family:
    root: Branch
    mentored_by: list[tuple[int, str, str, str]]  # (mentor id, name, cycle, role) above root
    former_trainee: bool


def _edges() -> list[Edge]:
    """Every mentorship in the program, oldest cycle first (one query)."""
    rows = db.session.execute(
        db.select(
            Match.mentor_id,
            Application.trainee_id,
            Application.full_name,
            Cycle.name,
            Match.role,
        )
        .join(Application, Application.id == Match.application_id)
        .join(Cycle, Cycle.id == Match.cycle_id)
        .where(Match.was_mentorship)
        .order_by(Cycle.opens_at, Application.full_name, Match.id)
    )
    return [Edge(*row) for row in rows]


def _profiles_of_trainees(trainee_ids: set[int]) -> dict[int, tuple[int, str]]:
    """Former trainee's user id → (mentor profile id, name): linked by an admin or by the
    accounts, or the same account mentoring (one query)."""
    rows = db.session.execute(
        db.select(
            MentorProfile.id,
            MentorProfile.full_name,
            MentorProfile.user_id,
            FormerTraineeLink.trainee_id,
        )
        .outerjoin(FormerTraineeLink, FormerTraineeLink.mentor_id == MentorProfile.id)
        .where(
            db.or_(
                FormerTraineeLink.trainee_id.is_not(None),
                MentorProfile.user_id.in_(trainee_ids),
            )
        )
    )
    found: dict[int, tuple[int, str]] = {}
    for profile_id, name, user_id, former_id in rows:
        if user_id in trainee_ids:
            found.setdefault(user_id, (profile_id, name))
        if former_id is not None:
            found[former_id] = (profile_id, name)
    return found


def family_of(profile: MentorProfile) -> Family:
    """The tree below ``profile`` and the mentors directly above it."""
    edges = _edges()
    by_mentor: dict[int, list[Edge]] = {}
    for edge in edges:
        by_mentor.setdefault(edge.mentor_id, []).append(edge)
    profiles = _profiles_of_trainees({edge.trainee_user_id for edge in edges})

    def branch(mentor_id: int, name: str, seen: frozenset[int]) -> Branch:
        node = Branch(mentor_id, name)
        for edge in by_mentor.get(mentor_id, []):
            mentee = Mentee(edge.trainee_name, edge.cycle_name, edge.role)
            became = profiles.get(edge.trainee_user_id)
            if became and became[0] not in seen and len(seen) < MAX_DEPTH:
                mentee.branch = branch(became[0], became[1], seen | {became[0]})
            node.mentees.append(mentee)
        return node

    own_trainee_ids = {uid for uid, (pid, _) in profiles.items() if pid == profile.id}
    above_edges = [edge for edge in edges if edge.trainee_user_id in own_trainee_ids]
    names = {}
    if above_edges:
        names = dict(
            db.session.execute(
                db.select(MentorProfile.id, MentorProfile.full_name).where(
                    MentorProfile.id.in_({edge.mentor_id for edge in above_edges})
                )
            ).all()
        )
    above = [(e.mentor_id, names.get(e.mentor_id, ""), e.cycle_name, e.role) for e in above_edges]
    return Family(
        root=branch(profile.id, profile.full_name, frozenset({profile.id})),
        mentored_by=above,
        former_trainee=bool(own_trainee_ids),
    )
