"""The history page with Cross Margin entries in words and settings changes merged in
time order, in a constant number of queries."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import transaction

from calculators.formulas import hourly_rate_from_yearly
from sandbox.models import SettingsChange
from sandbox.operations.margin import interest_charge, interest_post, repay
from sandbox.services.base import locked_operation
from tests.sandbox.margin_page_helpers import activate, liquidate, prepare

D = Decimal
HISTORY = "/sandbox/history/"
pytestmark = pytest.mark.usefixtures("frozen_clock", "fixed_prices")


def charge_hours(account, hours: int, *, source: str = "hourly"):
    """``hours`` hourly charges on the 0.02 BTC loan, posted as one transaction."""
    with transaction.atomic(), locked_operation(account, operation="test", key=None) as op:
        start = op.clock.minute - op.clock.minute % 60
        charges = [
            interest_charge(
                asset="BTC",
                principal=D("0.02"),
                hourly_rate_percent=hourly_rate_from_yearly(yearly_percent=D(1)),
                minute=start - 60 * n,
                source=source,
                use_bnb=False,
                free_bnb=D(0),
                asset_price=D(50000),
                bnb_price=D(500),
            )
            for n in range(hours)
        ]
        interest_post(op.session, op.clock, charges=charges)


def repay_btc(account, amount: Decimal):
    with transaction.atomic(), locked_operation(account, operation="test", key=None) as op:
        repay(op.session, op.clock, asset="BTC", amount=amount)


def change_setting(account, setting: str, old: str, new: str, *, minutes_ago: int = 0):
    from datetime import timedelta

    from sandbox.clock import account_clock

    clock = account_clock(account)
    return SettingsChange.objects.create(
        account=account,
        season=account.season,
        setting=setting,
        old_value=old,
        new_value=new,
        minute=clock.minute - minutes_ago,
        sandbox_time=clock.time - timedelta(minutes=minutes_ago),
    )


def entries(response) -> list[str]:
    html = response.content.decode()
    rows = re.findall(r'<tr class="kind-([a-z_]+)">(.*?)</tr>', html, re.S)
    return [
        f"{kind}: " + " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for kind, body in rows
    ]


@pytest.fixture
def margin_account(learner, account):
    activate(learner)
    return prepare(account)


def test_it_says_each_cross_margin_entry_in_words(learner_client, margin_account):
    charge_hours(margin_account, 3)
    repay_btc(margin_account, D("0.01000006"))
    liquidate(margin_account, cover=D("1.5"))
    rows = entries(learner_client.get(HISTORY))
    text = "\n".join(rows)
    assert "Moved 1,000.00 USDT: Spot → Cross Margin." in text
    assert "Borrowed 0.02 BTC into Cross Margin." in text
    assert "Interest for 3 hours on your BTC loans" in text
    assert "Repaid 0.00000006 BTC of interest and 0.01 BTC of the loan (interest first)." in text
    assert "Liquidation: collateral sold at the trigger minute's index price" in text
    assert "The insurance fund wrote off the debt the liquidation could not repay." in text
    assert "Liquidation report" in text


def test_it_merges_settings_changes_in_time_order(learner_client, margin_account):
    change_setting(margin_account, "auto_topup_enabled", "off", "on")
    rows = entries(learner_client.get(HISTORY))
    assert rows[0].startswith("settings_change:")
    assert "Settings change" in rows[0]
    assert "Auto top-up: off → on" in rows[0]
    # The borrow and the transfer come after (older), newest first.
    assert rows[1].startswith("borrow:") and rows[2].startswith("transfer:")


def test_it_reads_history_with_settings_changes_in_a_constant_number_of_queries(
    learner_client, margin_account, django_assert_num_queries
):
    change_setting(margin_account, "margin_kind", "Cross 3x", "Cross 5x")
    learner_client.get(HISTORY)
    # The pinned 12 of a page of ledger entries, plus one for its settings changes.
    with django_assert_num_queries(13):
        learner_client.get(HISTORY)
    # Pages that hold both kinds of entry (the count is lower on a page of one kind).
    for n in range(30):
        older = 0 if n < 10 else n
        change_setting(margin_account, "use_bnb_for_interest", "off", "on", minutes_ago=older)
        # Charges "at borrowing" are not unique per hour, so the same hours can repeat.
        charge_hours(margin_account, 1 + n % 3, source="borrow")
    with django_assert_num_queries(13):
        response = learner_client.get(HISTORY)
    assert len(entries(response)) == 25
    with django_assert_num_queries(13):
        learner_client.get(HISTORY, {"page": "2"})
