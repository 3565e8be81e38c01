"""``python manage.py sandbox_sweep [--shard I/N]``: run the risk engine for every learner.

Correctness never depends on this command - every page and action catches its account
up first (SPEC §6.4). The sweep exists so that what happens while a learner is away
(limit-order fills, hourly interest, margin calls, auto top-ups, liquidations, the end
of a cooling-off period) is recorded, and notified, on time.

Sharding: ``--shard I/N`` (1-based: ``1/4`` … ``4/4``) takes the accounts whose id
modulo N equals I − 1, so N workers (cron entries, timers, queue jobs) together cover
every account exactly once. Each account is caught up in its own transaction, under its
own row lock: a sweep never blocks the whole site, and a shard running twice at once is
harmless (the second simply finds the accounts already up to date).
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.db.models.functions import Mod

from sandbox.models import Account, Liquidation
from sandbox.services import account_refresh

SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
BAD_SHARD = "--shard takes I/N with 1 ≤ I ≤ N, for example 2/4 (got {value!r})."


def parse_shard(value: str) -> tuple[int, int]:
    """``"2/4"`` → (2, 4); anything else is a CommandError that says what is expected."""
    match = SHARD.match(value or "")
    if not match:
        raise CommandError(BAD_SHARD.format(value=value))
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise CommandError(BAD_SHARD.format(value=value))
    return index, count


class Command(BaseCommand):
    help = (
        "Bring every learner's sandbox account up to its clock: limit-order fills, "
        "interest, margin calls, auto top-ups, liquidations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--shard",
            default="1/1",
            help="I/N, 1-based: sweep the accounts with id %% N == I - 1 (default 1/1: all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        index, count = parse_shard(options["shard"])
        ids = (
            Account.objects.filter(user__isnull=False)
            .annotate(shard=Mod(F("id"), count))
            .filter(shard=index - 1)
            .order_by("id")
            .values_list("id", flat=True)
        )
        started = time.perf_counter()
        first_liquidation = Liquidation.objects.order_by("-id").values_list("id", flat=True).first()
        swept = fills = 0
        failures: list[str] = []
        for account_id in ids.iterator(chunk_size=500):
            try:
                _, made = account_refresh(account=Account(pk=account_id))
            except Exception as error:  # one broken account must not stop the sweep
                failures.append(f"account #{account_id}: {type(error).__name__}: {error}")
                continue
            swept += 1
            fills += len(made)
        elapsed = time.perf_counter() - started
        liquidations = Liquidation.objects.filter(id__gt=first_liquidation or 0).count()
        self.stdout.write(
            f"Swept {swept} account(s) in shard {index}/{count}: {fills} limit order(s) "
            f"filled, {len(failures)} failure(s), {liquidations} liquidation(s), "
            f"{elapsed:.2f} s."
        )
        if failures:
            for failure in failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(failures)} account(s) could not be swept.")
