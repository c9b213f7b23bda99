"""Hard rules: which (trainee, mentor) pairs may be proposed at all.

Always on: the trainee asked for this kind of mentor and the mentor offers it, the mentor has
places and takes the trainee's career stage, no conflict of interest was declared on either side,
the same-institution policy (``require`` or ``avoid``) and pairs an admin rejected. Switched on
per run: the must-have rules of :data:`~.inputs.MUST_HAVE_RULES`. The minimum score is a rule
too, but needs the score; the engine applies it where scores are known.

Three views of the same rules: :meth:`HardRules.rule_masks` (one mask per rule, for the
diagnoses of unmatched trainees), :meth:`HardRules.eligible` (all rules in a few passes over a
block, for the candidate pass) and :meth:`HardRules.pair_eligible` (explicit pairs).
"""

from __future__ import annotations

import numpy as np

from .encoding import ProfileEncoding
from .inputs import ALWAYS_RULES, MUST_HAVE_RULES

#: Why a rule excludes a pair, in words (diagnoses of unmatched trainees use these).
RULE_TEXT: dict[str, str] = {
    **ALWAYS_RULES,
    "shared_topic": "no shared topic (must-have rule)",
    "meeting_format": "does not offer the trainee's meeting format (must-have rule)",
    "shared_language": "no shared language (must-have rule)",
    "needs_offered": "does not offer every mentoring need the trainee listed (must-have rule)",
    "same_region": "not in the trainee's region, which the trainee asked for (must-have rule)",
    "timezone_3h": "more than 3 hours apart (must-have rule)",
    "min_score": "the score is below the minimum acceptable score",
}
#: Must-have rules a mentor cannot meet by leaving the question they read unanswered: the
#: rule asks for something the mentor has not said, so it excludes the pair, and the diagnosis
#: says the mentor did not answer (rule name + "_unanswered") rather than that they fail it.
UNANSWERED_RULES: dict[str, tuple[str, str]] = {
    "shared_topic": ("topics", "chose no topics"),
    "meeting_format": ("meeting", "has not said which meeting formats they offer"),
    "shared_language": ("languages", "listed no languages"),
    "needs_offered": ("needs", "has not said which mentoring needs they offer"),
    "timezone_3h": ("timezone", "gave no known time zone"),
}
RULE_TEXT.update(
    {
        f"{rule}_unanswered": f"{text} (must-have rule)"
        for rule, (_, text) in UNANSWERED_RULES.items()
    }
)
assert set(MUST_HAVE_RULES) <= set(RULE_TEXT)


