"""Forms for running matching and deciding on proposals."""

from datetime import UTC, datetime, timedelta

from wtforms import (
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..engine.inputs import CRITERIA, MUST_HAVE_RULES
from ..forms import BaseForm, MultiCheckboxField, strip_filter
from ..models import utcnow
from ..vocabulary import CAREER_STAGES, topic_choices
from .calendar import zone

OBJECTIVE_CHOICES = {
    "total": "Match as many trainees as possible, then the best total score",
    "fair": "Make the worst match as good as possible",
}
SAME_INSTITUTION_CHOICES = {
    "ignore": "Ignore institutions",
    "prefer": "Prefer a mentor at the trainee's institution",
    "avoid": "Never pair people at the same institution",
    "require": "Only pair people at the same institution",
}
ROLE_CHOICES = {"research": "Research mentors", "career": "Career-development mentors"}
MAX_REASON = 1000
MAX_SEARCH = 100
#: A first meeting the mentor proposes on accepting is at most this far ahead.
MAX_FIRST_MEETING_DAYS = 120


def clip_search(value):
    """Searches are never validated (they are GET filters), so keep them short here: a LIKE
    pattern of tens of kilobytes is refused by SQLite and only slows PostgreSQL."""
    return value[:MAX_SEARCH] if isinstance(value, str) else value


class RunSettingsForm(BaseForm):
    """Weights 0–10 per criterion (one field each, added below), rules, policy, objective."""

    role = RadioField(
        "Match trainees with",
        choices=ROLE_CHOICES,
        default="research",
        validators=[InputRequired(message="Choose which kind of mentor to match.")],
    )
    objective = RadioField(
        "Objective",
        choices=OBJECTIVE_CHOICES,
        default="total",
        validators=[InputRequired(message="Choose an objective.")],
    )
    same_institution = SelectField(
        "Same institution",
        choices=SAME_INSTITUTION_CHOICES,
        default="ignore",
        validators=[InputRequired(message="Choose a same-institution policy.")],
    )
    must_have = MultiCheckboxField("Must-have rules", choices=MUST_HAVE_RULES)
    min_score = IntegerField(
        "Minimum acceptable score (0 to 100)",
        default=0,
        validators=[
            InputRequired(message="Enter a minimum score between 0 and 100."),
            NumberRange(min=0, max=100, message="Enter a whole number between 0 and 100."),
        ],
    )
    submit = SubmitField("Run matching")

    @property
    def weight_fields(self):
        return [(c, getattr(self, f"weight_{c.name}")) for c in CRITERIA]

    def engine_settings(self) -> dict:
        """What the run stores and the engine reads (role, weights, rules, policy...)."""
        return {
            "role": self.role.data,
            "objective": self.objective.data,
            "same_institution": self.same_institution.data,
            "must_have": sorted(self.must_have.data or []),
            "min_score": self.min_score.data / 100,
            "weights": {c.name: float(field.data) for c, field in self.weight_fields},
        }


for _criterion in CRITERIA:
    setattr(
        RunSettingsForm,
        f"weight_{_criterion.name}",
        DecimalField(
            _criterion.label,
            default=_criterion.default,
            places=1,
            validators=[
                InputRequired(message="Enter a weight between 0 and 10."),
                NumberRange(min=0, max=10, message="Enter a weight between 0 and 10."),
            ],
        ),
    )


def _reason(label: str, missing: str | None = None) -> TextAreaField:
    """A reason or note of at most MAX_REASON characters; required when ``missing`` is given
    (spaces alone are no reason: the check runs on the stripped text)."""
    return TextAreaField(
        label,
        filters=[strip_filter],
        validators=[
            DataRequired(message=missing) if missing else Optional(),
            Length(max=MAX_REASON, message=f"Use at most {MAX_REASON} characters."),
        ],
    )


class ReasonForm(BaseForm):
    reason = _reason("Reason", "Give a reason.")
    submit = SubmitField("Save")


class RejectForm(BaseForm):
    reason = _reason("Why reject this pair?", "Give a reason for rejecting this pair.")
    submit = SubmitField("Reject this pair")


class ResolutionForm(BaseForm):
    reason = _reason("How was the request resolved?", "Say how the request was resolved.")
    submit = SubmitField("Save")


class OptionalReasonForm(BaseForm):
    reason = _reason("Reason (optional)")
    submit = SubmitField("Save")


class LocalDateTimeField(DateTimeLocalField):
    """A date-and-time box with a plain-language error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a date and time, like 2027-03-01 09:00.") from error


class AcceptForm(BaseForm):
    """The mentor accepts, proposing a first meeting in their own time zone (optional)."""

    first_meeting = LocalDateTimeField(
        "Propose a first meeting (optional)", validators=[Optional()]
    )
    submit = SubmitField("Accept")

    def __init__(self, *args, timezone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone(timezone)

    def validate_first_meeting(self, field):
        when = self.first_meeting_at
        if when is None:
            return
        now = utcnow()
        if when <= now:
            raise ValidationError("Choose a time in the future.")
        if when > now + timedelta(days=MAX_FIRST_MEETING_DAYS):
            raise ValidationError(f"Choose a time within the next {MAX_FIRST_MEETING_DAYS} days.")

    @property
    def first_meeting_at(self) -> datetime | None:
        """The proposed time in UTC (the box is read in the mentor's time zone)."""
        value = self.first_meeting.data
        if value is None:
            return None
        return value.replace(tzinfo=self.zone).astimezone(UTC)


class DeclineForm(BaseForm):
    reason = _reason("Why are you declining? (optional, seen by the program team only)")
    submit = SubmitField("Decline")


class SwapForm(OptionalReasonForm):
    mentor_id = HiddenField(validators=[InputRequired()])


class BulkConfirmForm(BaseForm):
    """Confirm the selected rows, or every open proposal at or above a score."""

    selected = HiddenField()  # filled from the checkboxes named "proposal"
    min_score = IntegerField(
        "Confirm every open proposal scoring at least",
        validators=[Optional(), NumberRange(min=0, max=100, message="Enter 0 to 100.")],
    )
    submit = SubmitField("Confirm")


class OutcomeForm(BaseForm):
    kind = RadioField(
        "What to do",
        choices={
            "widen": "Widen the search (re-run with looser settings)",
            "recruit": "Recruit a mentor for this trainee",
            "closed": "Close: no suitable mentor this cycle",
        },
        validators=[InputRequired(message="Choose what to do for this trainee.")],
    )
    reason = _reason("Note or reason", "Give a reason or a note.")
    submit = SubmitField("Save decision")


class ProposalFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form: filters in the address, safe to share

    q = SearchField(
        "Search trainee or mentor", filters=[strip_filter, clip_search], validators=[Optional()]
    )
    stage = SelectField(
        "Career stage", choices={"": "Any stage", **dict(CAREER_STAGES)}, validators=[Optional()]
    )
    topic = SelectField("Topic", validators=[Optional()])
    status = SelectField(
        "Decision",
        choices={
            "": "Any",
            "open": "Open",
            "confirmed": "Confirmed",
            "rejected": "Rejected",
            "swapped": "Swapped",
            "unmatched": "Unmatched",
        },
        validators=[Optional()],
    )
    sort = SelectField(
        "Sort by",
        choices={
            "unmatched": "Unmatched first",
            "score_desc": "Score, highest first",
            "score_asc": "Score, lowest first",
            "name": "Trainee name",
        },
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = {"": "Any topic", **dict(topic_choices())}


class MentorSearchForm(BaseForm):
    class Meta:
        csrf = False

    mentor_q = StringField("Find a mentor with room", filters=[strip_filter, clip_search])
