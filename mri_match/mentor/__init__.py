"""Mentors: a standing profile, volunteering per cycle, pausing and resuming."""

from .views import bp

__all__ = ["bp"]
