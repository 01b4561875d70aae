"""The arithmetic of commissions (A3, A4): pure functions, no database.

A commission is ``percent`` of the earn basis (L1) of the order's affiliate-product
lines: the product the visit referred, and every product of ``affiliate_collection``
(every product when that setting is empty). What the plugin's gift cards paid is
taken off in proportion, as for points; the amount rounds down to the currency's
smallest unit, and what a refund takes back rounds up, so what stands never exceeds
what the rest of the order would have earned on its own.
"""

from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ... import money
from ..loyalty.earning import (
    ONE,
    ZERO,
    OrderLine,
    OrderSnapshot,
    money_only_share,
    refunded_lines_total,
)

HUNDRED = Decimal(100)
BASIS_QUANTUM = Decimal("0.001")


def is_affiliate_product(line: OrderLine, referred_product_id: str, collection: str) -> bool:
    """A3: the referred product, or a product of the affiliate collection (empty = all)."""
    if not line.earns:
        return False
    if line.product_id and line.product_id == referred_product_id:
        return True
    return not collection or collection in line.collections


def affiliate_lines(
    order: OrderSnapshot, referred_product_id: str, collection: str
) -> tuple[OrderLine, ...]:
    return tuple(
        line for line in order.lines if is_affiliate_product(line, referred_product_id, collection)
    )


def lines_basis(order: OrderSnapshot, lines) -> Decimal:
    """The earn basis (L1) of ``lines``: their net, less their share of what the
    plugin's gift cards paid of the order's earning products."""
    net = sum((line.net_total for line in lines), ZERO)
    if net <= 0:
        return ZERO
    gross = sum((line.gross_total for line in order.lines if line.earns), ZERO)
    if order.paid_with_rewards > 0 and gross > 0:
        net = net * (ONE - min(ONE, order.paid_with_rewards / gross))
    return net.quantize(BASIS_QUANTUM, rounding=ROUND_FLOOR)


def commission_for(basis: Decimal, percent: Decimal, currency: str) -> Decimal:
    """``percent`` of ``basis``, rounded down to the currency's unit (1 % of 30.00 = 0.30)."""
    if basis <= 0 or percent <= 0:
        return ZERO
    return money.quantize(basis * percent / HUNDRED, currency, rounding=ROUND_FLOOR)


def refunded_basis(order: OrderSnapshot, basis: Decimal, line_ids) -> Decimal:
    """The part of ``basis`` (earned on the lines ``line_ids``) that refunds took back.

    A full refund takes all of it; a refund naming lines takes those of the
    commission's lines it names (other lines take nothing back); money refunded
    without lines takes its share of the rest (L3).
    """
    if basis <= 0:
        return ZERO
    if order.fully_refunded:
        return basis
    ids = set(line_ids)
    lines = tuple(line for line in order.lines if line.line_id in ids)
    net = sum((line.net_total for line in lines), ZERO)
    by_lines = ZERO
    if net > 0:
        refunded_net = refunded_lines_total(order, lambda line: line.net_total, lines)
        by_lines = min(basis, basis * refunded_net / net)
    by_money = (basis - by_lines) * money_only_share(order)
    return min(basis, by_lines + by_money).quantize(BASIS_QUANTUM, rounding=ROUND_FLOOR)


def standing_amount(amount: Decimal, basis: Decimal, refunded: Decimal, currency: str) -> Decimal:
    """What stays of ``amount`` earned on ``basis`` once ``refunded`` is taken back."""
    if amount <= 0 or basis <= 0 or refunded >= basis:
        return ZERO
    taken = money.quantize(amount * refunded / basis, currency, rounding=ROUND_CEILING)
    return max(ZERO, amount - taken)


def within_window(visited_at: datetime, at: datetime, window_days: int) -> bool:
    """A2: a visit attributes what is paid within ``affiliate_window_days`` of it."""
    return visited_at <= at <= visited_at + timedelta(days=window_days)
