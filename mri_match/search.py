"""Free-text search in lists: the one rule every search box follows."""

from sqlalchemy import or_


def contains_text(text: str, *columns):
    """A condition: one of ``columns`` contains ``text``, whatever the case. "%" and "_" stand
    for themselves, not for LIKE's wildcards."""
    return or_(*(column.icontains(text, autoescape=True) for column in columns))
