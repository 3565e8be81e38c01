"""clock_fast_forward: 1 hour, 1 day or 1 week; time only goes forward."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from sandbox import pricing, services
from sandbox.clock import sandbox_now
from sandbox.errors import InvalidFastForward
from sandbox.models import Account
from tests.sandbox.factories import NOW, key


@pytest.mark.parametrize("hours", [1, 24, 168])
def test_it_moves_the_clock_forward_and_evaluates_up_to_it(sandbox_account, hours):
    move = services.clock_fast_forward(
        account=sandbox_account, hours=hours, idempotency_key=key(), now=NOW
    )
    account = move.account

    assert (move.hours, move.replayed) == (hours, False)
    assert account.clock_offset_seconds == hours * 3600
    assert sandbox_now(account, NOW) == NOW + timedelta(hours=hours)
    assert account.evaluated_minute == pricing.minute_of(NOW) + hours * 60


@pytest.mark.parametrize("hours", [0, 2, -1, 169, "24", 24.0, True])
def test_it_refuses_other_steps(sandbox_account, hours):
    with pytest.raises(InvalidFastForward) as error:
        services.clock_fast_forward(
            account=sandbox_account, hours=hours, idempotency_key=key(), now=NOW
        )

    assert error.value.message == "You can fast-forward by 1 hour, 1 day or 1 week."
    assert Account.objects.get(pk=sandbox_account.pk).clock_offset_seconds == 0


def test_it_applies_a_double_submitted_fast_forward_once(sandbox_account):
    form_key = key()
    services.clock_fast_forward(
        account=sandbox_account, hours=24, idempotency_key=form_key, now=NOW
    )
    move = services.clock_fast_forward(
        account=sandbox_account, hours=24, idempotency_key=form_key, now=NOW
    )

    assert move.account.clock_offset_seconds == 24 * 3600
    assert (move.hours, move.replayed) == (24, True)


def test_it_reports_what_a_replayed_key_really_did(sandbox_account):
    # A stale form resent with another button: the key already moved the clock 1 hour,
    # and that is what the replay reports - the clock does not move a week.
    form_key = key()
    services.clock_fast_forward(account=sandbox_account, hours=1, idempotency_key=form_key, now=NOW)

    move = services.clock_fast_forward(
        account=sandbox_account, hours=168, idempotency_key=form_key, now=NOW
    )

    assert (move.hours, move.replayed) == (1, True)
    assert move.account.clock_offset_seconds == 3600


def test_it_adds_up_fast_forwards(sandbox_account):
    for hours in (1, 24, 168):
        account = services.clock_fast_forward(
            account=sandbox_account, hours=hours, idempotency_key=key(), now=NOW
        ).account

    assert account.clock_offset_seconds == (1 + 24 + 168) * 3600


def test_it_keeps_the_offset_while_real_time_passes(learner):
    with time_machine.travel(NOW, tick=False):
        account = services.account_sync(user=learner)
        services.clock_fast_forward(account=account, hours=1, idempotency_key=key())
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        account = services.account_sync(user=learner)

        assert sandbox_now(account) == NOW + timedelta(minutes=90)
        assert account.evaluated_minute == pricing.minute_of(NOW) + 90
