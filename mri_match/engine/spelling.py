"""Spelling correction of trainees' statements against the words of the run's mentor texts.

Trainees misspell ("leukimia", "thrombosys"), and a misspelt word shares nothing with a
mentor's text. A word of a statement that no mentor text uses is replaced by a mentor text's word
one edit away, where there is one (symmetric deletion: two words one edit apart share a word with
one letter deleted). Only the statements are corrected, only against the vocabulary of the run,
so the TF-IDF vectors and the shared terms of explanations stay words a mentor wrote.
"""

from __future__ import annotations

import re
from collections import Counter

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

__all__ = ["SPELL_MIN", "correct_spelling"]

#: Words as the vectoriser reads them (scikit-learn's default token pattern); whitespace is
#: never part of one, so the words of a text are those of its whitespace-separated chunks.
_WORD = re.compile(r"(?u)\b\w\w+\b")
#: The shortest word that spelling correction reads: shorter ones are too often another word
#: one letter away ("pts", "kids").
SPELL_MIN = 5


def _deletes(word: str) -> set[str]:
    return {word[:k] + word[k + 1 :] for k in range(len(word))}


def correct_spelling(queries: list[str], documents: list[str]) -> list[str]:
    """``queries`` with each word the ``documents`` never use replaced by the documents' word one
    edit away (a letter missing, added, changed, or two letters swapped), where there is one.

    Trainees misspell ("leukimia", "thrombosys"); a misspelt word shares nothing with a mentor's
    text. Only words of at least :data:`SPELL_MIN` letters that are not in the documents'
    vocabulary are read; of several candidates the one the documents use most wins, then the
    first in alphabetical order. Lower-case text in and out (after :func:`.text.expand`).
    """
    chunks = Counter(" ".join(documents).split())  # the words of a few unique chunks, not of
    vocab = set(_WORD.findall(" ".join(chunks)))  # every text: several times faster
    unknown = {
        w for w in _WORD.findall(" ".join(set(" ".join(queries).split()))) if len(w) >= SPELL_MIN
    }
    unknown -= vocab
    unknown -= _STOP_WORDS
    if not unknown:
        return list(queries)
    lengths = {len(w) for w in unknown}
    index: dict[str, list[str]] = {}
    for word in vocab:  # symmetric deletes: two words one edit apart share a key
        if len(word) >= SPELL_MIN - 1 and lengths & {len(word) - 1, len(word), len(word) + 1}:
            for key in _deletes(word) | {word}:
                index.setdefault(key, []).append(word)
    found: dict[str, set[str]] = {}
    for word in unknown:
        near = {c for key in _deletes(word) | {word} for c in index.get(key, ())}
        near = {c for c in near if len(c) >= SPELL_MIN and _one_edit(word, c)}
        if near:
            found[word] = near
    if not found:
        return list(queries)
    count: Counter[str] = Counter()
    if any(len(near) > 1 for near in found.values()):  # occurrences break the tie
        wanted = set().union(*found.values())
        for chunk, n in chunks.items():
            for w in _WORD.findall(chunk):
                if w in wanted:
                    count[w] += n
    fix = {word: min(near, key=lambda c: (-count[c], c)) for word, near in found.items()}
    return [
        _WORD.sub(lambda m: fix.get(m.group(0), m.group(0)), q)
        if any(word in q for word in fix)
        else q
        for q in queries
    ]


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one deletion, insertion, substitution or adjacent swap
    apart."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    if len(a) == len(b):
        return a[k + 1 :] == b[k + 1 :] or (
            a[k + 2 :] == b[k + 2 :] and a[k : k + 2] == b[k : k + 2][::-1]
        )
    return a[k + 1 :] == b[k:] if len(a) > len(b) else a[k:] == b[k + 1 :]


_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
