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
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import StopValidation, ValidationError

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


class BaseForm(FlaskForm):
    """A form whose text is free of control characters and whose numbers are finite."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                # first, so the field's own filters (strip, none_if_blank) see the cleaned text
                field.filters = (without_control_characters, *field.filters)
            if isinstance(field, (DecimalField, FloatField)):
                field.validators = [_refuse_not_finite, *field.validators]
            return field


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
