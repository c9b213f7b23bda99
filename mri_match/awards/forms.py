"""Forms: hand in a file, send a submission back, and the admins' award templates."""

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import AtLeastOne, BaseForm, MultiCheckboxField, none_if_blank, strip_filter
from ..models import COMPLETERS

MAX_NOTE = 2000
MAX_DUE_DAYS = 1500  # about four years after the acceptance
ROLE_CHOICES = {
    "research": "The trainee's research mentor",
    "career": "The trainee's career-development mentor",
}


class UploadForm(BaseForm):
    file = FileField(
        "Your file (PDF or Word .docx)",
        validators=[
            FileRequired(message="Choose the file to upload."),
            FileAllowed(["pdf", "docx"], message="Upload a PDF or a Word (.docx) file."),
        ],
    )


class SendBackForm(BaseForm):
    note = TextAreaField(
        "What should change before you sign it off?",
        filters=[strip_filter],
        validators=[
            DataRequired("Say what to change before it can be signed off."),
            Length(max=MAX_NOTE),
        ],
    )


class NewTemplateForm(BaseForm):
    track = RadioField("Track", validators=[InputRequired("Choose the track.")])
    start = RadioField(
        "Start from",
        choices={
            "defaults": "The medical-student award's milestones and payments (you can change them)",
            "empty": "Nothing: add each milestone yourself",
        },
        default="defaults",
        validators=[InputRequired("Choose what to start from.")],
    )
    role = RadioField(
        "Who signs off the trainee's work?",
        choices=ROLE_CHOICES,
        default="research",
        validators=[InputRequired("Choose which mentor signs off.")],
    )

    def __init__(self, *args, tracks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = {track: track for track in tracks}


class WholeDaysField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Give a whole number of days, e.g. 90.") from exc


class MilestoneForm(BaseForm):
    title = StringField(
        "Title",
        filters=[strip_filter],
        validators=[InputRequired("Give the milestone a title."), Length(max=120)],
    )
    completed_by = RadioField(
        "Who completes it?", choices=COMPLETERS, validators=[InputRequired("Choose who.")]
    )
    due_kind = RadioField(
        "When is it due?",
        choices={"relative": "A number of days after the mentor accepts", "fixed": "On a date"},
        validators=[InputRequired("Choose how the due date is set.")],
    )
    due_days = WholeDaysField(
        "Days after acceptance",
        validators=[Optional(), NumberRange(0, MAX_DUE_DAYS, f"Between 0 and {MAX_DUE_DAYS}.")],
    )
    due_on = DateField("Due date", validators=[Optional()])
    needs_upload = BooleanField("A file must be uploaded (a report, abstract or poster)")
    needs_signoff = BooleanField("The mentor signs it off")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        kind = self.due_kind.data
        if kind == "relative" and self.due_days.data is None and not self.due_days.errors:
            self.due_days.errors = ["Give the number of days after acceptance."]
            valid = False
        if kind == "fixed" and self.due_on.data is None and not self.due_on.errors:
            self.due_on.errors = ["Give the due date."]
            valid = False
        return valid

    def fields(self) -> dict:
        relative = self.due_kind.data == "relative"
        return {
            "title": self.title.data,
            "completed_by": self.completed_by.data,
            "due_days": self.due_days.data if relative else None,
            "due_on": None if relative else self.due_on.data,
            "needs_upload": bool(self.needs_upload.data),
            "needs_signoff": bool(self.needs_signoff.data),
        }

    def fill(self, milestone) -> None:
        self.title.data = milestone.title
        self.completed_by.data = milestone.completed_by
        self.due_kind.data = "fixed" if milestone.due_on else "relative"
        self.due_days.data = milestone.due_days
        self.due_on.data = milestone.due_on
        self.needs_upload.data = milestone.needs_upload
        self.needs_signoff.data = milestone.needs_signoff


class PaymentForm(BaseForm):
    title = StringField(
        "What is paid",
        filters=[strip_filter],
        validators=[
            InputRequired("Say what is paid, e.g. Stipend at completion."),
            Length(max=120),
        ],
    )
    amount = IntegerField(
        "Amount in US dollars (optional)",
        filters=[none_if_blank],
        validators=[Optional(), NumberRange(0, 1_000_000, "Between 0 and 1,000,000 dollars.")],
    )
    milestones = MultiCheckboxField(
        "Paid once these milestones are done",
        validators=[AtLeastOne("Choose the milestones this payment needs.")],
    )

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestones.choices = {
            str(m.id): m.title for m in (template.milestones if template else [])
        }
