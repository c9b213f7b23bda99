"""The program's controlled vocabularies: codes stored in the database and their labels.

The topic vocabulary is data the package ships (``data/topics.csv``); the short lists are the
program's fixed categories, shared with the matching engine by their codes.
"""

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

CAREER_STAGES = [
    ("undergraduate", "Undergraduate"),
    ("medical_student", "Medical student"),
    ("graduate_student", "Graduate student"),
    ("resident", "Resident"),
    ("fellow", "Fellow"),
    ("postdoc_early_faculty", "Postdoc / early faculty"),
]
DEFAULT_TRACKS = ["Medical student", "Resident", "Graduate student", "Fellow"]
MENTORING_NEEDS = [
    ("research", "Research"),
    ("career_development", "Career development"),
    ("clinical", "Clinical"),
    ("grant_writing", "Grant writing"),
    ("work_life", "Work–life integration"),
    ("identity", "Navigating identity in medicine"),
]
MENTOR_ROLES = [("research", "Research mentor"), ("career", "Career-development mentor")]
MEETING_PREFERENCES = [("in_person", "In person"), ("virtual", "Virtual"), ("either", "Either")]
MEETING_FORMATS = [("in_person", "In person"), ("virtual", "Virtual")]
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("vi", "Vietnamese"),
    ("ko", "Korean"),
    ("tl", "Tagalog"),
    ("yo", "Yoruba"),
    ("ht", "Haitian Creole"),
    ("ru", "Russian"),
    ("other", "Other"),
]

# Self-identification answers. "prefer_not" is an explicit answer, distinct from no answer.
PREFER_NOT = ("prefer_not", "Prefer not to say")
RACE_ETHNICITY = [
    ("american_indian_alaska_native", "American Indian or Alaska Native"),
    ("asian", "Asian"),
    ("black", "Black or African American"),
    ("hispanic_latino", "Hispanic or Latino/a/e"),
    ("middle_eastern_north_african", "Middle Eastern or North African"),
    ("native_hawaiian_pacific_islander", "Native Hawaiian or Pacific Islander"),
    ("white", "White"),
    ("another", "Another race or ethnicity"),
    PREFER_NOT,
]
GENDER_IDENTITY = [
    ("woman", "Woman"),
    ("man", "Man"),
    ("non_binary", "Non-binary"),
    ("another", "Another gender identity"),
    PREFER_NOT,
]
YES_NO_PREFER_NOT = [("yes", "Yes"), ("no", "No"), PREFER_NOT]


@dataclass(frozen=True)
class Topic:
    code: str
    label: str
    area: str


@cache
def topics() -> tuple[Topic, ...]:
    with resources.files("mri_match.data").joinpath("topics.csv").open(encoding="utf-8") as fh:
        return tuple(Topic(**row) for row in csv.DictReader(fh))


def topic_choices() -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in topics()]


@cache
def topic_labels() -> dict[str, str]:
    return {t.code: t.label for t in topics()}


def label(choices: list[tuple[str, str]], code: str | None) -> str:
    """The human label for a stored code (the code itself if the list no longer has it)."""
    if code is None:
        return ""
    return dict(choices).get(code, code)


def timezone_choices() -> list[tuple[str, str]]:
    import zoneinfo

    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [(z, z.replace("_", " ")) for z in zones]
