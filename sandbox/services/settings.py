"""Settings services: every sandbox setting of SPEC §6.1, and the cooling-off period.

Each changed value is recorded as a ``SettingsChange`` row (the history page shows them);
an unchanged value writes nothing. A refused change raises ``InvalidSettings`` whose
``field`` names the settings form field the message belongs to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from calculators.formulas import MARGIN_KINDS
from config.formatting import format_ratio
from notifications.models import Kind as NotificationKind
from notifications.services import notification_send, recipient_language
from sandbox.errors import InvalidSettings
from sandbox.models import (
    DEBT_WALLETS,
    MAX_TOPUP_ASSETS,
    SPOT_ASSETS,
    Account,
    SandboxSettings,
    SettingsChange,
)
from sandbox.services.base import Operation, locked_operation
from sandbox.services.margin import format_time, margin_gate

# The cooling-off periods a learner can choose (SPEC §6.6), in days, with their words.
COOLING_OFF_DAYS: dict[int, Any] = {
    1: gettext_lazy("1 day"),
    3: gettext_lazy("3 days"),
    7: gettext_lazy("1 week"),
}
# Levels are stored with 4 places, below 10,000 (the column's size).
LEVEL_PLACES = Decimal("0.0001")
MAX_LEVEL = Decimal(1000)

BOOLEAN_SETTINGS = (
    "use_bnb_for_fees",
    "use_bnb_for_interest",
    "auto_topup_enabled",
)
SETTINGS = (
    *BOOLEAN_SETTINGS,
    "auto_topup_assets",
    "auto_topup_target",
    "margin_call_alert_level",
    "margin_kind",
)
# Settings a learner without margin activation may change (the Spot ones).
SPOT_SETTINGS = frozenset({"use_bnb_for_fees"})

BOOLEAN_MESSAGES = {
    "use_bnb_for_fees": gettext_noop("Choose whether to pay fees in BNB."),
    "use_bnb_for_interest": gettext_noop("Choose whether to pay interest in BNB."),
    "auto_topup_enabled": gettext_noop("Choose whether auto top-up is on."),
}
KIND_WITH_DEBT = gettext_noop(
    "You can switch between Cross 3x and Cross 5x only without debt: repay every loan "
    "and its interest first."
)
TARGET_TOO_LOW = gettext_noop(
    "The top-up target must be above the margin-call level of {kind} ({level})."
)
ALERT_TOO_LOW = gettext_noop(
    "The alert level cannot be below the margin-call level of {kind} ({level})."
)
LEVEL_NOT_A_NUMBER = gettext_noop("Enter a level such as 1.5.")
LEVEL_OUT_OF_RANGE = gettext_noop(
    "Enter a level below {maximum} with at most 4 digits after the decimal point."
)
TOPUP_ASSETS_LIST = gettext_noop("Choose up to {count} spot assets.")
TOPUP_ASSETS_TOO_MANY = gettext_noop("Choose at most {count} assets for auto top-up.")
TOPUP_ASSETS_TWICE = gettext_noop("Each asset can be chosen once.")
TOPUP_ASSETS_UNKNOWN = gettext_noop("Auto top-up can use only these spot assets: {assets}.")
TOPUP_WITHOUT_ASSETS = gettext_noop("Choose at least one spot asset for auto top-up to use.")
COOLING_OFF_CHOICE = gettext_noop("Choose a cooling-off period of {choices}.")
COOLING_OFF_NOT_SHORTER = gettext_noop(
    "Your cooling-off period already runs until {until}. It cannot be cancelled or "
    "shortened; choose a period that ends later to extend it."
)


def _kind_label(name: str) -> str:
    return _(MARGIN_KINDS[name].label)


def _check_level(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidSettings(_(LEVEL_NOT_A_NUMBER), field=field)
    value = Decimal(value)
    if (
        not value.is_finite()
        or value <= 0
        or value >= MAX_LEVEL
        or value != value.quantize(LEVEL_PLACES)
    ):
        raise InvalidSettings(
            _(LEVEL_OUT_OF_RANGE).format(maximum=format_ratio(MAX_LEVEL)), field=field
        )
    return value


def _check_assets(value: Any) -> list[str]:
    field = "auto_topup_assets"
    if not isinstance(value, list | tuple) or not all(isinstance(a, str) for a in value):
        raise InvalidSettings(_(TOPUP_ASSETS_LIST).format(count=MAX_TOPUP_ASSETS), field=field)
    if len(value) > MAX_TOPUP_ASSETS:
        raise InvalidSettings(_(TOPUP_ASSETS_TOO_MANY).format(count=MAX_TOPUP_ASSETS), field=field)
    if len(set(value)) != len(value):
        raise InvalidSettings(_(TOPUP_ASSETS_TWICE), field=field)
    if any(asset not in SPOT_ASSETS for asset in value):
        raise InvalidSettings(
            _(TOPUP_ASSETS_UNKNOWN).format(assets=", ".join(SPOT_ASSETS)), field=field
        )
    return list(value)


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    """Each change on its own (type, range); rules that depend on the account come later."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name in BOOLEAN_SETTINGS:
            if not isinstance(value, bool):
                raise InvalidSettings(_(BOOLEAN_MESSAGES[name]), field=name)
        elif name == "auto_topup_assets":
            value = _check_assets(value)
        elif name == "auto_topup_target":
            value = _check_level(value, name)
        elif name == "margin_call_alert_level":
            value = None if value is None else _check_level(value, name)
        elif name == "margin_kind" and value not in MARGIN_KINDS:
            raise InvalidSettings(
                _("Choose {kinds}.").format(
                    kinds=_(" or ").join(_kind_label(k) for k in MARGIN_KINDS)
                ),
                field=name,
            )
        checked[name] = value
    return checked


