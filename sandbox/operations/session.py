"""What one locked operation on an account needs, each loaded at most once."""

from __future__ import annotations

from functools import cached_property

from sandbox.ledger import system_accounts
from sandbox.market import Market, load_market
from sandbox.models import Account, SandboxSettings


class Session:
    """The locked account of one operation and what acting on it needs.

    A service creates one after taking the lock; the engine and the operations it calls
    share it, so the scenario events, the system accounts and the settings are each
    read once per operation, however many fills it makes.
    """

    def __init__(
        self,
        account: Account,
        *,
        market: Market | None = None,
        systems: dict[str, Account] | None = None,
    ) -> None:
        self.account = account
        # (season, symbol) → the average entry the latest fill left, once known: the
        # engine fills several orders in one operation without asking the database again.
        self.average_entries: dict[tuple[int, str], object] = {}
        # Pre-loaded values fill the cached properties below (the sweep shares one market
        # and one set of system accounts between accounts; tests pass a market of their own).
        if market is not None:
            self.__dict__["market"] = market
        if systems is not None:
            self.__dict__["systems"] = systems

    @cached_property
    def market(self) -> Market:
        return load_market()

    @cached_property
    def systems(self) -> dict[str, Account]:
        return system_accounts()

    @cached_property
    def settings(self) -> SandboxSettings:
        settings, _ = SandboxSettings.objects.get_or_create(account=self.account)
        return settings
