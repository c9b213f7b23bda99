"""The front page, and where each role lands after logging in."""

from .views import bp

__all__ = ["bp"]
