"""The report of a run: results per trainee, alternatives, diagnoses and statistics.

For every trainee: the proposed mentor and the pair's exact score, the explanation of that score
(:mod:`.explanations`), up to ``settings.alternatives`` other mentors by score (from the
candidates; locked trainees' from their full rows), and for unmatched trainees a diagnosis in
words. For the run: matched and unmatched counts, total and lowest score, whether the
assignment is certified optimal, each mentor's load, and statistics (candidate pairs, pricing
rounds, timings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import parallel
from .explanations import explain_pairs
from .inputs import MODEL_VERSION
from .rounds import Engine
from .rules import RULE_TEXT
from .scorer import BLOCK_ERROR

if TYPE_CHECKING:
    from .propose import MatchResult, TraineeResult

_ROLE_LABEL = {"research": "research mentor", "career": "career-development mentor"}


def build_report(eng: Engine, explain: bool) -> MatchResult:
    """The run's result: every trainee's mentor and exact score, explanations (when
    ``explain``), alternatives, diagnoses of the unmatched, and the run's statistics."""
    from .propose import Alternative, MatchResult, TraineeResult  # propose imports this module

    sc, settings, pool = eng.sc, eng.settings, eng.pool
    n_t, n_m = eng.n_t, eng.n_m
    mentor = np.full(n_t, -1, np.int64)
    mentor[eng.active] = eng.result.mentor
    for i, j in eng.locked.items():
        mentor[i] = j
    matched = np.flatnonzero(mentor >= 0)
    scores = np.full(n_t, np.nan)
    if matched.size:
        scores[matched] = parallel.exact_scores(sc, matched, mentor[matched])
    load = np.bincount(mentor[matched], minlength=n_m)
    full = load >= sc.m_capacity

    explanations = explain_pairs(sc, matched, mentor[matched]) if explain else {}
    mentor_ids = [m.id for m in sc.mentors]
    results = [
        TraineeResult(
            trainee_id=t.id,
            mentor_id=mentor_ids[j] if j >= 0 else None,
            score=round(x, 6) if j >= 0 else None,
            locked=i in eng.locked,
            explanation=explanations.get(i),
        )
        for i, (t, j, x) in enumerate(
            zip(sc.trainees, mentor.tolist(), scores.tolist(), strict=True)
        )
    ]

    # alternatives: best other candidates (active trainees), block scores for locked ones
    a = settings.alternatives
    # every trainee's candidates by score (ties: lower mentor index), the proposed one left out
    # (two stable sorts: the candidates are kept by trainee, then mentor)
    by_score = np.argsort(-pool.c_score, kind="stable")
    order = by_score[np.argsort(pool.c_rows[by_score], kind="stable")]
    a_rows, a_cols, a_score = pool.c_rows[order], pool.c_cols[order], pool.c_score[order]
    other = a_cols != mentor[eng.active[a_rows]]
    a_rows, a_cols, a_score = a_rows[other], a_cols[other], a_score[other]
    start = np.searchsorted(a_rows, np.arange(eng.active.size + 1))
    # only each trainee's first a go to Python
    shown = np.arange(a_rows.size) < np.repeat(start[:-1] + a, np.diff(start))
    start = np.searchsorted(a_rows[shown], np.arange(eng.active.size + 1)).tolist()
    full_l = full.tolist()
    alts = [
        Alternative(mentor_ids[j], round(x, 6), full_l[j])
        for j, x in zip(a_cols[shown].tolist(), a_score[shown].tolist(), strict=True)
    ]
    for li, i in enumerate(eng.active.tolist()):
        results[i].alternatives = alts[start[li] : start[li + 1]]
    if eng.locked:
        rows = np.array(sorted(eng.locked), np.int64)
        s = sc.block(rows)
        ok = sc.eligible(rows) & (s + BLOCK_ERROR >= settings.min_score)
        for r, i in enumerate(rows.tolist()):
            cols = np.flatnonzero(ok[r] & (np.arange(n_m) != mentor[i]))
            if cols.size:
                exact = sc.pairs(np.full(cols.size, i), cols).score
                order = np.lexsort((cols, -exact))[:a]
                results[i].alternatives = [
                    Alternative(
                        sc.mentors[cols[o]].id, round(float(exact[o]), 6), bool(full[cols[o]])
                    )
                    for o in order
                ]

    _diagnose(eng, mentor, scores, results)

    m_scores = scores[matched]
    return MatchResult(
        model_version=MODEL_VERSION,
        role=settings.role,
        objective=settings.objective,
        results=results,
        matched=int(matched.size),
        unmatched=int(n_t - matched.size),
        total_score=float(m_scores.sum()) if matched.size else 0.0,
        min_score=float(m_scores.min()) if matched.size else None,
        certified=bool(eng.certified),
        mentor_load={sc.mentors[j].id: int(load[j]) for j in range(n_m)},
        stats={
            "trainees": n_t,
            "mentors": n_m,
            "candidate_pairs": int(pool.c_rows.size),
            "all_pairs_candidates": bool(pool.dense),
            "pricing_rounds": eng.rounds,
            "timings": dict(eng.timings),
            "locked": len(eng.locked),
        },
    )


