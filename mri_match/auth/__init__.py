"""Accounts: registration, email confirmation, log in and out, passwords."""

from .views import bp

__all__ = ["bp"]
