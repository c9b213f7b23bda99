"""Forms for trainees: the application (draft or complete) and self-identification.

Two levels of checking for the application, so that a draft can be saved half-finished:

* ``form.validate()`` checks what is filled in: lengths, formats, choices from the lists, and
  that the answers agree with each other. This is all "Save draft" needs.
* ``form.validate_complete()`` also checks that every required answer is there. "Submit
  application", and any change to an application that is already submitted, need this.
"""

from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from .. import vocabulary
from ..forms import (
    BaseForm,
    EmailAddress,
    MultiCheckboxField,
    TimeZoneField,
    none_if_blank,
    strip_filter,
)
from ..models import Application

STATEMENT_MIN = 50
STATEMENT_MAX = 2000
MAX_TOPICS = 5
MAX_WITHDRAW_REASON = 1000
CHOOSE_FROM_LIST = "Choose one of the options listed."


def _choices(pairs) -> dict[str, str]:
    """WTForms 3.3 wants ``{value: label}`` dicts rather than lists of tuples."""
    return dict(pairs)


def normalise_newlines(value):
    """Browsers send line breaks as CR LF; count them as one character, as the browser does."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class NeededToSubmit:
    """An answer a draft may leave blank but a submitted application needs: the form macros
    mark the field, and :meth:`ApplicationForm.validate_complete` checks it."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        """Nothing to check while saving a draft."""


def _needed(message: str) -> list:
    return [NeededToSubmit(message)]


class _OptionalChoice:
    """A choice that may be left unanswered; a value not offered gets a message."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        if self.data not in {choice.value for choice in self.iter_choices()}:
            raise ValidationError(CHOOSE_FROM_LIST)


class OptionalSelectField(_OptionalChoice, SelectField):
    """A drop-down whose blank answer is allowed here."""


class OptionalRadioField(_OptionalChoice, RadioField):
    """Radio buttons that may be left unanswered."""


def _text(label, max_length, what="This answer", needed: str | None = None):
    return StringField(
        label,
        filters=[strip_filter],
        validators=[
            *(_needed(needed) if needed else []),
            Length(max=max_length, message=f"{what} has at most {max_length:,} characters."),
        ],
    )


#: The application's answers that are lists (checkbox groups); the rest of what a trainee enters
#: (Application.ENTERED_FIELDS) are single values.
LIST_FIELDS = ("topics", "needs", "requested_roles", "languages")
SIMPLE_FIELDS = tuple(name for name in Application.ENTERED_FIELDS if name not in LIST_FIELDS)


