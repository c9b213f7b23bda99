"""The first-meeting invitation (an iCalendar ``.ics`` file) sent with the introduction email.

The event is written in the recipient's own time zone (their profile's or application's), with
the zone's definition included, so every calendar shows it at the right local time.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, vCalAddress

from ..models import Match, utcnow

FIRST_MEETING_MINUTES = 30


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(when: datetime, timezone: str | None) -> str:
    """``when`` as a person in ``timezone`` reads it, e.g. "Tuesday 5 January 2027, 09:00 CST"."""
    local = when.astimezone(zone(timezone))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def first_meeting_ics(match: Match, *, timezone: str | None) -> bytes:
    """An invitation from the mentor to the trainee for the first meeting the mentor proposed."""
    start = match.first_meeting_proposed_at
    assert start is not None
    application, mentor = match.application, match.mentor
    local_start = start.astimezone(zone(timezone))
    event = Event()
    event.add("uid", f"match-{match.id}-first-meeting@mri-match")
    event.add("dtstamp", utcnow())
    event.add("dtstart", local_start)
    event.add("dtend", local_start + timedelta(minutes=FIRST_MEETING_MINUTES))
    event.add("summary", f"MRI Match: {mentor.full_name} and {application.full_name}")
    event.add(
        "description",
        "A first meeting proposed by your MRI Match mentor. "
        "Reply to each other by email to agree on where or how you meet.",
    )
    organizer = vCalAddress(f"mailto:{mentor.user.email}")
    organizer.params["cn"] = mentor.full_name
    event.add("organizer", organizer)
    for name, email in (
        (mentor.full_name, mentor.user.email),
        (application.full_name, application.trainee.email),
    ):
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = name
        attendee.params["role"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee)
    calendar = Calendar()
    calendar.add("prodid", "-//MRI Match//First meeting//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
