"""Domain errors of the sandbox.

A service raises one of these when a request breaks a rule; nothing has changed when
it does (the service's transaction rolls back). ``message`` is written for the learner
and views show it as is, so tests assert it word for word.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.activation import MarginLocked


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
    """A sandbox setting outside its allowed range.

    ``field`` names the settings form field the message belongs to (``None``: the whole
    form), so the page can show it next to that field.
    """

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DuplicateRequest(SandboxError):
    """An idempotency key reused for a different kind of action (a stale or forged form)."""

    message = _("This form was already used for something else. Reload the page and try again.")


# ---------------------------------------------------------------------------------------
# Cross Margin (SPEC §6.5, §6.6)
# ---------------------------------------------------------------------------------------


class MarginNotActivated(MarginLocked, SandboxError):
    """A margin action by a learner who has not passed the margin quiz.

    Both a ``MarginLocked`` (what the margin gate raises and the views answer 403 to) and
    a ``SandboxError`` (what every sandbox view already shows as a message), so whichever
    a caller catches, nothing reaches the learner as a server error.
    """

    def __init__(self, message: str | None = None) -> None:
        MarginLocked.__init__(self, message)


class InvalidMarginRequest(SandboxError):
    """A transfer, borrow or repay whose own fields make no sense (asset, amount, direction)."""


class MarginRuleBroken(SandboxError):
    """The account's margin state (§6.6) does not allow this action now."""


class CoolingOffActive(SandboxError):
    """The learner's cooling-off period forbids this action until it ends."""


class BorrowTooLarge(SandboxError):
    """The loan would take the collateral margin level below the kind's borrow threshold."""


class BorrowTooSmall(SandboxError):
    """The loan is worth less than the minimum borrow (10 USDT)."""
