"""Domain errors of notifications.

They are raised by the code that sends a notification (the sandbox), never by a
learner's input, so they describe a programming mistake the caller must fix.
"""

from __future__ import annotations


class NotificationError(ValueError):
    message: str = "This notification cannot be sent."

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.message
        super().__init__(self.message)


class InvalidNotification(NotificationError):
    """A field the caller passed breaks a rule of the model (key, title, link, kind)."""


LINK_NOT_LOCAL = "A notification's link must be a path on this site, such as /sandbox/margin/."
KEY_REQUIRED = "A notification needs an idempotency key."
KEY_TOO_LONG = "A notification's key has at most 200 characters."
TITLE_REQUIRED = "A notification needs a title."
TITLE_TOO_LONG = "A notification's title has at most 200 characters."
UNKNOWN_KIND = "Unknown notification kind."
