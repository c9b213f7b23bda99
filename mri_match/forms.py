"""Form pieces shared by the features."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField, widgets
from wtforms.validators import ValidationError


class EmptyForm(FlaskForm):
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
