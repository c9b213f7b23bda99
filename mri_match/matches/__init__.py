"""Matching in the app: running the engine, reviewing proposals, confirmed matches."""

from .views import bp

__all__ = ["bp"]
