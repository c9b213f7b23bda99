"""Program insight for admins: a cycle's reports with charts, and the equity audit of a run."""

from .views import bp

__all__ = ["bp"]
