"""SandboxSettings: defaults, the BNB-fee switch, and validation of every §6.1 setting."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sandbox import services
from sandbox.errors import InvalidSettings
from sandbox.models import SandboxSettings
from tests.sandbox.factories import NOW, key


def test_it_turns_bnb_fees_on_and_off(sandbox_account):
    updated = services.settings_update(
        account=sandbox_account, use_bnb_for_fees=True, idempotency_key=key(), now=NOW
    )
    assert updated.use_bnb_for_fees is True

    updated = services.settings_update(
        account=sandbox_account, use_bnb_for_fees=False, idempotency_key=key(), now=NOW
    )
    assert SandboxSettings.objects.get(account=sandbox_account).use_bnb_for_fees is False


def test_it_applies_a_double_submitted_settings_form_once(sandbox_account):
    form_key = key()
    services.settings_update(
        account=sandbox_account, use_bnb_for_fees=True, idempotency_key=form_key, now=NOW
    )
    # A later change with the same (stale) form key changes nothing.
    result = services.settings_update(
        account=sandbox_account, use_bnb_for_fees=False, idempotency_key=form_key, now=NOW
    )

    assert result.use_bnb_for_fees is True


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_it_refuses_a_non_boolean(sandbox_account, value):
    with pytest.raises(InvalidSettings):
        services.settings_update(
            account=sandbox_account, use_bnb_for_fees=value, idempotency_key=key(), now=NOW
        )


def valid(**changes) -> SandboxSettings:
    settings = SandboxSettings(**changes)
    settings.clean()
    return settings


def test_it_accepts_the_defaults_and_sensible_values(sandbox_account):
    valid()
    valid(
        auto_topup_enabled=True,
        auto_topup_assets=["USDT", "BTC", "BNB"],
        auto_topup_target=Decimal("1.8"),
        margin_call_alert_level=Decimal("1.4"),
        margin_kind="cross3x",
        cooling_off_until=NOW + timedelta(days=3),
    )
    valid(
        margin_kind="cross5x",
        auto_topup_target=Decimal("1.2"),
        margin_call_alert_level=Decimal("1.16"),
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"auto_topup_target": Decimal("1.3")},
            "auto_topup_target",
            "The top-up target must be above the margin-call level (1.3).",
        ),
        (
            {"margin_kind": "cross5x", "auto_topup_target": Decimal("1.16")},
            "auto_topup_target",
            "The top-up target must be above the margin-call level (1.16).",
        ),
        (
            {"margin_call_alert_level": Decimal("1.2")},
            "margin_call_alert_level",
            "The alert level cannot be below the margin-call level (1.3).",
        ),
        (
            {"auto_topup_assets": ["USDT", "BTC", "ETH", "BNB"]},
            "auto_topup_assets",
            "Choose at most 3 assets for auto top-up.",
        ),
        (
            {"auto_topup_assets": ["USDT", "USDT"]},
            "auto_topup_assets",
            "Each asset can be chosen once.",
        ),
        (
            {"auto_topup_assets": ["DOGE"]},
            "auto_topup_assets",
            "Auto top-up can use only these spot assets: USDT, USDC, BTC, ETH, BNB.",
        ),
        ({"auto_topup_assets": "USDT"}, "auto_topup_assets", "Choose up to 3 spot assets."),
        ({"margin_kind": "cross10x"}, "margin_kind", "Choose Cross 3x or Cross 5x."),
    ],
)
def test_it_validates_each_setting(changes, field, message):
    with pytest.raises(ValidationError) as error:
        valid(**changes)

    assert error.value.message_dict[field] == [message]


@pytest.mark.parametrize(
    "changes",
    [
        {"auto_topup_target": Decimal("1.2")},
        {"margin_kind": "cross5x", "auto_topup_target": Decimal("1.1")},
        {"margin_call_alert_level": Decimal("1.29")},
        {"margin_kind": "cross10x"},
    ],
)
def test_the_database_refuses_invalid_settings_too(sandbox_account, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        SandboxSettings.objects.filter(account=sandbox_account).update(**changes)
