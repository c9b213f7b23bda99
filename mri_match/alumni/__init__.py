"""Alumni: a former trainee's consent to yearly follow-ups, the follow-up survey and its
emails, and the mentorship family tree across cycles."""

from .views import bp

__all__ = ["bp"]
