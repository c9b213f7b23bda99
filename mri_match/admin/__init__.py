"""Admin pages for running the program: cycles and their states, applications and their
eligibility, mentors and membership checks."""

from .views import bp

__all__ = ["bp"]
