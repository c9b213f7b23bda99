"""How optional answers read on pages and in emails: a blank is left out or said in words.

Registered as Jinja filters by the app factory; ``finalize`` also renders a bare ``None`` as
nothing, so a blank optional column can never show up as the word "None".
"""

NOT_GIVEN = "Not given"


def _present(value) -> bool:
    return value is not None and str(value).strip() != ""


def given(value, empty: str = NOT_GIVEN):
    """The value, or ``empty`` when it is missing or blank."""
    return value if _present(value) else empty


def joined(parts, sep: str = ", ") -> str:
    """The parts that are not blank, joined; an empty string when none is."""
    return sep.join(str(part).strip() for part in parts or () if _present(part))


def position_at(person) -> str:
    """ "Associate Professor, Johns Hopkins University", or the institution alone."""
    return joined([getattr(person, "position", None), getattr(person, "institution", None)])


def place(person) -> str:
    """ "Baltimore, MD, United States", leaving out what was not given."""
    return joined([getattr(person, name, None) for name in ("city", "region", "country")])


def nothing_for_none(value):
    """Jinja ``finalize``: ``{{ None }}`` renders as nothing rather than "None"."""
    return "" if value is None else value


def init_app(app) -> None:
    app.jinja_env.finalize = nothing_for_none
    for function in (given, joined, position_at, place):
        app.add_template_filter(function)
