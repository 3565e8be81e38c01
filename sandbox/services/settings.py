"""The settings service: the sandbox settings this release acts on."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from sandbox.errors import InvalidSettings
from sandbox.models import Account, SandboxSettings
from sandbox.services.base import locked_operation


@transaction.atomic
def settings_update(
    *,
    account: Account,
    use_bnb_for_fees: bool,
    idempotency_key: str,
    now: datetime | None = None,
) -> SandboxSettings:
    """Change the settings this release acts on: "use BNB for fees".

    Rule: the choice applies to fills from now on, including resting limit orders.
    """
    if not isinstance(use_bnb_for_fees, bool):
        raise InvalidSettings(_("Choose whether to pay fees in BNB."))
    with locked_operation(account, operation="settings_update", key=idempotency_key, now=now) as op:
        settings = op.session.settings
        if op.replayed:
            return settings
        settings.use_bnb_for_fees = use_bnb_for_fees
        settings.full_clean()
        settings.save()
    return settings
