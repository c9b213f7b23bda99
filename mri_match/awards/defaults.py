"""The medical-student award as the program runs it: the milestones and payments a new
template starts from. Due days count from the mentor's acceptance."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultMilestone:
    title: str
    completed_by: str
    due_days: int
    needs_upload: bool = False
    needs_signoff: bool = False


MEDICAL_STUDENT_AWARD = "Medical student award"
MEDICAL_STUDENT_MILESTONES = (
    DefaultMilestone("Project plan", "trainee", 30, needs_upload=True, needs_signoff=True),
    DefaultMilestone("Midpoint report", "trainee", 120, needs_upload=True, needs_signoff=True),
    DefaultMilestone("Abstract submitted", "trainee", 180, needs_upload=True, needs_signoff=True),
    DefaultMilestone("Annual meeting attendance", "admin", 270),
    DefaultMilestone("Presentation at the annual meeting", "trainee", 270, needs_upload=True),
    DefaultMilestone("Final report", "trainee", 330, needs_upload=True, needs_signoff=True),
    DefaultMilestone("Yearly engagement confirmation", "trainee", 365),
)
#: Each payment and the milestones it needs, by title.
MEDICAL_STUDENT_PAYMENTS = (
    ("Stipend at the start", ("Project plan",)),
    ("Stipend at the midpoint", ("Midpoint report",)),
    ("Stipend at completion", ("Final report",)),
    (
        "Travel to the annual meeting",
        ("Annual meeting attendance", "Presentation at the annual meeting"),
    ),
)
