"""The import form: which kind of people, the file, and whether to check or import."""

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from ..forms import BaseForm
from .columns import KINDS

MODES = {
    "check": "Check the file only (dry run): list every problem, import nothing",
    "all": "Import the whole file (only if it has no problems at all)",
    "valid": "Import the valid rows and skip the rows with problems",
}


class ImportForm(BaseForm):
    kind = RadioField(
        "Who is in the file?",
        choices=KINDS,
        default="trainee",
        validators=[InputRequired(message="Choose trainees or mentors.")],
    )
    file = FileField(
        "File (CSV in UTF-8, or XLSX)",
        validators=[
            FileRequired(message="Choose a file to upload."),
            FileAllowed(["csv", "xlsx"], message="Upload a .csv or .xlsx file."),
        ],
    )
    mode = RadioField(
        "What to do",
        choices=MODES,
        default="check",
        validators=[InputRequired(message="Choose what to do with the file.")],
    )
    submit = SubmitField("Go")
