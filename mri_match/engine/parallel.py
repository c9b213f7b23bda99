"""Worker threads for the computations that grow with trainees x mentors.

Scoring blocks of trainees against the mentors and rescoring many explicit pairs are NumPy and
SciPy loops that release the GIL, so they run in :data:`WORKERS` threads (:func:`map_blocks`),
with BLAS held to one thread meanwhile so that the two do not compete for the cores.
:func:`row_blocks` cuts trainees into blocks of about :data:`BLOCK_ELEMENTS` scores.

Read the constants through the module (``parallel.WORKERS``), not by ``from`` import: the tests
lower them to exercise many small blocks on several threads.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController

if TYPE_CHECKING:
    from .scorer import Scorer

#: Scores in one block (trainees x mentors): 8 MB of float32.
BLOCK_ELEMENTS = 1 << 21
#: Exact scores are computed this many pairs at a time, spread over the worker threads: each
#: pair gathers both sides' statement vectors (about 1 kB while it is scored), so a chunk holds
#: a few tens of MB and a large rescoring has enough chunks to keep every thread busy.
EXACT_CHUNK = 25_000
#: Blocks are scored in this many threads (NumPy and SciPy release the GIL in their loops);
#: BLAS is held to one thread meanwhile so that the two do not compete for the cores.
WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))

_Block = TypeVar("_Block")
_Out = TypeVar("_Out")


def row_blocks(rows: np.ndarray, width: int) -> Iterator[np.ndarray]:
    """``rows`` in consecutive blocks of at most BLOCK_ELEMENTS // ``width`` rows (one at
    least), ``width`` being the number of columns each row is computed against."""
    step = max(1, BLOCK_ELEMENTS // max(width, 1))
    for lo in range(0, rows.size, step):
        yield rows[lo : lo + step]


@functools.cache
def _blas_threads() -> ThreadpoolController:
    """The process's BLAS and OpenMP pools, found once: looking them up takes about 10 ms,
    and a run maps blocks over the worker threads a few dozen times."""
    return ThreadpoolController()


def map_blocks(
    fn: Callable[[_Block], _Out], blocks: Iterable[_Block], ahead: int | None = None
) -> Iterator[_Out]:
    """Yield ``fn(b)`` for each block, in order, computed in WORKERS threads; with ``ahead``,
    at most that many blocks beyond the one being consumed (so that large results, such as
    the diagnoses' rule masks, never pile up; small ones had better not wait on the consumer).
    """
    blocks = list(blocks)
    if WORKERS == 1 or len(blocks) < 2:
        yield from map(fn, blocks)
        return
    with _blas_threads().limit(limits=1), ThreadPoolExecutor(WORKERS) as pool:
        if ahead is None:
            yield from pool.map(fn, blocks)
            return
        pending: deque[Future[_Out]] = deque()
        for block in blocks:
            pending.append(pool.submit(fn, block))
            if len(pending) > ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def exact_scores(scorer: Scorer, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact scores of explicit pairs, in chunks spread over the worker threads."""
    n_chunks = max(1, -(-rows.size // EXACT_CHUNK))
    bounds = np.linspace(0, rows.size, n_chunks + 1).astype(np.int64)
    chunks = [(rows[lo:hi], cols[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    parts = list(map_blocks(lambda rc: scorer.pairs(*rc).score, chunks))
    return np.concatenate(parts) if parts else np.zeros(0)
