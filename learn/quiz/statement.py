"""The risk statement a learner accepts, after passing, to activate margin.

Text and version live together: the activation records which version was accepted,
so changing a word here means bumping the version.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RISK_STATEMENT_VERSION = "2026-12-01"

RISK_STATEMENT = (
    _(
        "Liquidation means that once your margin level falls to the liquidation level, "
        "your account is locked and your collateral is sold at the index price to repay "
        "what you borrowed, with a liquidation fee taken from what is sold. You do not "
        "choose the moment or the price."
    ),
    _(
        "With borrowed money a loss can be larger than everything you put in: you still "
        "owe the loan and its interest after your own money is gone."
    ),
    _(
        "Margin Lab uses play money, but its rules (margin levels, hourly interest, margin "
        "calls, liquidation and its fee) are modelled on a real exchange, so the losses "
        "you see here are the losses real money would take."
    ),
)
