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
    # Slugs of the product's collections: which lines are affiliate products (A3).
    collections: frozenset[str] = frozenset()

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
    # What the order costs in money, shipping and taxes included: what the plugin's
    # gift cards paid (``paid_with_rewards``) is not part of it.
    total_gross: Decimal
    fully_paid: bool = False  # charged in full (or more) right now
    fulfilled: bool = False  # shipped in full (fulfilled)
    fulfilled_at: datetime | None = None  # when the shop recorded that (last) shipment
    delivery_confirmed_at: datetime | None = None  # the customer confirmed delivery (L2)
    cancelled: bool = False  # cancelled or expired
    # Was charged, is now charged below its total with no refund to explain it: a
    # charge-back or a lowered charge (L3). Only an order once paid makes it matter.
    payment_failed: bool = False
    refunded_amount: Decimal = ZERO  # money refunded to the buyer so far, any route
    # Refunds that named lines: line id -> quantity, the money they refunded, and the
    # part of that money which paid back shipping.
    refunded_quantities: Mapping[str, int] = field(default_factory=dict)
    refunded_with_lines: Decimal = ZERO
    refunded_shipping: Decimal = ZERO
    paid_with_rewards: Decimal = ZERO  # gross, through the plugin's gift cards (S1)
    # Refunded onto the plugin's gift cards without naming lines: the part paid with
    # points, given back (S4); it earned nothing, so it takes nothing back (L3).
    refunded_to_rewards: Decimal = ZERO
    customer_email: str = ""
    number: str = ""  # the shop's order number, for people to read
    customer_verified: bool = True  # the customer's e-mail is verified (T1)
    # The signed affiliate attribution the checkout carried into the order (A2);
    # empty when no affiliate link led to it.
    affiliate_attribution: str = ""

    @property
    def label(self) -> str:
        return f"#{self.number}" if self.number else self.order_id

    @property
    def fully_refunded(self) -> bool:
        """All the money paid came back: the whole order is refunded (L3, S4)."""
        return self.total_gross > 0 and self.refunded_amount >= self.total_gross


def earn_basis(order: OrderSnapshot) -> Decimal:
    """Product lines after discounts, net of tax, less the share paid with rewards (L1).

    Shipping is not a line; gift-card and free-gift lines are left out. What was paid
    with the plugin's gift cards is taken off the products' gross in proportion, so
    the basis stays net of tax.
    """
    net = sum((line.net_total for line in order.lines if line.earns), ZERO)
    if net <= 0:
        return ZERO
    net = net * (ONE - rewards_share(order))
    return net.quantize(Decimal("0.001"), rounding=ROUND_FLOOR)


def rewards_share(order: OrderSnapshot) -> Decimal:
    """The share (0..1) of the earning lines' gross paid with the plugin's gift cards
    (S1): what the earn basis (L1) and a claim's price paid (C2) leave out."""
    gross = sum((line.gross_total for line in order.lines if line.earns), ZERO)
    if order.paid_with_rewards <= 0 or gross <= 0:
        return ZERO
    return min(ONE, order.paid_with_rewards / gross)


def points_for(
    basis: Decimal, percent: Decimal, points_per_unit: int, multiplier: Decimal = ONE
) -> int:
    """``percent`` of ``basis`` in points, rounded down (L1: 2.5 % of 100.00 = 250)."""
    if basis <= 0 or percent <= 0:
        return 0
    earned = basis * percent / HUNDRED * multiplier
    return points_for_money(earned, points_per_unit, rounding=ROUND_FLOOR)


def refunded_lines_total(order: OrderSnapshot, amount, lines=None) -> Decimal:
    """``amount(line)`` summed over the refunded units of ``lines`` (all the order's
    lines by default), in proportion to the units refunded."""
    by_id = {line.line_id: line for line in (order.lines if lines is None else lines)}
    total = ZERO
    for line_id, quantity in order.refunded_quantities.items():
        line = by_id.get(line_id)
        if line is None or line.quantity <= 0 or quantity <= 0:
            continue
        total += amount(line) * min(quantity, line.quantity) / line.quantity
    return total


def money_only_share(order: OrderSnapshot) -> Decimal:
    """The share (0..1) of the order that money refunded without naming lines took
    back: of what refunds naming lines left of the money paid (L3, S4). All the money
    paid back is the whole order."""
    unexplained = order.refunded_amount - order.refunded_with_lines
    if unexplained <= 0:
        return ZERO
    left = order.total_gross - order.refunded_with_lines
    if left <= 0:
        return ONE
    return min(ONE, unexplained / left)


def refunded_basis(order: OrderSnapshot, basis: Decimal) -> Decimal:
    """The part of ``basis`` that refunds took back so far (L3).

    A full refund takes all of it. Refunds that named lines take those lines'
    share; money refunded without lines takes its share of the rest of the order.
    """
    if basis <= 0:
        return ZERO
    if order.fully_refunded:
        return basis
    earning = tuple(line for line in order.lines if line.earns)
    full_net = sum((line.net_total for line in earning), ZERO)
    by_lines = ZERO
    if full_net > 0:
        net = refunded_lines_total(order, lambda line: line.net_total, earning)
        by_lines = min(basis, basis * net / full_net)
    by_money = (basis - by_lines) * money_only_share(order)
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
