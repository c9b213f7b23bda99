"""MRI Match matching engine (plain Python: numpy, SciPy, scikit-learn)."""

from .assign import AssignmentResult, assign, solve

__all__ = ["AssignmentResult", "assign", "solve"]