def _diagnose(
    eng: Engine, mentor: np.ndarray, scores: np.ndarray, results: list[TraineeResult]
) -> None:
    """Why each unmatched trainee is unmatched: no eligible mentor (and how many mentors each
    rule excludes), or every eligible mentor full (the best of them and who took them)."""
    sc, settings = eng.sc, eng.settings
    unmatched = np.flatnonzero(mentor < 0)
    if unmatched.size == 0:
        return
    role = _ROLE_LABEL.get(settings.role, settings.role)
    holders: dict[int, list[int]] = {}
    for i, j in enumerate(mentor.tolist()):
        if j >= 0:
            holders.setdefault(j, []).append(i)

    def score_block(rows):  # in the worker threads; the sentences below are Python
        masks = sc.rule_masks(rows)
        s = sc.block(rows)
        masks["min_score"] = s + BLOCK_ERROR < settings.min_score
        excluded = np.zeros((rows.size, eng.n_m), bool)
        for m in masks.values():
            excluded |= m
        return rows, masks, s, excluded

    blocks = parallel.row_blocks(unmatched, eng.n_m)
    for rows, masks, s, excluded in parallel.map_blocks(
        score_block, blocks, ahead=parallel.WORKERS
    ):
        full_rows: list[tuple[int, np.ndarray, int]] = []
        for r, i in enumerate(rows.tolist()):
            res = results[i]
            if not sc.t_role_ok[i]:
                res.reason = "no_eligible_mentor"
                res.excluded_by = {"role_not_requested": eng.n_m}
                res.diagnosis = f"No eligible mentor: the trainee did not ask for a {role}."
                continue
            if sc.t_stage[i] < 0:  # mentors take trainees by stage: none takes an unknown one
                res.reason = "no_eligible_mentor"
                res.excluded_by = {"stage": eng.n_m}
                res.diagnosis = (
                    "No eligible mentor: the trainee's career stage is not given, and mentors "
                    "say which career stages they take."
                )
                continue
            elig = np.flatnonzero(~excluded[r])
            if elig.size == 0:
                counts = {name: int(m[r].sum()) for name, m in masks.items() if m[r].any()}
                res.reason = "no_eligible_mentor"
                res.excluded_by = counts
                parts = [
                    f"{n} {'mentor' if n == 1 else 'mentors'}: {RULE_TEXT[name]}"
                    for name, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
                ]
                res.diagnosis = (
                    f"No eligible mentor among {eng.n_m}. Excluded because "
                    + "; ".join(parts)
                    + "."
                    if eng.n_m
                    else "No mentors in this cycle."
                )
                continue
            # the best few by block score, rescored exactly below (block error is below 1e-4)
            approx = s[r, elig]
            if elig.size > 20:
                top = np.argpartition(-approx, 19)[:20]
                elig = elig[top]
            full_rows.append((i, elig, int((~excluded[r]).sum())))
        if not full_rows:
            continue
        # one exact rescoring for the whole block, not one per trainee
        exact_all = parallel.exact_scores(
            sc,
            np.concatenate([np.full(elig.size, i) for i, elig, _ in full_rows]),
            np.concatenate([elig for _, elig, _ in full_rows]),
        )
        pos = 0
        for i, elig, n in full_rows:
            res = results[i]
            exact = exact_all[pos : pos + elig.size]
            pos += elig.size
            order = np.lexsort((elig, -exact))
            res.reason = "all_eligible_full"
            lines = []
            for o in order[:5]:
                j = int(elig[o])
                taken = sorted(holders.get(j, []), key=lambda x: -scores[x])
                res.full_mentors.append(
                    {
                        "mentor_id": sc.mentors[j].id,
                        "score": round(float(exact[o]), 6),
                        "taken_by": [
                            (sc.trainees[x].id, round(float(scores[x]), 6)) for x in taken
                        ],
                    }
                )
                who = ", ".join(
                    f"{sc.trainees[x].name or sc.trainees[x].id} ({scores[x]:.2f}"
                    + (", locked" if x in eng.locked else "")
                    + ")"
                    for x in taken
                )
                lines.append(
                    f"{sc.mentors[j].name or sc.mentors[j].id} (score {exact[o]:.2f}) "
                    + (f"took {who}" if who else "has no places")
                )
            res.diagnosis = (
                f"Every eligible mentor is full ({n} eligible). "
                "Giving this trainee a place would leave another trainee without a mentor "
                "or lower the total score. Best eligible: " + "; ".join(lines) + "."
            )