def _check_together(settings: SandboxSettings) -> None:
    """The rules between settings (SPEC §6.1), on the settings as they would be."""
    kind = MARGIN_KINDS[settings.margin_kind]
    if settings.auto_topup_target <= kind.margin_call:
        raise InvalidSettings(
            _(TARGET_TOO_LOW).format(
                kind=_kind_label(kind.name), level=format_ratio(kind.margin_call)
            ),
            field="auto_topup_target",
        )
    alert = settings.margin_call_alert_level
    if alert is not None and alert < kind.margin_call:
        raise InvalidSettings(
            _(ALERT_TOO_LOW).format(
                kind=_kind_label(kind.name), level=format_ratio(kind.margin_call)
            ),
            field="margin_call_alert_level",
        )
    if settings.auto_topup_enabled and not settings.auto_topup_assets:
        raise InvalidSettings(_(TOPUP_WITHOUT_ASSETS), field="auto_topup_assets")


def setting_text(name: str, value: Any) -> str:
    """A setting's value as the history shows it (stored as text, as the learner saw it)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _record(op: Operation, name: str, old: Any, new: Any) -> None:
    SettingsChange.objects.create(
        account=op.account,
        season=op.account.season,
        setting=name,
        old_value=setting_text(name, old)[:255],
        new_value=setting_text(name, new)[:255],
        minute=op.clock.minute,
        sandbox_time=op.clock.time,
    )


def _has_debt(account: Account) -> bool:
    return account.balances.filter(
        season=account.season, wallet__in=DEBT_WALLETS, amount__gt=0
    ).exists()


@transaction.atomic
def settings_update(
    *,
    account: Account,
    idempotency_key: str,
    now: datetime | None = None,
    **changes: Any,
) -> SandboxSettings:
    """Change any of the settings of SPEC §6.1: ``use_bnb_for_fees``,
    ``use_bnb_for_interest``, ``auto_topup_enabled``, ``auto_topup_assets`` (up to 3
    distinct spot assets, in priority order), ``auto_topup_target``,
    ``margin_call_alert_level`` (None = the margin kind's margin-call level) and
    ``margin_kind`` (``"cross3x"``/``"cross5x"``).

    Rules: the top-up target must be above the margin kind's margin-call level and the
    alert level at or above it (checked against the kind the account will have); the
    margin kind can only be switched without debt; auto top-up needs at least one asset
    when it is on. Margin settings need margin activation ("use BNB for fees" does not).
    Each changed value writes a ``SettingsChange`` row; the settings act from the next
    minute on (fills, interest, the margin watch).
    """
    changes = _checked(changes)
    if set(changes) - SPOT_SETTINGS:
        margin_gate(account)
    with locked_operation(account, operation="settings_update", key=idempotency_key, now=now) as op:
        settings = op.session.settings
        if op.replayed:
            return settings
        before = {name: getattr(settings, name) for name in changes}
        changed = {name: value for name, value in changes.items() if before[name] != value}
        if "margin_kind" in changed and _has_debt(op.account):
            raise InvalidSettings(_(KIND_WITH_DEBT), field="margin_kind")
        for name, value in changed.items():
            setattr(settings, name, value)
        _check_together(settings)
        if changed:
            settings.full_clean()
            settings.save()
            for name, value in changed.items():
                _record(op, name, before[name], value)
    return settings


@transaction.atomic
def cooling_off_start(
    *,
    account: Account,
    days: int,
    idempotency_key: str,
    now: datetime | None = None,
) -> SandboxSettings:
    """Start a cooling-off period of 1, 3 or 7 days of sandbox time (SPEC §6.6).

    Rules: it cannot be cancelled or shortened. Starting one while one runs only extends
    it, when the new end is later; otherwise it is refused and says when the current one
    ends. While it runs: no borrowing (manual or auto), no new margin positions, no
    transfer into Cross Margin (``services.margin``). The start is notified (in the app and
    by e-mail) and recorded in the settings history; the engine notifies its end.
    """
    if type(days) is not int or days not in COOLING_OFF_DAYS:
        choices = [str(label) for label in COOLING_OFF_DAYS.values()]
        raise InvalidSettings(
            _(COOLING_OFF_CHOICE).format(
                choices=_("{first} or {last}").format(
                    first=", ".join(choices[:-1]), last=choices[-1]
                )
            ),
            field="cooling_off_days",
        )
    margin_gate(account)
    with locked_operation(
        account, operation="cooling_off_start", key=idempotency_key, now=now
    ) as op:
        settings = op.session.settings
        if op.replayed:
            return settings
        until = op.clock.time + timedelta(days=days)
        current = settings.cooling_off_until
        if current is not None and current > op.clock.time and until <= current:
            raise InvalidSettings(
                _(COOLING_OFF_NOT_SHORTER).format(until=format_time(current)),
                field="cooling_off_days",
            )
        settings.cooling_off_until = until
        settings.save(update_fields=["cooling_off_until", "updated_at"])
        _record(op, "cooling_off_until", current, until)
        with recipient_language(op.account.user):
            notification_send(
                user=op.account.user,
                kind=NotificationKind.COOLING_OFF_STARTED,
                title=_("Cooling-off period started"),
                body=_(
                    "Until {until} you cannot borrow, open new margin positions or transfer into "
                    "Cross Margin. You can still repay, close positions and transfer out. It "
                    "cannot be cancelled or shortened."
                ).format(until=format_time(until)),
                link="/sandbox/settings/",
                key=f"cooling_off_started:{op.account.pk}:{until.isoformat()}",
                sandbox_time=op.clock.time,
            )
    return settings
