""" "Why you were matched", written to the person reading it: the trainee or the mentor.

The engine's explanation (stored with each match) says which criteria added to the pair's score
and how much; the sentences here are built from that and from the two people's own answers, in
words addressed to the reader ("You share 2 of your 3 research topics"), never about "the
trainee" and never with a raw figure such as a similarity of 0.50. Admins see the full score
table instead (:mod:`.scores`).
"""

from ..vocabulary import LANGUAGES, MENTORING_NEEDS, topic_labels

#: How many reasons a person is shown, strongest first.
MOST_REASONS = 5

_GEOGRAPHY = (
    ("same institution", "You are at the same institution."),
    ("same city", "You are in the same city."),
    ("same region", "You are in the same state or province."),
    ("same country", "You are in the same country."),
)


def _names(codes, choices) -> list[str]:
    names = dict(choices)
    return [names.get(code, code) for code in codes]


def _listing(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _topics(application, mentor, trainee: bool) -> str | None:
    labels = topic_labels()
    theirs = set(mentor.topics or ())
    asked = list(application.topics or ())
    shared = [labels.get(code, code) for code in asked if code in theirs]
    if not shared:
        return None
    whose = "your" if trainee else "their"
    return f"You share {len(shared)} of {whose} {len(asked)} research topics: {_listing(shared)}."


def _statements(value: float, terms: list[str], trainee: bool) -> str | None:
    if value <= 0:
        return None
    if value >= 0.5:
        alike = "are closely alike"
    elif value >= 0.2:
        alike = "have much in common"
    else:
        alike = "have some things in common"
    pair = (
        "Your research statement and your mentor’s expertise"
        if trainee
        else "Your expertise and their research statement"
    )
    words = ", ".join(f"“{term}”" for term in terms[:3])
    return f"{pair} {alike}" + (f": both mention {words}." if words else ".")


def _needs(application, mentor, trainee: bool) -> str | None:
    offered = set(mentor.needs_offered or ())
    asked = list(application.needs or ())
    got = _names([need for need in asked if need in offered], MENTORING_NEEDS)
    if not got:
        return None
    listed = _listing(got).lower()
    if trainee:
        if len(got) == len(asked):
            return f"Your mentor can help with everything you asked for: {listed}."
        return f"Your mentor can help with {listed}: {len(got)} of the {len(asked)} you asked for."
    return f"They asked for help with {listed}, which you offer."


_MEET = {"in_person": "in person", "virtual": "virtually", "either": "in person or virtually"}


def _meeting(application, mentor, trainee: bool) -> str | None:
    wanted = _MEET.get(application.meeting_format or "")
    if not wanted:
        return None
    if trainee:
        return f"You would like to meet {wanted}, and your mentor can."
    return f"They would like to meet {wanted}, and you can."


def _geography(detail: str) -> str | None:
    for words, sentence in _GEOGRAPHY:
        if words in (detail or ""):
            return sentence
    return None


def _timezone(detail: str) -> str | None:
    if detail == "same time zone":
        return "You are in the same time zone."
    if detail.endswith("hours apart"):
        return f"Your time zones are only {detail}."
    return None


def _languages(application, mentor) -> str | None:
    spoken = set(application.languages or ()) & set(mentor.languages or ())
    names = [name for code, name in LANGUAGES if code in spoken]
    return f"You both speak {_listing(names)}." if names else None


def reasons_for(match, *, reader: str) -> list[str]:
    """The reasons ``match`` was made, strongest first, for ``reader`` ("trainee" or
    "mentor"): only criteria that added to the score, each as one sentence."""
    trainee = reader == "trainee"
    application, mentor = match.application, match.mentor
    explanation = match.explanation or {}
    criteria = [
        c
        for c in explanation.get("criteria") or []
        if c.get("applies", True) and (c.get("points") or 0) > 0
    ]
    criteria.sort(key=lambda c: c.get("points") or 0, reverse=True)
    sentences = []
    for c in criteria:
        name, detail = c.get("criterion"), c.get("detail") or ""
        if name == "topics":
            sentence = _topics(application, mentor, trainee)
        elif name == "text":
            terms = explanation.get("shared_terms") or []
            sentence = _statements(c.get("value") or 0.0, terms, trainee)
        elif name == "needs":
            sentence = _needs(application, mentor, trainee)
        elif name == "meeting":
            sentence = _meeting(application, mentor, trainee)
        elif name == "geography":
            sentence = _geography(detail)
        elif name == "timezone":
            sentence = _timezone(detail)
        elif name == "languages":
            sentence = _languages(application, mentor)
        elif name == "background":
            sentence = "You share some of the background you each chose to use for matching."
        elif name == "preference":
            sentence = "You asked for this mentor." if trainee else "They asked for you by name."
        else:
            sentence = None
        if sentence:
            sentences.append(sentence)
    return sentences[:MOST_REASONS]
