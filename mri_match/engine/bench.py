"""Benchmark: ``python -m mri_match.engine.bench [--sizes small|medium|all|TxM,...]``.

For each size, a synthetic cohort with skewed demand (see :mod:`.synth`) is built, then
:func:`~mri_match.engine.propose.propose`'s stages are run and timed one by one:

* vectorise: TF-IDF fit (with the lexicon) and encoding of every criterion and rule;
* candidates: blocks of trainees scored against all mentors, top-k kept, exact rescoring;
* assign: the exact solver runs (all rounds); pricing: the scans for improving pairs;
* report: explanations, alternatives and diagnoses.

Memory is the peak resident set size (RSS) of the process during the stage, sampled every 5 ms
from /proc/self/statm, minus the RSS before the stage started (so the cohort's own profiles are
not counted); "run" is the whole propose() call. Each size runs in a fresh process.

The dense baseline (where it fits, ``--baseline-max`` pairs) is SciPy's linear_sum_assignment on
the full score matrix with each mentor repeated per capacity slot, one "unmatched" column per
trainee and a per-match bonus so that the number of matched trainees comes first; the objective
ratio compares the two total scores (both rescored exactly).

``--text-model semantic`` or ``hybrid`` gives the cohort sentence embeddings before the run, as
the app stores them: computed once (the throughput is reported) and kept in ``--vector-cache``
(a folder outside the repository), so a rerun reads them and times ``propose`` on stored
vectors. Every figure comes with the load average (1, 5, 15 minutes), as the machine may be
shared.

``--assign-dense TxM`` times the public :func:`~.assign.assign` on such a dense score matrix
and its eligibility mask instead, against the same SciPy baseline, in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np

SIZES = {
    "small": [(100, 60), (1_000, 500)],
    "medium": [(100, 60), (1_000, 500), (10_000, 4_000)],
    "all": [(100, 60), (1_000, 500), (10_000, 4_000), (50_000, 20_000)],
}


class _RSS:
    """Peak RSS sampler (bytes)."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def now(self) -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * self.page

    overall = 0

    def _run(self):
        while not self._stop.is_set():
            now = self.now()
            self.peak = max(self.peak, now)
            self.overall = max(self.overall, now)
            time.sleep(0.005)

    def reset(self) -> int:
        base = self.now()
        self.peak = base
        return base

    def stop(self):
        self._stop.set()
        self._t.join()


