"""Write helpers that services and the engine share.

Every function here assumes the caller holds the account's row lock (a service inside
``services.base.locked_operation``, or the engine running under one) and has already run
the engine up to the clock minute. They post to the ledger; they do not lock, check
idempotency keys or catch up. One module per kind of movement:

- ``session``: what one locked operation loads at most once (market, system accounts,
  settings);
- ``trades``: sizing, fees and fills of orders, reservations and their release;
- ``funding``: money in and out of an account (season deposit, rewards, season close).

Loans, transfers and liquidation (Cross Margin) come next, each as its own module.
"""
