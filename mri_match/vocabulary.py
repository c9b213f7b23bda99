"""The program's controlled vocabularies: codes stored in the database and their labels.

The codes the matching engine compares (career stages, mentoring needs, mentor roles, meeting
formats and the topic list in ``data/topics.csv``) are defined once, in
:mod:`mri_match.engine.codes`; this module gives them their labels, as (code, label) choices for
forms, import files and pages. A code without a label here, or a label for a code the engine
does not have, stops the app at import. Languages and the self-identification answers are the
app's own lists.
"""

from functools import cache

from .engine import codes
from .engine.codes import topics as topics  # the engine reads the topic list; the app uses it


def labelled(codes_: tuple[str, ...], labels: dict[str, str], what: str) -> list[tuple[str, str]]:
    """(code, label) choices in the engine's order; every code must have exactly one label."""
    missing = [code for code in codes_ if code not in labels]
    unknown = sorted(set(labels) - set(codes_))
    if missing or unknown:
        raise RuntimeError(
            f"vocabulary: the {what} labels do not match the engine's codes "
            f"(no label: {missing}; no such code: {unknown})"
        )
    return [(code, labels[code]) for code in codes_]


CAREER_STAGES = labelled(
    codes.CAREER_STAGES,
    {
        "undergraduate": "Undergraduate",
        "medical_student": "Medical student",
        "graduate_student": "Graduate student",
        "resident": "Resident",
        "fellow": "Fellow",
        "postdoc_early_faculty": "Postdoc / early faculty",
    },
    "career stage",
)
DEFAULT_TRACKS = ["Medical student", "Resident", "Graduate student", "Fellow"]
MENTORING_NEEDS = labelled(
    codes.MENTORING_NEEDS,
    {
        "research": "Research",
        "career_development": "Career development",
        "clinical": "Clinical",
        "grant_writing": "Grant writing",
        "work_life": "Work–life integration",
        "identity": "Navigating identity in medicine",
    },
    "mentoring need",
)
MENTOR_ROLES = labelled(
    codes.MENTOR_ROLES,
    {"research": "Research mentor", "career": "Career-development mentor"},
    "mentor role",
)
MEETING_PREFERENCES = labelled(
    codes.MEETING_PREFERENCES,
    {"in_person": "In person", "virtual": "Virtual", "either": "Either"},
    "meeting preference",
)
MEETING_FORMATS = labelled(
    codes.MEETING_FORMATS, {"in_person": "In person", "virtual": "Virtual"}, "meeting format"
)
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

#: Ticked on a new application or mentor profile: most people answer English.
DEFAULT_LANGUAGES = ("en",)

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


def topic_choices() -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in topics()]


@cache
def topic_groups() -> tuple[tuple[str, tuple[codes.Topic, ...]], ...]:
    """The topics by area, areas in the order the list first names them: the first topic
    shown is the list's first (the error summary links to it)."""
    areas: dict[str, list] = {}
    for topic in topics():
        areas.setdefault(topic.area, []).append(topic)
    return tuple((area, tuple(members)) for area, members in areas.items())


@cache
def topic_labels() -> dict[str, str]:
    return {t.code: t.label for t in topics()}


def label(choices: list[tuple[str, str]], code: str | None) -> str:
    """The human label for a stored code (the code itself if the list no longer has it)."""
    if code is None:
        return ""
    return dict(choices).get(code, code)


def labels(codes, choices: list[tuple[str, str]], separator: str = ", ") -> str:
    """The labels of stored codes (a list, or one code), in their order: ``{{ codes |
    labels(vocab.LANGUAGES) }}`` in templates, so that a page never shows a code ("en") where
    a name ("English") belongs."""
    if isinstance(codes, str):
        codes = [codes]
    return separator.join(label(choices, code) for code in codes or ())


# --- time zones ------------------------------------------------------------------------------
# The canonical zones are those of the tz database's zone.tab (one or more per country, such as
# Asia/Kolkata); the older names kept for compatibility (Asia/Calcutta, US/Eastern) are links in
# tzdata.zi, followed to the zone they name so that a stored or imported old name still counts.

ZONE_REGIONS = {
    "America": "Americas",
    "Atlantic": "Atlantic Ocean",
    "Indian": "Indian Ocean",
    "Pacific": "Pacific Ocean",
}


@cache
def _zone_database() -> tuple[frozenset[str], dict[str, str]]:
    from importlib import resources

    folder = resources.files("tzdata").joinpath("zoneinfo")
    zones = frozenset(
        line.split("\t")[2]
        for line in folder.joinpath("zone.tab").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    links = {}
    for line in folder.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            links[name] = target
    return zones, links


def canonical_timezone(code: str | None) -> str | None:
    """The canonical zone for ``code`` (itself, or the zone an older name links to), or None."""
    zones, links = _zone_database()
    for _ in range(4):  # links point at zones, rarely at another link
        if code is None or code in zones:
            return code
        code = links.get(code)
    return None


def timezone_name(code: str | None) -> str:
    """A zone as pages show it, everywhere: "America/New_York" as "America/New York"."""
    return (code or "").replace("_", " ")


@cache
def timezone_choices() -> tuple[tuple[str, str], ...]:
    """(zone, name) for every canonical zone, by region and then name."""
    zones, _ = _zone_database()
    return tuple((zone, timezone_name(zone)) for zone in sorted(zones))


def timezone_region(code: str) -> str:
    region = code.split("/", 1)[0]
    return ZONE_REGIONS.get(region, region)
