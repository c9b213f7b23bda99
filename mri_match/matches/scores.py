"""How a pair's score reads on every page: points of 100, the criteria's points adding up to
the score shown, and each criterion's reason with codes given by name.

The engine explains a pair once, when it runs (the ``explanation`` stored with each proposal and
match): each criterion's label, weight, value, points (fractions of the score) and a sentence.
The pages read it through :func:`score_rows`, which keeps the engine's sentences but for two: the
statements' similarity is written again from the stored value and shared words (so that every
stored explanation reads the same way), and the languages the two people share by name (the
engine writes codes).
"""

import math
from dataclasses import dataclass

from ..engine.explanations import statement_sentence
from ..models.matching import as_points
from ..vocabulary import LANGUAGES

#: How many of the largest contributions a one-line summary names.
SUMMARY_REASONS = 3


@dataclass(frozen=True)
class ScoreRow:
    label: str
    weight: float
    points: int  #: whole points of 100; a pair's rows add up to its score
    why: str
    applies: bool


def whole_points(parts: list[float], total: int) -> list[int]:
    """Whole points for parts of a score (fractions of 1) that add up to ``total``: each part
    rounded down, and the points left over to the largest remainders (Hamilton's method)."""
    exact = [max(part, 0.0) * 100 for part in parts]
    points = [math.floor(x) for x in exact]
    left = total - sum(points)
    by_remainder = sorted(range(len(exact)), key=lambda i: points[i] - exact[i])
    for i in by_remainder[: max(left, 0)]:
        points[i] += 1
    return points


def _languages_in_common(application, mentor) -> str:
    """The languages both speak, by name, in the program's list order."""
    spoken = set(application.languages or ()) & set(mentor.languages or ())
    names = [name for code, name in LANGUAGES if code in spoken]
    return "Both speak " + ", ".join(names) if names else "No language in common"


def score_rows(explanation: dict | None, application=None, mentor=None) -> list[ScoreRow]:
    """The criteria of a stored explanation, as the pages show them. With the two people given,
    the languages criterion names the languages they share (the engine stores codes)."""
    criteria = (explanation or {}).get("criteria") or []
    total = as_points((explanation or {}).get("score")) or 0
    points = whole_points([c.get("points") or 0.0 for c in criteria], total)
    rows = []
    for c, pts in zip(criteria, points, strict=True):
        why = c.get("detail") or ""
        applies = c.get("applies", True)
        if c.get("criterion") == "text" and applies:
            why = statement_sentence(
                c.get("value") or 0.0,
                explanation.get("shared_terms") or [],
                bool(explanation.get("text_weak")),
            )
        elif c.get("criterion") == "languages" and applies and application and mentor:
            why = _languages_in_common(application, mentor)
        rows.append(ScoreRow(c.get("label", ""), c.get("weight", 0), pts, why, applies))
    return rows


def score_summary(rows: list[ScoreRow]) -> str:
    """The largest contributions in words: "Shared topics 25 points; Statement 20 points"."""
    top = sorted((r for r in rows if r.points > 0), key=lambda r: -r.points)[:SUMMARY_REASONS]
    return "; ".join(f"{r.label} {r.points} point{'' if r.points == 1 else 's'}" for r in top)