class HardRules(ProfileEncoding):
    """The encoded cycle with its hard rules (see the module docstring)."""

    def rule_masks(self, rows: np.ndarray, cols: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """For a block of trainees: per hard rule, True where the rule EXCLUDES the pair.

        Includes the always-on rules and the must-have rules selected in the settings (not the
        minimum score, which needs the score). ``cols`` limits the block to those mentors.
        """
        rows = np.asarray(rows, np.int64)
        m = slice(None) if cols is None else np.asarray(cols, np.int64)
        n_cols = self.n_m if cols is None else len(cols)
        shape = (rows.size, n_cols)
        masks: dict[str, np.ndarray] = {}
        masks["role_not_requested"] = np.broadcast_to(~self.t_role_ok[rows, None], shape)
        masks["role_not_offered"] = np.broadcast_to(~self.m_role_ok[None, m], shape)
        masks["no_capacity"] = np.broadcast_to(self.m_capacity[None, m] <= 0, shape)
        masks["stage"] = ~self.m_accepts[self.t_stage[rows]][:, m]
        for name, (r, c) in self._pair_exclusions(rows, cols).items():
            mask = np.zeros(shape, bool)
            mask[r, c] = True
            masks[name] = mask
        masks.update(self._setting_masks(rows, m))
        return masks

    def _pair_exclusions(
        self, rows: np.ndarray, cols: np.ndarray | None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per pair rule (conflicts, rejected pairs): the block positions it excludes."""
        position = None
        if cols is not None:  # mentor index -> column of the block (-1: not in it)
            position = np.full(self.n_m, -1, np.int64)
            position[cols] = np.arange(len(cols))
        out = {}
        for name, by_row in self._pair_blocks.items():
            r_out, c_out = [], []
            for r, i in enumerate(rows.tolist()):
                excluded = by_row.get(i)
                if excluded is not None:
                    if position is not None:
                        excluded = position[excluded]
                        excluded = excluded[excluded >= 0]
                    r_out.append(np.full(excluded.size, r, np.int64))
                    c_out.append(excluded)
            empty = np.zeros(0, np.int64)
            out[name] = (
                np.concatenate(r_out) if r_out else empty,
                np.concatenate(c_out) if c_out else empty,
            )
        return out

    def _setting_masks(self, rows: np.ndarray, m: slice | np.ndarray) -> dict[str, np.ndarray]:
        """The rules the cycle's settings switch on (same-institution policy, must-haves)."""
        masks: dict[str, np.ndarray] = {}
        policy = self.settings.same_institution
        if policy in ("require", "avoid"):
            same = self.geo_t["inst"][rows, None] == self.geo_m["inst"][None, m]
            masks["same_institution"] = ~same if policy == "require" else same
        must = self.settings.must_have
        if "shared_topic" in must:
            lt, rt = self._sets["topics"]
            masks["shared_topic"] = (lt[rows] @ rt[m].T) <= 0
        if "shared_language" in must:
            lt, rt = self._sets["languages"]
            masks["shared_language"] = (lt[rows] @ rt[m].T) <= 0
        if "needs_offered" in must:
            lt, rt = self._sets["needs"]
            need = lt[rows].sum(axis=1, keepdims=True)
            masks["needs_offered"] = (lt[rows] @ rt[m].T) < need - 0.5
        if "meeting_format" in must:
            masks["meeting_format"] = ~self.m_offers[m][:, self.t_format[rows]].T
        if "same_region" in must:
            same = self.geo_t["region"][rows, None] == self.geo_m["region"][None, m]
            masks["same_region"] = self.t_wants_region[rows, None] & ~same
        if "timezone_3h" in must:
            hours = self.tz_hours[self.t_tz[rows]][:, self.m_tz[m]]
            masks["timezone_3h"] = ~(hours <= 3.0)  # unknown zones fail the rule
        for rule, (criterion, _) in UNANSWERED_RULES.items():
            if rule in masks and not self.m_answered[criterion].all():
                # split: the mentors who did not answer, and the others
                unanswered = ~self.m_answered[criterion][None, m]
                masks[f"{rule}_unanswered"] = masks[rule] & unanswered
                masks[rule] = masks[rule] & ~unanswered
        return masks

    def eligible(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Block of trainees x mentors (all, or ``cols``): True where no hard rule (but min
        score) excludes. The same rules as :meth:`rule_masks`, applied in a few passes over
        the block: it is built for every trainee x mentor pair of a large cycle."""
        rows = np.asarray(rows, np.int64)
        m = slice(None) if cols is None else np.asarray(cols, np.int64)
        out = self.m_accepts[self.t_stage[rows]]  # a copy: rows of the stage table
        if cols is not None:
            out = out[:, m]
        out &= (self.m_role_ok & (self.m_capacity > 0))[None, m]
        out[~self.t_role_ok[rows]] = False
        for r, c in self._pair_exclusions(rows, cols).values():
            out[r, c] = False
        for mask in self._setting_masks(rows, m).values():
            out &= ~mask
        return out

    def pair_eligible(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Hard rules (not min score) for explicit pairs."""
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        ok = self.t_role_ok[rows] & self.m_role_ok[cols] & (self.m_capacity[cols] > 0)
        ok &= self.m_accepts[self.t_stage[rows], cols]
        bad = self._conflicts | self._rejected
        if bad:
            pairs = zip(rows.tolist(), cols.tolist(), strict=True)
            ok &= np.array([(a, b) not in bad for a, b in pairs], bool)
        policy = self.settings.same_institution
        if policy in ("require", "avoid"):
            same = self.geo_t["inst"][rows] == self.geo_m["inst"][cols]
            ok &= same if policy == "require" else ~same
        must = self.settings.must_have
        for name, rule in (("shared_topic", "topics"), ("shared_language", "languages")):
            if name in must:
                lt, rt = self._sets[rule]
                ok &= np.einsum("ij,ij->i", lt[rows], rt[cols]) > 0
        if "needs_offered" in must:
            lt, rt = self._sets["needs"]
            ok &= np.einsum("ij,ij->i", lt[rows], rt[cols]) >= lt[rows].sum(axis=1) - 0.5
        if "meeting_format" in must:
            ok &= self.m_offers[cols, self.t_format[rows]]
        if "same_region" in must:
            same = self.geo_t["region"][rows] == self.geo_m["region"][cols]
            ok &= ~self.t_wants_region[rows] | same
        if "timezone_3h" in must:
            ok &= self.tz_hours[self.t_tz[rows], self.m_tz[cols]] <= 3.0
        return ok
