"""Where uploaded files' bytes are kept: one interface, :class:`FileStore`, and its backends.

The database store (``AWARD_FILE_STORE = "database"``, the default) keeps each file in the
``stored_file`` table: every app host sees the same files, and a file is written and deleted in
the same transaction as the record that names it, so a refused or rolled-back upload leaves
nothing behind. An object store (S3 and the like) fits the same interface: ``put`` writes under
a new key, ``get`` reads, ``delete`` removes, and ``keys_before`` lists what is there for the
sweep that removes files no record names (``flask purge``).
"""

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from flask import current_app

from ..extensions import db
from ..models import StoredFile


class FileStore(Protocol):
    def put(self, data: bytes) -> str:
        """Keep ``data``; the key to read it by."""

    def get(self, key: str) -> bytes | None:
        """The bytes kept under ``key``, or None."""

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens if it is not there)."""

    def keys_before(self, moment: datetime) -> Iterable[str]:
        """Every key written before ``moment``."""


def new_key() -> str:
    return secrets.token_hex(20)


class DatabaseStore:
    """Files in the ``stored_file`` table, in the caller's transaction."""

    def put(self, data: bytes) -> str:
        key = new_key()
        db.session.add(StoredFile(key=key, content=data, size=len(data)))
        return key

    def get(self, key: str) -> bytes | None:
        return db.session.scalar(db.select(StoredFile.content).where(StoredFile.key == key))

    def delete(self, key: str) -> None:
        db.session.execute(
            db.delete(StoredFile).where(StoredFile.key == key),
            execution_options={"synchronize_session": False},
        )

    def keys_before(self, moment: datetime) -> Iterable[str]:
        return db.session.scalars(db.select(StoredFile.key).where(StoredFile.created_at < moment))


STORES = {"database": DatabaseStore}


def file_store() -> FileStore:
    """The store the configuration names (``AWARD_FILE_STORE``)."""
    name = current_app.config["AWARD_FILE_STORE"]
    try:
        return STORES[name]()
    except KeyError:
        raise RuntimeError(f"AWARD_FILE_STORE: unknown file store {name!r}") from None
