"""Forms for mentors: the standing profile, the offer for a cycle, and pausing it."""

from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..forms import (
    AtLeastOne,
    BaseForm,
    MultiCheckboxField,
    TimeZoneField,
    none_if_blank,
    strip_filter,
)
from ..publications.identifiers import (
    MAX_IDENTIFIERS,
    IdentifierError,
    normalise_orcid,
    parse_identifiers,
)
from ..vocabulary import (
    CAREER_STAGES,
    LANGUAGES,
    MEETING_FORMATS,
    MENTOR_ROLES,
    MENTORING_NEEDS,
    topic_choices,
)

MIN_STATEMENT = 50
MAX_STATEMENT = 2_000
MAX_PUBLICATIONS = 10_000
MAX_CONFLICTS = 2_000
MAX_CONFLICT_LINES = 50
MAX_CAPACITY = 5
MAX_REASON = 500
MAX_PUBLICATION_IDENTIFIERS_TEXT = 20_000


class ChoiceField(SelectField):
    """A drop-down list whose unknown values get a plain-language message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", "Choose one of the options listed.")
        super().__init__(*args, **kwargs)


class WholeNumberField(IntegerField):
    """An integer box that reports a non-number once, in words, and stops there."""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def _lines(text: str | None) -> list[str]:
    """Non-blank, stripped, de-duplicated lines, in the order given."""
    return list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))


def _required(label: str, max_length: int, missing: str, field=StringField):
    return field(
        label,
        filters=[strip_filter],
        validators=[DataRequired(message=missing), _at_most(max_length)],
    )


def _optional(label: str, max_length: int, field=StringField):
    return field(label, filters=[none_if_blank], validators=[Optional(), _at_most(max_length)])


def _at_most(max_length: int) -> Length:
    return Length(max=max_length, message=f"Use at most {max_length:,} characters.")


class MentorProfileForm(BaseForm):
    full_name = _required("Full name", 120, "Enter your name.")
    degrees = _optional("Degrees", 80)
    position = _optional("Position or academic rank", 120)
    institution = _required("Institution", 200, "Enter your institution.")
    city = _optional("City", 120)
    region = _optional("State or province", 120)
    country = _required("Country", 120, "Enter your country.")
    timezone = TimeZoneField(
        "Time zone", validators=[InputRequired(message="Choose your time zone.")]
    )
    ash_member_number = StringField(
        "ASH membership number",
        filters=[none_if_blank],
        validators=[
            Optional(),
            _at_most(32),
            Regexp(
                r"^[A-Za-z0-9-]+$",
                message="Use only letters, digits and hyphens, as on your ASH membership card.",
            ),
        ],
    )
    topics = MultiCheckboxField(
        "Expertise topics",
        validators=[AtLeastOne("Choose at least one topic.")],
    )
    expertise_statement = TextAreaField(
        "Expertise statement",
        filters=[strip_filter],
        validators=[
            DataRequired(message="Describe your expertise."),
            Length(
                min=MIN_STATEMENT,
                max=MAX_STATEMENT,
                message=f"Write between {MIN_STATEMENT} and {MAX_STATEMENT:,} characters.",
            ),
        ],
    )
    publications = _optional(
        "Publication titles or biosketch (optional)", MAX_PUBLICATIONS, TextAreaField
    )
    stages_accepted = MultiCheckboxField(
        "Career stages you will mentor",
        choices=dict(CAREER_STAGES),
        validators=[AtLeastOne("Choose at least one career stage.")],
    )
    needs_offered = MultiCheckboxField(
        "What you can help trainees with",
        choices=dict(MENTORING_NEEDS),
        validators=[AtLeastOne("Choose at least one thing you can help with.")],
    )
    meeting_formats = MultiCheckboxField(
        "Meeting formats",
        choices=dict(MEETING_FORMATS),
        validators=[AtLeastOne("Choose at least one meeting format.")],
    )
    languages = MultiCheckboxField(
        "Languages you can mentor in",
        choices=dict(LANGUAGES),
        validators=[AtLeastOne("Choose at least one language.")],
    )
    conflicts = _optional("Declared conflicts (optional)", MAX_CONFLICTS, TextAreaField)
    submit = SubmitField("Save profile")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics.choices = dict(topic_choices())

    def validate_conflicts(self, field):
        if len(_lines(field.data)) > MAX_CONFLICT_LINES:
            raise ValidationError(f"List at most {MAX_CONFLICT_LINES} people or institutions.")

    def populate(self, profile) -> None:
        """Copy the validated answers onto ``profile`` (the membership number resets checks)."""
        for name in profile.ENTERED_FIELDS:
            setattr(profile, name, getattr(self, name).data)
        profile.topics = self.topics.data
        profile.conflicts = "\n".join(_lines(self.conflicts.data)) or None
        profile.set_member_number(self.ash_member_number.data)


class OfferForm(BaseForm):
    capacity = WholeNumberField(
        "How many trainees can you mentor in this cycle?",
        invalid_value_message=f"Enter a whole number from 0 to {MAX_CAPACITY}.",
        validators=[
            InputRequired(message=f"Enter a number from 0 to {MAX_CAPACITY}."),
            NumberRange(
                min=0,
                max=MAX_CAPACITY,
                message=f"Enter a whole number from 0 to {MAX_CAPACITY}.",
            ),
        ],
    )
    roles = MultiCheckboxField(
        "Mentor roles you offer",
        choices=dict(MENTOR_ROLES),
        validators=[AtLeastOne("Choose at least one mentor role.")],
    )
    submit = SubmitField("Save")

    def populate(self, offer) -> None:
        offer.capacity = self.capacity.data
        offer.roles = list(self.roles.data)


class PauseForm(BaseForm):
    reason = _optional("Reason (optional, seen by the program team)", MAX_REASON, TextAreaField)
    submit = SubmitField("Pause volunteering")


class PublicationSourcesForm(BaseForm):
    """Where the mentor's publications are fetched from: an ORCID iD and/or identifiers."""

    orcid = StringField(
        "ORCID iD (optional)",
        filters=[none_if_blank],
        validators=[Optional(), _at_most(40)],
    )
    identifiers = _optional(
        "PubMed IDs or DOIs (optional)", MAX_PUBLICATION_IDENTIFIERS_TEXT, TextAreaField
    )
    submit = SubmitField("Save and fetch publications")

    def validate_orcid(self, field):
        try:
            field.data = normalise_orcid(field.data)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_identifiers(self, field):
        keys, errors = parse_identifiers(field.data)
        if errors:
            raise ValidationError(" ".join(errors[:3]) + (" …" if len(errors) > 3 else ""))
        if len(keys) > MAX_IDENTIFIERS:
            raise ValidationError(f"List at most {MAX_IDENTIFIERS} PubMed IDs or DOIs.")

    def keys(self) -> list[str]:
        return parse_identifiers(self.identifiers.data)[0]


class PublicationChoiceForm(BaseForm):
    """The publications the mentor ticks for matching (none ticked is an answer too)."""

    included = MultiCheckboxField("Publications to use for matching", choices={})
    submit = SubmitField("Save my choices")

    def __init__(self, *args, publications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.included.choices = {str(p.id): p.title for p in publications}
