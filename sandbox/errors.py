"""Domain errors of the sandbox.

A service raises one of these when a request breaks a rule; nothing has changed when
it does (the service's transaction rolls back). ``message`` is written for the learner
and views show it as is, so tests assert it word for word.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class SandboxError(Exception):
    """Base class: a rule of the sandbox refused the request."""

    message: str = _("This action is not possible right now.")

    def __init__(self, message: str | None = None) -> None:
        # Class defaults are lazy translations; resolve them in the active language.
        self.message = str(message if message is not None else self.message)
        super().__init__(self.message)


class InsufficientBalance(SandboxError):
    """The wallet does not hold enough of the asset (reserved funds do not count)."""


class OrderTooSmall(SandboxError):
    """The order is worth less than the minimum order value (10 USDT)."""


class InvalidOrder(SandboxError):
    """The order itself makes no sense: unknown symbol, side or type, a missing price..."""


class OrderNotOpen(SandboxError):
    """Cancel of an order that is filled, cancelled, or not the learner's."""

    message = _("This order is no longer open.")


class InvalidFastForward(SandboxError):
    """Fast-forward by a step the sandbox does not offer."""


class InvalidSettings(SandboxError):
    """A sandbox setting outside its allowed range."""


class DuplicateRequest(SandboxError):
    """An idempotency key reused for a different kind of action (a stale or forged form)."""

    message = _("This form was already used for something else. Reload the page and try again.")
