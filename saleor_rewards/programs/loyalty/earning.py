"""The arithmetic of earning on orders (L1, L3, R6): pure functions, no database.

An order reaches the programs as an ``OrderSnapshot``: what the shop platform says
about it *now*. Everything the programs award or take back is computed from a
snapshot, never from the event that delivered it, so a repeated or reordered event
computes the same thing again (U6).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from ...money import points_for_money

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    quantity: int
    net_total: Decimal  # after every discount, net of tax
    gross_total: Decimal
    is_gift_card: bool = False
    is_free_gift: bool = False
    product_id: str = ""

    @property
    def earns(self) -> bool:
        """Gift cards and free gifts earn nothing (L1)."""
        return not (self.is_gift_card or self.is_free_gift)


@dataclass(frozen=True)
class OrderSnapshot:
    order_id: str
    channel_slug: str
    currency: str
    customer_id: int | None
    lines: tuple[OrderLine, ...]
    total_gross: Decimal  # what the order costs, shipping and taxes included
    fully_paid: bool = False  # charged in full (or more) right now
    fulfilled: bool = False  # shipped in full (fulfilled)
    fulfilled_at: datetime | None = None  # when the shop recorded that (last) shipment
    delivery_confirmed_at: datetime | None = None  # the customer confirmed delivery (L2)
    cancelled: bool = False  # cancelled, expired, or its payment failed
    refunded_amount: Decimal = ZERO  # money refunded so far, any route
    # Refunds that named lines: line id -> quantity, and the money they refunded.
    refunded_quantities: Mapping[str, int] = field(default_factory=dict)
    refunded_with_lines: Decimal = ZERO
    paid_with_rewards: Decimal = ZERO  # gross, through the plugin's gift cards (S1)
    customer_email: str = ""
    number: str = ""  # the shop's order number, for people to read

    customer_verified: bool = True  # the customer's e-mail is verified (T1)

    @property
    def label(self) -> str:
        return f"#{self.number}" if self.number else self.order_id

    @property
    def fully_refunded(self) -> bool:
        return self.total_gross > 0 and self.refunded_amount >= self.total_gross


def earn_basis(order: OrderSnapshot) -> Decimal:
    """Product lines after discounts, net of tax, less the share paid with rewards (L1).

    Shipping is not a line; gift-card and free-gift lines are left out. What was paid
    with the plugin's gift cards is taken off the products' gross in proportion, so
    the basis stays net of tax.
    """
    net = sum((line.net_total for line in order.lines if line.earns), ZERO)
    gross = sum((line.gross_total for line in order.lines if line.earns), ZERO)
    if net <= 0:
        return ZERO
    if order.paid_with_rewards > 0 and gross > 0:
        rewards_share = min(ONE, order.paid_with_rewards / gross)
        net = net * (ONE - rewards_share)
    return net.quantize(Decimal("0.001"), rounding=ROUND_FLOOR)


def points_for(basis: Decimal, percent: Decimal, points_per_unit: int,
               multiplier: Decimal = ONE) -> int:  # fmt: skip
    """``percent`` of ``basis`` in points, rounded down (L1: 2.5 % of 100.00 = 250)."""
    if basis <= 0 or percent <= 0:
        return 0
    earned = basis * percent / HUNDRED * multiplier
    return points_for_money(earned, points_per_unit, rounding=ROUND_FLOOR)


def refunded_basis(order: OrderSnapshot, basis: Decimal) -> Decimal:
    """The part of ``basis`` that refunds took back so far (L3, S4).

    A full refund takes all of it. Refunds that named lines take those lines'
    share; money refunded without lines takes its share of the order's total.
    """
    if basis <= 0:
        return ZERO
    if order.fully_refunded:
        return basis
    lines = {line.line_id: line for line in order.lines if line.earns}
    full_net = sum((line.net_total for line in lines.values()), ZERO)
    by_lines = ZERO
    for line_id, quantity in order.refunded_quantities.items():
        line = lines.get(line_id)
        if line is None or line.quantity <= 0 or quantity <= 0:
            continue
        by_lines += line.net_total * min(quantity, line.quantity) / line.quantity
    if full_net > 0:
        by_lines = basis * by_lines / full_net
    unexplained = max(ZERO, order.refunded_amount - order.refunded_with_lines)
    by_money = basis * unexplained / order.total_gross if order.total_gross > 0 else ZERO
    return min(basis, by_lines + by_money).quantize(Decimal("0.001"), rounding=ROUND_FLOOR)


def standing_points(points: int, basis: Decimal, refunded: Decimal) -> int:
    """What stays of ``points`` earned on ``basis`` once ``refunded`` is taken back.

    The refunded share is rounded up, so what stays never exceeds what the rest of
    the order would have earned on its own.
    """
    if points <= 0 or basis <= 0:
        return 0
    if refunded >= basis:
        return 0
    kept = Decimal(points) * (basis - refunded) / basis
    return int(kept.to_integral_value(rounding=ROUND_FLOOR))