def _baseline(eng) -> tuple[int, float]:
    """Dense exact baseline on the full matrix: (matched, total exact score)."""
    from scipy.optimize import linear_sum_assignment

    from .scorer import BLOCK_ERROR

    sc, cap = eng.sc, eng.cap
    rows = eng.active
    s = np.vstack([sc.block(r) for r in np.array_split(rows, max(1, rows.size // 500))])
    ok = np.vstack([sc.eligible(r) for r in np.array_split(rows, max(1, rows.size // 500))])
    ok &= s + BLOCK_ERROR >= eng.settings.min_score
    slot_m = np.repeat(np.arange(sc.n_m), cap)
    bonus = 2.0 * min(rows.size, slot_m.size) + 2.0
    cost = np.zeros((rows.size, slot_m.size + rows.size))
    cost[:, : slot_m.size] = np.where(ok[:, slot_m], -(bonus + s[:, slot_m]), 1e12)
    del s, ok
    r, c = linear_sum_assignment(cost)
    real = c < slot_m.size
    real &= cost[r, c] < 1e11
    m_rows, m_cols = rows[r[real]], slot_m[c[real]]
    exact = sc.pairs(m_rows, m_cols).score
    return int(real.sum()), float(exact.sum())


#: Where the semantic modes keep the synthetic cohort's vectors between runs (outside the repo).
VECTOR_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "mri-match", "bench-vectors")


def _embed(
    trainees: list, mentors: list, seed: int, cache_dir: str | None
) -> tuple[list, list, dict]:
    """The cohort with stored sentence embeddings, as the app keeps them: read from
    ``cache_dir`` when this cohort was embedded by this model before, else computed (timed:
    the throughput, texts per second) and written there. The file is named by the model and a
    digest of every text, so another model or another cohort never reads it."""
    import dataclasses
    import hashlib
    import importlib

    from . import semantic
    from .encoding import mentor_text

    t_texts = [x.statement for x in trainees]
    m_texts = [mentor_text(m) for m in mentors]
    digest = hashlib.sha256(semantic.model_id().encode())
    for text in t_texts + m_texts:
        digest.update(semantic.text_digest(text).encode())
    name = f"{len(trainees)}x{len(mentors)}-seed{seed}-{digest.hexdigest()[:16]}.npz"
    path = os.path.join(cache_dir, name) if cache_dir else None
    n = len(t_texts) + len(m_texts)
    info: dict = {"texts": n, "model": semantic.model_id(), "file": path}
    if path and os.path.exists(path):
        t = time.perf_counter()
        with np.load(path) as stored:
            t_vec, m_vec = stored["trainees"], stored["mentors"]
        info.update(stored=True, read_s=time.perf_counter() - t)
    else:
        torch = importlib.import_module("torch")

        semantic.encode(["warm up"])  # loading the model is not part of the throughput
        t = time.perf_counter()
        t_vec = semantic.encode(t_texts)
        m_vec = semantic.encode(m_texts)
        seconds = time.perf_counter() - t
        info.update(
            stored=False,
            s=seconds,
            per_s=n / max(seconds, 1e-9),
            threads=torch.get_num_threads(),
            load=os.getloadavg(),
        )
        print(
            f"embedded {n:,} texts in {seconds:.1f} s: {info['per_s']:.0f} texts/s "
            f"({info['threads']} threads, load average {info['load']})",
            file=sys.stderr,
            flush=True,
        )
        if path:
            os.makedirs(cache_dir or ".", exist_ok=True)
            np.savez(path, trainees=t_vec, mentors=m_vec)
    trainees = [dataclasses.replace(x, embedding=v) for x, v in zip(trainees, t_vec, strict=True)]
    mentors = [dataclasses.replace(m, embedding=v) for m, v in zip(mentors, m_vec, strict=True)]
    return trainees, mentors, info


def run_one(
    n_t: int,
    n_m: int,
    seed: int,
    k: int,
    baseline_max: int,
    objective: str = "total",
    text_model: str = "tfidf",
    vector_cache: str | None = VECTOR_CACHE,
) -> dict:
    from .inputs import MatchSettings
    from .propose import DENSE_LIMIT, cyclic_gc_paused
    from .report import build_report
    from .rounds import Engine
    from .synth import make_cohort

    t0 = time.perf_counter()
    trainees, mentors = make_cohort(n_t, n_m, seed=seed)
    gen = time.perf_counter() - t0
    embedding = None
    if text_model != "tfidf":
        trainees, mentors, embedding = _embed(trainees, mentors, seed, vector_cache)
    rss = _RSS()
    stages: dict[str, dict] = {}
    settings = MatchSettings(objective=objective, text_model=text_model)
    start = rss.reset()
    rss.overall = start

    def say(msg):
        print(
            f"[{n_t}x{n_m} {time.perf_counter() - t_run:7.1f}s] {msg}", file=sys.stderr, flush=True
        )

    def stage(name, fn):
        base = rss.reset()
        t = time.perf_counter()
        out = fn()
        stages[name] = {"s": time.perf_counter() - t, "mb": (rss.peak - base) / 2**20}
        say(f"{name}: {stages[name]['s']:.1f} s, {stages[name]['mb']:.0f} MB")
        if name == "vectorise":
            out.progress = say
        return out

    load_start = os.getloadavg()
    t_run = time.perf_counter()
    with cyclic_gc_paused():  # as propose() runs
        eng = stage("vectorise", lambda: Engine(trainees, mentors, settings, k, DENSE_LIMIT))
        stage("candidates", eng.candidates)
        stage("assign+pricing", eng.assign)
        result = stage("report", lambda: build_report(eng, True))
    total = time.perf_counter() - t_run
    run_mb = (rss.overall - start) / 2**20
    rss.stop()
    split = {"assign": eng.timings["assign"], "pricing": eng.timings["pricing"]}
    out = {
        "size": f"{n_t}x{n_m}",
        "text_model": text_model,
        "embedding": embedding,
        "generate_s": gen,
        "stages": stages,
        "split": split,
        "total_s": total,
        "run_peak_mb": run_mb,
        "load": {"start": load_start, "end": os.getloadavg()},
        "matched": result.matched,
        "matched_pct": 100.0 * result.matched / max(n_t, 1),
        "total_score": result.total_score,
        "min_score": result.min_score,
        "certified": result.certified,
        "candidate_pairs": result.stats["candidate_pairs"],
        "pricing_rounds": len(result.stats["pricing_rounds"]),
        "all_pairs": result.stats["all_pairs_candidates"],
    }
    if eng.active.size * (int(eng.cap.sum()) + eng.active.size) <= baseline_max:
        t = time.perf_counter()
        matched, total_b = _baseline(eng)
        locked = result.total_score - float(eng.result.total_score)
        out["baseline"] = {
            "matched": matched + len(eng.locked),
            "ratio": (result.total_score) / (total_b + locked) if total_b + locked else 1.0,
            "s": time.perf_counter() - t,
        }
    return out


def run_assign_dense(n_t: int, n_m: int, seed: int, baseline: bool) -> dict:
    """The public ``assign`` on a dense matrix: the synthetic cohort's scores (float64) and
    eligibility mask, every mentor's places; then SciPy's ``linear_sum_assignment`` on the
    slot-expanded matrix (as in the propose baseline), in the same process, one after the
    other. Memory is the peak RSS above the point where the matrix and mask are built."""
    from .assign import solve
    from .inputs import MatchSettings
    from .scorer import Scorer
    from .synth import make_cohort

    trainees, mentors = make_cohort(n_t, n_m, seed=seed)
    sc = Scorer(trainees, mentors, MatchSettings())
    rows = np.arange(n_t)
    parts = np.array_split(rows, max(1, n_t // 500))
    scores = np.vstack([sc.block(r) for r in parts]).astype(np.float64)
    allowed = np.vstack([sc.eligible(r) for r in parts])
    cap = sc.m_capacity.copy()
    del sc, trainees, mentors
    rss = _RSS()
    start = rss.reset()
    t = time.perf_counter()
    res = solve(scores, cap, allowed=allowed)
    took = time.perf_counter() - t
    out = {
        "size": f"{n_t}x{n_m}",
        "assign_s": took,
        "assign_mb": (rss.peak - start) / 2**20,
        "matched": res.matched,
        "total_score": res.total_score,
        "certified": res.certified,
        "rounds": int(res.timings.get("rounds", 0)),
        "candidate_pairs": int(res.timings.get("candidate_pairs", 0)),
    }
    if baseline:
        from scipy.optimize import linear_sum_assignment

        start = rss.reset()
        t = time.perf_counter()
        slot_m = np.repeat(np.arange(n_m), cap)
        bonus = 2.0 * min(n_t, slot_m.size) + 2.0
        cost = np.zeros((n_t, slot_m.size + n_t))
        cost[:, : slot_m.size] = np.where(allowed[:, slot_m], -(bonus + scores[:, slot_m]), 1e12)
        r, c = linear_sum_assignment(cost)
        real = (c < slot_m.size) & (cost[r, c] < 1e11)
        b_total = float(scores[r[real], slot_m[c[real]]].sum())
        out["scipy"] = {
            "s": time.perf_counter() - t,
            "mb": (rss.peak - start) / 2**20,
            "matched": int(real.sum()),
            "total_score": b_total,
        }
        del cost
    rss.stop()
    return out


def _table(results: list[dict]) -> str:
    lines = [
        "| size | stage | wall time (s) | peak RSS above start (MB) |",
        "|---|---|---|---|",
    ]
    for r in results:
        for name, st in r["stages"].items():
            extra = ""
            if name == "assign+pricing":
                extra = f" (assign {r['split']['assign']:.2f}, pricing {r['split']['pricing']:.2f})"
            lines.append(f"| {r['size']} | {name} | {st['s']:.2f}{extra} | {st['mb']:.0f} |")
        total, peak = r["total_s"], r["run_peak_mb"]
        lines.append(f"| {r['size']} | **end to end** | **{total:.2f}** | **{peak:.0f}** |")
    lines += [
        "",
        "| size | matched % | total score | lowest score | candidate pairs | pricing rounds | "
        "certified optimal | objective / dense baseline | baseline time (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b = r.get("baseline")
        ratio = f"{b['ratio']:.6f} (matched {b['matched']})" if b else "does not fit"
        bt = f"{b['s']:.1f}" if b else "–"
        rounds = "all pairs" if r["all_pairs"] else str(r["pricing_rounds"])
        lines.append(
            f"| {r['size']} | {r['matched_pct']:.1f} | {r['total_score']:.2f} | "
            f"{r['min_score'] or 0:.4f} | {r['candidate_pairs']:,} | {rounds} | "
            f"{'yes' if r['certified'] else 'no'} | {ratio} | {bt} |"
        )
    return "\n".join(lines)


def _assign_table(r: dict) -> str:
    lines = [
        "| size | solver | wall time (s) | peak RSS above the matrix (MB) | matched | total |",
        "|---|---|---|---|---|---|",
        f"| {r['size']} | assign (candidates and pricing, {r['rounds']} rounds, "
        f"{r['candidate_pairs']:,} pairs) | {r['assign_s']:.2f} | {r['assign_mb']:.0f} | "
        f"{r['matched']} | {r['total_score']:.4f} |",
    ]
    b = r.get("scipy")
    if b:
        lines.append(
            f"| {r['size']} | SciPy linear_sum_assignment, slot-expanded | {b['s']:.2f} | "
            f"{b['mb']:.0f} | {b['matched']} | {b['total_score']:.4f} |"
        )
    return "\n".join(lines)


def _size(text: str) -> tuple[int, int]:
    """ "10000x4000" as (trainees, mentors)."""
    n_t, n_m = (int(x) for x in text.split("x"))
    return n_t, n_m


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the matching engine.")
    parser.add_argument("--sizes", default="medium", help="small, medium, all, or e.g. 100x60")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=10, help="candidates per trainee")
    parser.add_argument(
        "--baseline-max",
        type=float,
        default=2.5e8,
        help="largest trainees x (slots + trainees) matrix for the dense baseline",
    )
    parser.add_argument("--objective", default="total", choices=["total", "fair"])
    parser.add_argument(
        "--text-model",
        default="tfidf",
        choices=["tfidf", "semantic", "hybrid"],
        help="statement similarity; the semantic ones embed the cohort first (stored vectors)",
    )
    parser.add_argument(
        "--vector-cache",
        default=VECTOR_CACHE,
        help="folder keeping the semantic modes' vectors between runs; '' embeds every time",
    )
    parser.add_argument(
        "--assign-dense",
        metavar="TxM",
        help="time assign() on a dense TxM score matrix with an eligibility mask, against "
        "SciPy's linear_sum_assignment on the slot-expanded matrix (--baseline-max 0: skip it)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.assign_dense:
        n_t, n_m = _size(args.assign_dense)
        r = run_assign_dense(n_t, n_m, args.seed, args.baseline_max > 0)
        print(json.dumps(r))
        print(_assign_table(r), file=sys.stderr)
        return
    if args.one:
        n_t, n_m = _size(args.one)
        result = run_one(
            n_t,
            n_m,
            args.seed,
            args.k,
            int(args.baseline_max),
            args.objective,
            args.text_model,
            args.vector_cache or None,
        )
        print(json.dumps(result))
        return
    sizes = SIZES.get(args.sizes) or [_size(s) for s in args.sizes.split(",")]
    results = []
    for n_t, n_m in sizes:
        cmd = [sys.executable, "-m", "mri_match.engine.bench", "--one", f"{n_t}x{n_m}"]
        cmd += ["--seed", str(args.seed), "--k", str(args.k)]
        cmd += ["--baseline-max", str(args.baseline_max), "--objective", args.objective]
        cmd += ["--text-model", args.text_model, "--vector-cache", args.vector_cache]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"done {n_t}x{n_m}: {results[-1]['total_s']:.1f} s", file=sys.stderr)
    print(_table(results))
    for r in results:
        start, end = (", ".join(f"{x:.2f}" for x in r["load"][k]) for k in ("start", "end"))
        print(
            f"\n{r['size']} ({r['text_model']}): load average {start} at the start, "
            f"{end} at the end"
        )
        e = r["embedding"]
        if e and e["stored"]:
            print(f"vectors of {e['texts']:,} texts read from {e['file']} in {e['read_s']:.2f} s")
        elif e:
            load = ", ".join(f"{x:.2f}" for x in e["load"])
            print(
                f"embedding {e['texts']:,} texts took {e['s']:.1f} s, {e['per_s']:.0f} texts/s "
                f"({e['threads']} torch threads, load average {load}; before the run, not in "
                "its time)"
            )


if __name__ == "__main__":
    main()
