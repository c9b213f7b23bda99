"""Form pieces shared by the features.

Every form derives from ``BaseForm``: it cleans control characters out of every text field and
refuses numbers that are not finite (``NaN``, ``sNaN``, ``Infinity``) with a message next to the
field, so no feature has to remember either.
"""

import math
import re
import unicodedata
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FloatField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from . import vocabulary
from .email import BadAddress, checked_address

# Control characters (Unicode category Cc) other than tab, line feed and carriage return:
# never typed by a person, NUL is refused by PostgreSQL, and the rest garble pages and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NOT_FINITE_MESSAGE = "Enter a number, such as 2 or 2.5."


def without_control_characters(value):
    """Text with the control characters removed (tabs and line breaks kept); others unchanged."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    return value


def clean_filename(name: str | None, max_length: int = 200) -> str:
    """An uploaded file's name, safe to show and store: no control characters or paths, short."""
    text = unicodedata.normalize("NFC", without_control_characters(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return text[:max_length]


def _refuse_not_finite(form, field):
    value = field.data
    if isinstance(value, Decimal) and not value.is_finite():
        field.data = None  # a signalling NaN raises on any comparison made after this
    elif isinstance(value, float) and not math.isfinite(value):
        field.data = None
    else:
        return
    field.errors[:] = []
    raise StopValidation(NOT_FINITE_MESSAGE)


def _cleaned(field) -> bool:
    """Whether BaseForm takes the control characters out of the field's text (passwords are
    taken as typed)."""
    return isinstance(field, StringField) and not isinstance(field, PasswordField)


class BaseForm(FlaskForm):
    """A form whose text is free of control characters and whose numbers are finite."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if _cleaned(field):
                # first, so the field's own filters (strip, none_if_blank) see the cleaned text
                field.filters = (without_control_characters, *field.filters)
            if isinstance(field, (DecimalField, FloatField)):
                field.validators = [_refuse_not_finite, *field.validators]
            return field

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        # Optional and InputRequired read the raw input: they must see it cleaned too, or text
        # made only of control characters passes as given while the field's data is empty.
        for field in self:
            if field.raw_data and _cleaned(field):
                field.raw_data = [
                    without_control_characters(value) if isinstance(value, str) else value
                    for value in field.raw_data
                ]


class EmptyForm(BaseForm):
    """A CSRF-protected POST button."""

    submit = SubmitField("Submit")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; unknown values get a clear message, not a crash.

    Pass ``choices`` as a ``{value: label}`` dict: WTForms 3.3 deprecates lists of tuples.
    """

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        known = {choice.value for choice in self.iter_choices()}
        unknown = [v for v in self.data or [] if v not in known]
        if unknown:
            raise ValidationError("Choose only from the options listed.")


class EmailAddress:
    """An email address we can deliver to (see ``email.checked_address``); blank is left to
    InputRequired or Optional."""

    def __call__(self, form, field):
        if field.data:
            try:
                checked_address(field.data)
            except BadAddress as error:
                raise ValidationError(str(error)) from error


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def none_if_blank(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def as_id(value) -> int | None:
    """A posted row id, or None: "²" passes isdigit() but not int(), and ids fit 32 bits."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


class AtLeastOne:
    """A checkbox group where at least one box must be ticked (marked as required)."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(self.message)


# --- what the form macros in templates/_macros.html read from a field -----------------------

SESSION_EXPIRED = "Your session expired. Please try again."
_GROUP_WIDGETS = (widgets.ListWidget, widgets.TableWidget)


def focus_target(field) -> str | None:
    """The id the error summary links to: the box itself, or a group's first option."""
    if field.type in ("HiddenField", "CSRFTokenField"):
        return None
    if isinstance(field.widget, _GROUP_WIDGETS):
        return f"{field.id}-0"
    return field.id


def error_summary(form) -> list[tuple[str | None, str]]:
    """Each error of ``form`` as (id of the field to focus or None, message), in page order."""
    problems: list[tuple[str | None, str]] = []
    for field in form:
        for error in field.errors or ():
            if isinstance(error, dict | list):  # a FormField's or FieldList's nested errors
                continue
            if field.type == "CSRFTokenField":
                problems.append((None, SESSION_EXPIRED))
            else:
                problems.append((focus_target(field), str(error)))
    problems += [(None, str(error)) for error in getattr(form, "form_errors", None) or ()]
    return list(dict.fromkeys(problems))


def length_limits(field) -> tuple[int | None, int | None]:
    """The fewest and most characters a text field takes (None where there is no limit)."""
    low = getattr(field.flags, "minlength", None)
    high = getattr(field.flags, "maxlength", None)
    return (low if low and low > 0 else None, high if high and high > 0 else None)


def _canonical_zone(value):
    """An older zone name as the zone it links to; anything else as it was (checked later)."""
    return vocabulary.canonical_timezone(value) or value


class TimeZoneField(SelectField):
    """The canonical time zones, grouped by region, shown as on every page ("America/New
    York"). An older name (Asia/Calcutta), stored or posted, counts as the zone it links to;
    a blank answer is left to the form's own required rule."""

    def __init__(self, label=None, validators=None, placeholder="Choose a time zone…", **kw):
        kw.setdefault("filters", [_canonical_zone])
        kw.setdefault("invalid_choice_message", "Choose one of the options listed.")
        kw.setdefault("render_kw", {"data-searchable": "Find a time zone: type a city"})
        super().__init__(label, validators, **kw)
        self.choices = [
            SelectChoice("", placeholder),
            *(
                SelectChoice(zone, name, optgroup=vocabulary.timezone_region(zone))
                for zone, name in vocabulary.timezone_choices()
            ),
        ]

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        super().pre_validate(form)
