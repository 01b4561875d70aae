"""The arithmetic of guarantee claims (C1, C2): pure functions, no database.

What the buyer paid for a line is its price after every discount, gross (what left
their pocket), less the share of the order paid with rewards (the same share the
earning basis leaves out, L1: ``loyalty.earning.rewards_share``) and less the units
refunded already. The ceilings (C2):

- COUNTERFEIT = refund 1x + compensation 4x + the buyer's delivery costs;
- NOT_DIRECT_SUPPLY = refund 1x + other costs + compensation 1x + logistics costs.

An approval is split: the refund part (at most what was paid) goes back through the
shop's refund; the rest is compensation in the buyer's cash balance.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from ...money import quantize
from ..loyalty.earning import OrderSnapshot, rewards_share
from .models import ClaimType

ZERO = Decimal(0)
ONE = Decimal(1)

# Compensation multiples of the price paid, on top of the 1x refund (C2).
COMPENSATION_MULTIPLE = {ClaimType.COUNTERFEIT: 4, ClaimType.NOT_DIRECT_SUPPLY: 1}


@dataclass(frozen=True)
class Costs:
    """The buyer's own costs, in the order's currency (C1)."""

    delivery: Decimal = ZERO
    logistics: Decimal = ZERO
    other: Decimal = ZERO

    def counted_for(self, claim_type: str) -> Decimal:
        if claim_type == ClaimType.COUNTERFEIT:
            return self.delivery
        return self.other + self.logistics


def paid_for_line(order: OrderSnapshot, line_id: str) -> Decimal:
    """What the buyer paid in money for the units of ``line_id`` not refunded yet."""
    line = next((line for line in order.lines if line.line_id == line_id), None)
    if line is None or line.quantity <= 0 or not line.earns:
        return ZERO
    refunded = min(order.refunded_quantities.get(line_id, 0), line.quantity)
    kept = Decimal(line.quantity - refunded) / Decimal(line.quantity)
    paid = line.gross_total * (ONE - rewards_share(order)) * kept
    return quantize(max(paid, ZERO), order.currency, rounding=ROUND_FLOOR)


def paid_for_lines(order: OrderSnapshot, line_ids: Iterable[str]) -> Decimal:
    return sum((paid_for_line(order, line_id) for line_id in line_ids), ZERO)


def ceiling(claim_type: str, paid: Decimal, costs: Costs) -> Decimal:
    """The most a claim may grant (C2)."""
    multiple = COMPENSATION_MULTIPLE[claim_type]
    return paid * (1 + multiple) + costs.counted_for(claim_type)


def split(granted: Decimal, paid: Decimal) -> tuple[Decimal, Decimal]:
    """(refund through the shop, compensation in cash) of a granted amount: the
    refund first, up to what was paid; the rest is compensation."""
    refund = min(granted, paid)
    return refund, granted - refund


def within_window(completed_at: datetime | None, now: datetime, days: int) -> bool:
    """Whether a claim filed ``now`` is within ``days`` of the order's completion."""
    return completed_at is not None and now - completed_at <= timedelta(days=days)
