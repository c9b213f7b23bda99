"""Error pages that look like the rest of the site and never leak a stack trace."""

from .handlers import bp

__all__ = ["bp"]
