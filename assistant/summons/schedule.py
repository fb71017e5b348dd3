"""When notices may go: the CPC 638 deadline, the reminder the day before, quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.core.config import SummonsSettings


class TooLate(ValueError):
    """A notice that could not reach the candidate the days CPC 638 requires."""


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    notice_days: int
    reminder_hour: int
    quiet_start: int
    quiet_end: int

    @classmethod
    def of(cls, settings: SummonsSettings) -> Schedule:
        return cls(
            ZoneInfo(settings.timezone),
            settings.notice_days,
            settings.reminder_hour,
            settings.quiet_start_hour,
            settings.quiet_end_hour,
        )

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.zone)

    def quiet(self, when: datetime) -> bool:
        """True between quiet_start and quiet_end local time (the span may cross midnight)."""
        hour = self.local(when).hour
        if self.quiet_start > self.quiet_end:
            return hour >= self.quiet_start or hour < self.quiet_end
        return self.quiet_start <= hour < self.quiet_end

    def next_allowed(self, when: datetime) -> datetime:
        """``when``, or the end of the quiet hours it falls in."""
        if not self.quiet(when):
            return when
        local = self.local(when)
        end = datetime.combine(local.date(), time(self.quiet_end), self.zone)
        if end <= local:
            end += timedelta(days=1)
        return end

    def check_notice(self, now: datetime, hearing_at: datetime) -> None:
        """TooLate unless a notice sent now reaches the candidate ``notice_days`` ahead."""
        first = self.next_allowed(now)
        if hearing_at - first < timedelta(days=self.notice_days):
            days = (hearing_at - now).total_seconds() / 86400
            raise TooLate(
                f"the hearing is {days:.1f} days away; CPC art. 638 requires the notice to be "
                f"delivered at least {self.notice_days} days before it. Move the hearing or "
                "deliver the notice in person and record it."
            )

    def reminder_at(self, hearing_at: datetime) -> datetime:
        """reminder_hour local time the day before the hearing (outside the quiet hours)."""
        day = self.local(hearing_at).date() - timedelta(days=1)
        return self.next_allowed(datetime.combine(day, time(self.reminder_hour), self.zone))
