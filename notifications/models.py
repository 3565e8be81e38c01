"""A notification: something the risk engine or the learner's settings did that the
learner should hear about, in the app and (for the §6.6 events) by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_MAX_LENGTH = 200
TITLE_MAX_LENGTH = 200
LINK_MAX_LENGTH = 300


class Kind(models.TextChoices):
    MARGIN_CALL = "margin_call", _("Margin call")
    AUTO_TOP_UP = "auto_top_up", _("Auto top-up")
    LIQUIDATION = "liquidation", _("Liquidation")
    COOLING_OFF_STARTED = "cooling_off_started", _("Cooling-off started")
    COOLING_OFF_ENDED = "cooling_off_ended", _("Cooling-off ended")
    INFO = "info", _("Information")


# SPEC §6.6 names these events for e-mail as well; "info" stays in the app, so a
# chatty message (a reward, a tip) never fills a learner's inbox.
EMAILED_KINDS = frozenset(
    {
        Kind.MARGIN_CALL,
        Kind.AUTO_TOP_UP,
        Kind.LIQUIDATION,
        Kind.COOLING_OFF_STARTED,
        Kind.COOLING_OFF_ENDED,
    }
)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(blank=True, help_text=_("Plain text."))
    link = models.CharField(
        max_length=LINK_MAX_LENGTH, blank=True, help_text=_("A path on this site, or empty.")
    )
    # The same event raised twice (the engine replaying a minute, a retried request)
    # carries the same key, and the unique constraint keeps one row.
    key = models.CharField(max_length=KEY_MAX_LENGTH)
    sandbox_time = models.DateTimeField(
        null=True, blank=True, help_text=_("The learner's sandbox clock when it happened.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("user", "key"), name="notification_key_per_user"),
        ]
        indexes = [
            models.Index(fields=("user", "-created_at", "-id"), name="notification_newest"),
            # The header counts unread rows on every page: a partial index keeps that
            # count proportional to the unread ones, not to the learner's history.
            models.Index(
                fields=("user",), condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
