"""The arithmetic of paying with points (S1, S4): pure functions, no database.

Rounding rules (README "Paying with points"):
- The customer asks for whole points or an amount of cash; the gift card carries
  exactly that value in the channel's currency. Points that do not convert to a
  whole number of the currency's smallest unit (1 point at 100 per unit is 0.01 USD,
  but 1 point at 1,000 per unit would be 0.001 USD) are refused, never rounded: the
  card and the ledger then always say the same thing.
- The cap (``max_redeem_percent`` of the product subtotal) rounds down to the
  currency's precision; a redemption lowered to a smaller cap keeps the most whole
  points that still convert exactly and fit under it.
- When an order uses only part of a card, the points it used are rounded up to a
  whole point (never more than were held); the rest is released.
- Refunds give back the refunded share of what was captured, rounded down.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from ...ledger.constants import Kind
from ...ledger.errors import InvalidInput
from ...money import (
    MAX_AMOUNT,
    currency_precision,
    fits,
    money_for_points,
    points_for_money,
    points_step,
    quantize,
    quantum,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def cash_amount(value, currency: str) -> Decimal:
    """A cash amount to apply, in the currency's precision (no rounding)."""
    if isinstance(value, bool | float) or not isinstance(value, int | Decimal | str):
        raise InvalidInput("cashAmount must be a decimal number.", field="cashAmount")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"cashAmount is not a number: {value!r}.", field="cashAmount") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("cashAmount must be greater than zero.", field="cashAmount")
    if amount >= MAX_AMOUNT:
        raise InvalidInput("cashAmount is too large.", field="cashAmount")
    if not fits(amount, currency):
        raise InvalidInput(
            f"cashAmount has more decimals than {currency} allows "
            f"({currency_precision(currency)}).",
            field="cashAmount",
        )
    return amount


def redeem_cap(product_subtotal: Decimal, percent: Decimal, currency: str) -> Decimal:
    """Most of a checkout payable with rewards (S1), rounded down to the currency."""
    if product_subtotal <= 0 or percent <= 0:
        return ZERO
    cap = product_subtotal * percent / HUNDRED
    return quantize(cap, currency, rounding=ROUND_FLOOR)


def largest_within(
    cap: Decimal, kind: str, points_per_unit: int, currency: str
) -> tuple[Decimal, Decimal]:
    """The most ledger units of ``kind`` whose exact value is at most ``cap`` (S1),
    and that value: (0, 0) when nothing fits."""
    if cap <= 0:
        return ZERO, ZERO
    if kind == Kind.CASH:
        return cap, cap
    step = points_step(points_per_unit, currency)
    points = points_for_money(cap, points_per_unit, rounding=ROUND_FLOOR) // step * step
    if points <= 0:
        return ZERO, ZERO
    return Decimal(points), money_for_points(points, points_per_unit, currency)


def units_used(
    used: Decimal, amount: Decimal, units: Decimal, kind: str, points_per_unit: int
) -> Decimal:
    """The ledger units an order used of a card worth ``amount`` held as ``units``.

    All of it when the order used the whole card; else points rounded up to whole
    points (cash is already exact), never more than was held.
    """
    if used <= 0:
        return ZERO
    if used >= amount:
        return units
    if kind == Kind.CASH:
        return min(units, used)
    return min(units, Decimal(points_for_money(used, points_per_unit, rounding=ROUND_CEILING)))


def units_to_return(captured: Decimal, share: Decimal, kind: str, currency: str) -> Decimal:
    """What of ``captured`` a refund of ``share`` (0..1) of the products gives back (S4)."""
    if captured <= 0 or share <= 0:
        return ZERO
    if share >= 1:
        return captured
    value = captured * share
    unit = Decimal(1) if kind == Kind.POINTS else quantum(currency)
    return min(captured, value.quantize(unit, rounding=ROUND_FLOOR))
