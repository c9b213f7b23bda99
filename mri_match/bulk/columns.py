"""The columns of an import file, mirroring the web forms' rules (lengths, choices, required)."""

from dataclasses import dataclass
from functools import cache

from .. import vocabulary
from ..mentor import forms as mentor_forms
from ..trainee import forms as trainee_forms

KINDS = {"trainee": "Trainees", "mentor": "Mentors"}
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    kind: str = "text"  # text | email | choice | multi | bool | int | timezone | track
    required: bool = False
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    max_items: int | None = None
    low: int | None = None
    high: int | None = None

    @property
    def allowed(self) -> str:
        """Allowed values in words, for the template's help sheet and the import page."""
        if self.kind in ("choice", "multi") and self.choices:
            if self.name == "topics":
                return "Topic codes or names from the program's topic list"
            return "; ".join(code for code, _ in self.choices)
        if self.kind == "bool":
            return "yes or no (blank means no)"
        if self.kind == "int":
            return f"a whole number from {self.low} to {self.high}"
        if self.kind == "timezone":
            return "an IANA time zone, e.g. America/New_York"
        if self.kind == "track":
            return "one of the cycle's tracks"
        if self.kind == "email":
            return "an email address"
        if self.min_length:
            return f"{self.min_length} to {self.max_length:,} characters"
        if self.max_length:
            return f"at most {self.max_length:,} characters"
        return ""


def _topics() -> tuple[tuple[str, str], ...]:
    return tuple(vocabulary.topic_choices())


def _workplace(city_required: bool) -> tuple[Column, ...]:
    """Institution and place, asked the same way of trainees and mentors."""
    return (
        Column("institution", "Institution", required=True, max_length=200),
        Column("city", "City", required=city_required, max_length=120),
        Column("region", "State or province", max_length=120),
        Column("country", "Country", required=True, max_length=120),
        Column("timezone", "Time zone", "timezone", True),
    )


def _languages() -> Column:
    return Column(
        "languages",
        "Languages, separated by “;”",
        "multi",
        True,
        choices=tuple(vocabulary.LANGUAGES),
    )


@cache
def trainee_columns() -> tuple[Column, ...]:
    t = trainee_forms
    return (
        Column("email", "The trainee's email address (their login)", "email", True, 254),
        Column("full_name", "Full name", required=True, max_length=120),
        Column("pronouns", "Pronouns", max_length=40),
        Column(
            "career_stage", "Career stage", "choice", True, choices=tuple(vocabulary.CAREER_STAGES)
        ),
        *_workplace(city_required=True),
        Column("track", "Program track (required when the cycle has tracks)", "track"),
        Column(
            "topics",
            f"Research topics, separated by “;” (at most {t.MAX_TOPICS})",
            "multi",
            True,
            choices=_topics(),
            max_items=t.MAX_TOPICS,
        ),
        Column(
            "research_statement",
            "Research statement",
            required=True,
            min_length=t.STATEMENT_MIN,
            max_length=t.STATEMENT_MAX,
        ),
        Column(
            "needs",
            "What they would like help with, separated by “;”",
            "multi",
            True,
            choices=tuple(vocabulary.MENTORING_NEEDS),
        ),
        Column(
            "requested_roles",
            "Mentor roles requested, separated by “;” (required without a research mentor)",
            "multi",
            choices=tuple(vocabulary.MENTOR_ROLES),
        ),
        Column(
            "meeting_format",
            "Preferred meeting format",
            "choice",
            True,
            choices=tuple(vocabulary.MEETING_PREFERENCES),
        ),
        _languages(),
        Column("wants_same_institution", "Wants a mentor at their own institution", "bool"),
        Column("wants_same_region", "Wants a mentor in their state or province", "bool"),
        Column("has_research_mentor", "Already has a research mentor", "bool"),
        Column("nominee_name", "Their research mentor's name", max_length=120),
        Column("nominee_email", "Their research mentor's email", "email", max_length=254),
        Column("nominee_institution", "Their research mentor's institution", max_length=200),
    )


@cache
def mentor_columns() -> tuple[Column, ...]:
    m = mentor_forms
    return (
        Column("email", "The mentor's email address (their login)", "email", True, 254),
        Column("full_name", "Full name", required=True, max_length=120),
        Column("degrees", "Degrees", max_length=80),
        Column("position", "Position or academic rank", max_length=120),
        *_workplace(city_required=False),
        Column(
            "ash_member_number", "ASH membership number (letters, digits, hyphens)", max_length=32
        ),
        Column("topics", "Expertise topics, separated by “;”", "multi", True, choices=_topics()),
        Column(
            "expertise_statement",
            "Expertise statement",
            required=True,
            min_length=m.MIN_STATEMENT,
            max_length=m.MAX_STATEMENT,
        ),
        Column("publications", "Publication titles or biosketch", max_length=m.MAX_PUBLICATIONS),
        Column(
            "stages_accepted",
            "Career stages they will mentor, separated by “;”",
            "multi",
            True,
            choices=tuple(vocabulary.CAREER_STAGES),
        ),
        Column(
            "needs_offered",
            "What they can help trainees with (mentoring needs), separated by “;”",
            "multi",
            True,
            choices=tuple(vocabulary.MENTORING_NEEDS),
        ),
        Column(
            "meeting_formats",
            "Meeting formats, separated by “;”",
            "multi",
            True,
            choices=tuple(vocabulary.MEETING_FORMATS),
        ),
        _languages(),
        Column(
            "conflicts",
            "Declared conflicts, one person or institution per line",
            max_length=m.MAX_CONFLICTS,
        ),
        Column(
            "capacity",
            "How many trainees in this cycle",
            "int",
            True,
            low=0,
            high=m.MAX_CAPACITY,
        ),
        Column(
            "roles",
            "Mentor roles offered, separated by “;”",
            "multi",
            True,
            choices=tuple(vocabulary.MENTOR_ROLES),
        ),
    )


def columns_for(kind: str) -> tuple[Column, ...]:
    return trainee_columns() if kind == "trainee" else mentor_columns()