class ApplicationForm(BaseForm):
    # In the order the page shows them, so that the error summary lists them in that order.
    full_name = _text("Full name", 120, "A name", needed="Enter your full name.")
    pronouns = _text("Pronouns (optional)", 40, "Pronouns have")
    career_stage = OptionalSelectField(
        "Career stage",
        choices=_choices([("", "Choose your career stage…")]),
        validators=_needed("Choose your career stage."),
    )
    track = OptionalSelectField("Program track")
    institution = _text("Institution", 200, "An institution name", needed="Enter your institution.")
    city = _text("City", 120, "A city name", needed="Enter your city.")
    region = _text("State or province", 120, "A state or province name")
    country = _text("Country", 120, "A country name", needed="Enter your country.")
    timezone = TimeZoneField(
        "Time zone",
        validators=_needed("Choose your time zone."),
        placeholder="Choose your time zone…",
    )
    topics = MultiCheckboxField(
        "Research topics", validators=_needed("Choose at least one research topic.")
    )
    research_statement = TextAreaField(
        "Research statement",
        filters=[normalise_newlines, strip_filter],
        validators=_needed("Write a research statement."),
    )
    needs = MultiCheckboxField(
        "What would you like help with?",
        choices=_choices(vocabulary.MENTORING_NEEDS),
        validators=_needed("Choose at least one thing you would like help with."),
    )
    requested_roles = MultiCheckboxField(
        "Mentor roles you request",
        choices=_choices(vocabulary.MENTOR_ROLES),
        # unless a research mentor is named below: validate_complete checks both together
        validators=_needed(
            "Choose at least one mentor role, or name the research mentor you already have."
        ),
    )
    has_research_mentor = BooleanField("I already have a research mentor")
    nominee_name = _text("Research mentor’s name", 120, "A name")
    nominee_email = EmailField(
        "Research mentor’s email address",
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=254, message="An email address has at most 254 characters."),
            EmailAddress(),
        ],
    )
    nominee_institution = _text("Research mentor’s institution", 200, "An institution name")
    meeting_format = OptionalRadioField(
        "Preferred meeting format",
        choices=_choices(vocabulary.MEETING_PREFERENCES),
        validators=_needed("Choose how you would like to meet."),
    )
    languages = MultiCheckboxField(
        "Languages you can be mentored in",
        choices=_choices(vocabulary.LANGUAGES),
        validators=_needed("Choose at least one language."),
    )
    wants_same_institution = BooleanField("I would like a mentor at my own institution")
    wants_same_region = BooleanField("I would like a mentor in my state or province")

    def __init__(self, *args, tracks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.career_stage.choices = _choices(
            [("", "Choose your career stage…"), *vocabulary.CAREER_STAGES]
        )
        self.track.choices = {"": "Choose a track…", **{t: t for t in tracks}}
        if tracks:  # a cycle without tracks asks for none
            self.track.validators = _needed("Choose a program track.")
            self.track.flags.required = True
        # the limits the hint states and the counter shows; validate_complete checks the least
        self.research_statement.flags.minlength = STATEMENT_MIN
        self.research_statement.flags.maxlength = STATEMENT_MAX
        self.topics.choices = _choices(vocabulary.topic_choices())

    # --- checks on what is filled in (drafts too) -----------------------------------------

    def validate_research_statement(self, field):
        length = len(field.data or "")
        if length > STATEMENT_MAX:
            raise ValidationError(
                f"Keep your statement to {STATEMENT_MAX:,} characters or fewer (it has {length:,})."
            )

    def validate_topics(self, field):
        if len(field.data or []) > MAX_TOPICS:
            raise ValidationError(f"Choose at most {MAX_TOPICS} topics.")

    def validate_requested_roles(self, field):
        if self.has_research_mentor.data and "research" in (field.data or []):
            raise ValidationError(
                "You said you already have a research mentor, so do not also request one: "
                "untick “Research mentor”, or untick “I already have a research mentor”."
            )

    # --- checks that everything required is there (submitting) ----------------------------

    def validate_complete(self) -> bool:
        """Full validation: formats as for a draft, plus every answer needed to submit."""
        valid = self.validate()
        for field in self:
            needed = [v for v in field.validators if isinstance(v, NeededToSubmit)]
            if not needed or field.errors or field.data:
                continue
            if field is self.requested_roles and self.has_research_mentor.data:
                continue  # the research mentor named below stands in for a request
            field.errors.append(needed[0].message)
            valid = False
        if self.has_research_mentor.data:
            for field, message in (
                (self.nominee_name, "Enter your research mentor’s name."),
                (self.nominee_email, "Enter your research mentor’s email address."),
                (self.nominee_institution, "Enter your research mentor’s institution."),
            ):
                if not field.errors and not field.data:
                    field.errors.append(message)
                    valid = False

        statement = self.research_statement
        length = len(statement.data or "")
        if not statement.errors and length < STATEMENT_MIN:
            statement.errors.append(f"Write at least {STATEMENT_MIN} characters (it has {length}).")
            valid = False

        return valid

    # --- moving data between the form and the application ---------------------------------

    @classmethod
    def data_from(cls, application) -> dict:
        """The form's initial values from a stored application."""
        data = {name: getattr(application, name) for name in SIMPLE_FIELDS}
        data.update({name: list(getattr(application, name) or []) for name in LIST_FIELDS})
        nominee = application.nominated_mentor
        if nominee is not None:
            data.update(
                nominee_name=nominee.name,
                nominee_email=nominee.email,
                nominee_institution=nominee.institution,
            )
        return data

    def values(self) -> dict:
        """The validated answers, blanks as None, ready for the application."""
        values = {name: none_if_blank(getattr(self, name).data) for name in SIMPLE_FIELDS}
        values["full_name"] = values["full_name"] or ""
        values.update({name: list(getattr(self, name).data or []) for name in LIST_FIELDS})
        for name in ("wants_same_institution", "wants_same_region", "has_research_mentor"):
            values[name] = bool(values[name])
        return values

    def nominee(self) -> dict | None:
        """The named research mentor, or None when the box is not ticked or nothing is given."""
        if not self.has_research_mentor.data:
            return None
        details = {
            "name": self.nominee_name.data or "",
            "email": (self.nominee_email.data or "").lower(),
            "institution": self.nominee_institution.data or "",
        }
        return details if any(details.values()) else None


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        "Reason (optional)",
        filters=[normalise_newlines, strip_filter],
        validators=[
            Length(
                max=MAX_WITHDRAW_REASON,
                message=f"A reason has at most {MAX_WITHDRAW_REASON:,} characters.",
            )
        ],
    )


class SelfIdentificationForm(BaseForm):
    race_ethnicity = MultiCheckboxField(
        "Race and ethnicity (choose all that apply)",
        choices=_choices(vocabulary.RACE_ETHNICITY),
    )
    gender_identity = OptionalRadioField(
        "Gender identity", choices=_choices(vocabulary.GENDER_IDENTITY)
    )
    first_generation = OptionalRadioField(
        "Are you the first in your family to attend college or university?",
        choices=_choices(vocabulary.YES_NO_PREFER_NOT),
    )
    disability = OptionalRadioField(
        "Do you identify as a person with a disability?",
        choices=_choices(vocabulary.YES_NO_PREFER_NOT),
    )
    lgbtq = OptionalRadioField(
        "Do you identify as LGBTQ+?", choices=_choices(vocabulary.YES_NO_PREFER_NOT)
    )
    consent_use_for_matching = BooleanField("Use this to find a mentor who shares my background")

    ANSWERS = ("race_ethnicity", "gender_identity", "first_generation", "disability", "lgbtq")

    def validate_race_ethnicity(self, field):
        if "prefer_not" in (field.data or []) and len(field.data) > 1:
            raise ValidationError(
                "Choose “Prefer not to say” on its own, or untick it to choose the others."
            )

    def values(self) -> dict:
        values = {name: none_if_blank(getattr(self, name).data) for name in self.ANSWERS}
        values["race_ethnicity"] = list(self.race_ethnicity.data or []) or None
        values["consent_use_for_matching"] = bool(self.consent_use_for_matching.data)
        return values
