"""Per-cycle exports of applications and the mentor pool, spreadsheet-safe (``to_csv``).

Self-identification is never part of an export.
"""

import io
import warnings

from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Application, MentorOffer, MentorProfile
from ..spreadsheet import to_csv
from ..vocabulary import (
    CAREER_STAGES,
    LANGUAGES,
    MEETING_FORMATS,
    MEETING_PREFERENCES,
    MENTOR_ROLES,
    MENTORING_NEEDS,
    label,
    topic_labels,
)
from .columns import columns_for

APPLICATION_HEADER = [
    "Application ID",
    "Status",
    "Email",
    "Full name",
    "Pronouns",
    "Career stage",
    "Track",
    "Institution",
    "City",
    "State or province",
    "Country",
    "Time zone",
    "Research topics",
    "Research statement",
    "Mentoring needs",
    "Mentor roles requested",
    "Meeting format",
    "Languages",
    "Wants same institution",
    "Wants same region",
    "Has research mentor",
    "Research mentor name",
    "Research mentor email",
    "Research mentor institution",
    "Research mentor verified at (UTC)",
    "Submitted at (UTC)",
]
MENTOR_HEADER = [
    "Mentor ID",
    "Offer status",
    "Email",
    "Full name",
    "Degrees",
    "Position",
    "Institution",
    "City",
    "State or province",
    "Country",
    "Time zone",
    "ASH member number",
    "ASH verified at (UTC)",
    "Expertise topics",
    "Expertise statement",
    "Publications",
    "Career stages accepted",
    "Mentoring needs offered",
    "Meeting formats",
    "Languages",
    "Capacity",
    "Roles offered",
]


def _labels(choices, codes) -> list[str]:
    return [label(choices, c) for c in codes or []]


def applications_csv(cycle) -> str:
    topics = topic_labels()
    applications = db.session.scalars(
        db.select(Application)
        .where(Application.cycle_id == cycle.id)
        .options(joinedload(Application.trainee), selectinload(Application.nominated_mentor))
        .order_by(Application.id)
    ).unique()

    def row(a: Application):
        n = a.nominated_mentor
        return [
            a.id,
            a.status,
            a.trainee.email,
            a.full_name,
            a.pronouns,
            label(CAREER_STAGES, a.career_stage),
            a.track,
            a.institution,
            a.city,
            a.region,
            a.country,
            a.timezone,
            [topics.get(t, t) for t in a.topics],
            a.research_statement,
            _labels(MENTORING_NEEDS, a.needs),
            _labels(MENTOR_ROLES, a.requested_roles),
            label(MEETING_PREFERENCES, a.meeting_format),
            _labels(LANGUAGES, a.languages),
            a.wants_same_institution,
            a.wants_same_region,
            a.has_research_mentor,
            n.name if n else None,
            n.email if n else None,
            n.institution if n else None,
            n.verified_at if n else None,
            a.submitted_at,
        ]

    return to_csv(APPLICATION_HEADER, (row(a) for a in applications))


def mentors_csv(cycle) -> str:
    topics = topic_labels()
    offers = db.session.scalars(
        db.select(MentorOffer)
        .where(MentorOffer.cycle_id == cycle.id)
        .options(
            joinedload(MentorOffer.mentor).joinedload(MentorProfile.user),
            joinedload(MentorOffer.mentor).selectinload(MentorProfile.topic_links),
        )
        .order_by(MentorOffer.id)
    ).unique()

    def row(o: MentorOffer):
        m = o.mentor
        return [
            m.id,
            o.status,
            m.user.email,
            m.full_name,
            m.degrees,
            m.position,
            m.institution,
            m.city,
            m.region,
            m.country,
            m.timezone,
            m.ash_member_number,
            m.ash_verified_at,
            [topics.get(t, t) for t in m.topics],
            m.expertise_statement,
            m.publications,
            _labels(CAREER_STAGES, m.stages_accepted),
            "Not stated" if m.needs_offered is None else _labels(MENTORING_NEEDS, m.needs_offered),
            _labels(MEETING_FORMATS, m.meeting_formats),
            _labels(LANGUAGES, m.languages),
            o.capacity,
            _labels(MENTOR_ROLES, o.roles),
        ]

    return to_csv(MENTOR_HEADER, (row(o) for o in offers))


# --- import templates ----------------------------------------------------------------------------


def template_csv(kind: str) -> str:
    return to_csv([c.name for c in columns_for(kind)], [])


def template_xlsx(kind: str) -> bytes:
    """A workbook whose first sheet is the (empty) import sheet and a second that explains it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = columns_for(kind)
    book = Workbook()
    sheet = book.active
    sheet.title = "Import"
    sheet.append([c.name for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    help_sheet = book.create_sheet("Help")
    help_sheet.append(["Column", "Required", "What to enter", "Allowed values"])
    for c in columns:
        required = "yes" if c.required else ("if the cycle has tracks" if c.kind == "track" else "")
        help_sheet.append([c.name, required, c.help, c.allowed])
    help_sheet.append([])
    help_sheet.append(["Separate several values in one cell with “;”. Codes or labels both work."])
    topics = book.create_sheet("Topics")
    topics.append(["code", "label"])
    for code, text in topic_labels().items():
        topics.append([code, text])
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book.save(buffer)
    return buffer.getvalue()
