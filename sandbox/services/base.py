"""The shape every service shares: lock, replay, catch up, act, remember.

``locked_operation`` is that sequence, once:

1. check the idempotency key (a form's one-time token);
2. lock the learner's ``Account`` row (``select_for_update``) **before** reading
   anything - it serialises every change to one learner (two tabs, a double click, two
   app servers), so no read-check-write interleaves with another one;
3. if the key was used before for this account, hand back the first call's record and
   change nothing (a different operation under the same key is a ``DuplicateRequest``);
4. run the engine up to the clock minute, so the service acts on an up-to-date account;
5. after the service's body, store the key with what it produced - in the same database
   transaction, so a refused call (an exception) stores nothing and can be fixed and
   resubmitted.

Services run it inside ``@transaction.atomic``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sandbox.clock import Clock, account_clock
from sandbox.engine import account_catch_up
from sandbox.errors import DuplicateRequest, SandboxError
from sandbox.models import Account, Fill, LedgerTransaction, OperationKey, Order
from sandbox.operations.session import Session

MAX_KEY_LENGTH = 100
BAD_KEY = gettext_noop("This form has expired. Reload the page and try again.")


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise SandboxError(_(BAD_KEY))
    return key


def lock(account: Account) -> Account:
    """The learner's account row, locked for the rest of the transaction."""
    return Account.objects.select_for_update().get(pk=account.pk, user__isnull=False)


def catch_up(session: Session, now: datetime) -> tuple[Clock, list[Fill]]:
    """Run the engine for the session's account up to its clock minute."""
    clock = account_clock(session.account, now)
    fills = account_catch_up(session.account, to_minute=clock.minute, session=session)
    return clock, fills


@dataclass
class Operation:
    """One locked operation. A service's body reads ``session``/``clock`` and records
    what it produced (``order``, ``tx``, ``detail``) for a later replay of its key."""

    account: Account
    session: Session
    now: datetime
    # The first call's record when the key was used before: the service returns what it
    # produced and changes nothing.
    replayed: OperationKey | None = None
    clock: Clock | None = None
    fills: list[Fill] = field(default_factory=list)
    order: Order | None = None
    tx: LedgerTransaction | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def catch_up(self) -> Clock:
        """Run the engine up to the clock (again, after the service moved the clock)."""
        self.clock, fills = catch_up(self.session, self.now)
        self.fills += fills
        return self.clock


@contextmanager
def locked_operation(
    account: Account,
    *,
    operation: str,
    key: str | None,
    now: datetime | None = None,
    run_engine: bool = True,
) -> Iterator[Operation]:
    """Lock the account, replay a used key, catch up; remember the key after the body.

    ``key=None``: an operation that is naturally repeatable (a refresh) - no replay, no
    record. ``run_engine=False``: the body moves the clock first and calls
    ``Operation.catch_up`` itself.
    """
    if key is not None:
        key = check_key(key)
    account = lock(account)
    op = Operation(account=account, session=Session(account), now=now or timezone.now())
    if key is not None:
        previous = (
            OperationKey.objects.filter(account=account, key=key)
            .select_related("order", "transaction")
            .first()
        )
        if previous is not None:
            if previous.operation != operation:
                raise DuplicateRequest
            op.replayed = previous
            yield op
            return
    if run_engine:
        op.catch_up()
    yield op
    if key is not None:
        OperationKey.objects.create(
            account=account,
            key=key,
            operation=operation,
            order=op.order,
            transaction=op.tx,
            detail=op.detail,
        )
