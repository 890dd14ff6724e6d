"""iCalendar (RFC 5545) files of sessions, made with the `icalendar` library. Times are
written in UTC: every calendar app reads them, across daylight-saving changes, without a
VTIMEZONE to get wrong."""

import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Parcours//Convocations//FR"


def session_uid(session) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "parcours"
    return f"session-{session.pk}@{host}"


def session_bounds(session) -> tuple[datetime.datetime, datetime.datetime]:
    """The session's start and end in UTC (its date and times are local to the site)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime.combine(session.date, session.start_time, tzinfo=zone)
    end = datetime.datetime.combine(session.date, session.end_time, tzinfo=zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def session_summary(session) -> str:
    title = session.cohort.path.title
    if session.module_id:
        title = f"{title} – {session.module.title}"
    return title


def session_location(session) -> str:
    return ", ".join(part for part in (session.room, session.cohort.place) if part)


def session_event(session, *, sequence: int, now=None, attendee_email: str = "") -> Event:
    """One VEVENT: only facts of the session (no other person's name: a feed is read without
    logging in)."""
    start, end = session_bounds(session)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", session_summary(session))
    location = session_location(session)
    if location:
        event.add("location", location)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if attendee_email:
        # A scheduling message (METHOD:REQUEST/CANCEL) names its organiser and attendee
        # (RFC 5546); the feed does not.
        organiser = vCalAddress(f"mailto:{_sender_address()}")
        event.add("organizer", organiser)
        event.add("attendee", vCalAddress(f"mailto:{attendee_email}"))
    return event


def _sender_address() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    if "<" in sender:
        sender = sender.split("<", 1)[1].rstrip(">")
    return sender.strip()


def calendar_bytes(sessions, *, sequences: dict[int, int], method: str = "", name: str = "",
                   now=None, attendee_email: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    now = now or timezone.now()
    for session in sessions:
        calendar.add_component(session_event(session, sequence=sequences.get(session.pk, 0),
                                             now=now, attendee_email=attendee_email))
    return calendar.to_ical()
