"""The cooling-off rule: tell the learner once when their cooling-off period is over."""

from __future__ import annotations

from django.utils.translation import gettext as _

from notifications.models import Kind as NotificationKind
from notifications.services import notification_send, recipient_language
from sandbox import pricing
from sandbox.engine.core import CatchUp


def end_minute(until) -> int:
    """The first market minute that starts at or after ``until`` (the minute at whose
    start the period is over)."""
    minute = pricing.minute_of(until)
    return minute if pricing.datetime_of(minute) >= until else minute + 1


class CoolingOffEnd:
    """Send the ``cooling_off_ended`` notification at the minute the clock passes
    ``settings.cooling_off_until`` (SPEC §6.6), also when the learner was away.

    Runs cover consecutive minutes, so the end falls in exactly one run; the
    notification's key names the end time, and the notification row (unique per user
    and key) is the state that makes it go out once. A period extended before it ended
    has a new end, hence a new key.
    """

    keeps_pending = True  # it posts nothing

    def __init__(self) -> None:
        self.minute: int | None = None

    def prepare(self, run: CatchUp) -> None:
        until = run.session.settings.cooling_off_until
        if until is not None and run.start <= (minute := end_minute(until)) <= run.end:
            self.minute = minute

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        return self.minute if self.minute is not None and self.minute >= after else None

    def apply(self, run: CatchUp, minute: int) -> None:
        self.minute = None
        until = run.session.settings.cooling_off_until
        account = run.account
        with recipient_language(account.user):
            notification_send(
                user=account.user,
                kind=NotificationKind.COOLING_OFF_ENDED,
                title=_("Your cooling-off period has ended"),
                body=_(
                    "Borrowing, new margin positions and transfers into Cross Margin are "
                    "allowed again."
                ),
                link="/sandbox/margin/",
                key=f"cooling_off_ended:{account.pk}:{until.isoformat()}",
                sandbox_time=pricing.datetime_of(minute),
            )
