"""Trainees: their dashboard, applications to a cycle, and self-identification."""

from .views import bp

__all__ = ["bp"]
