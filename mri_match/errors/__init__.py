from .handlers import bp

__all__ = ["bp"]
