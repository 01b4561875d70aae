"""The arithmetic of paying with points (S1, S4): pure functions, no database.

Rounding rules (README "Paying with points"):
- The customer asks for whole points or an amount of cash; the gift card carries
  exactly that value in the channel's currency. Points that do not convert to a
  whole number of the currency's smallest unit (1 point at 100 per unit is 0.01 USD,
  but 1 point at 1,000 per unit would be 0.001 USD) are refused, never rounded: the
  card and the ledger then always say the same thing.
- The cap (``max_redeem_percent`` of the product subtotal) rounds down to the
  currency's precision.
- When an order uses only part of a card, the points it used are rounded up to a
  whole point (never more than were held); the rest is released.
- Refunds give back the refunded share of what was captured, rounded down.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from ...ledger.constants import Kind
from ...ledger.errors import InvalidInput

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# ISO 4217 minor units that are not 2 (the ones Saleor's currencies use).
_PRECISION = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


def currency_precision(currency: str) -> int:
    """Decimal places of the currency's smallest unit (2 unless ISO 4217 says else)."""
    return _PRECISION.get(currency.upper(), 2)


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_precision(currency))


def money_for_points(points, points_per_unit: int, currency: str) -> Decimal:
    """The exact value of ``points`` (U2); refuses points that do not convert exactly."""
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise InvalidInput("points must be a whole number greater than zero.", field="points")
    value = Decimal(points) / Decimal(points_per_unit)
    exact = value.quantize(_quantum(currency), rounding=ROUND_FLOOR)
    if exact != value:
        step = points_per_unit // _gcd(points_per_unit, 10 ** currency_precision(currency))
        raise InvalidInput(
            f"{points} points are not a whole amount of {currency} "
            f"({points_per_unit} points = 1 {currency}); use a multiple of {step} points.",
            field="points",
        )
    return exact


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def cash_amount(value, currency: str) -> Decimal:
    """A cash amount to apply, in the currency's precision (no rounding)."""
    if isinstance(value, bool | float) or not isinstance(value, int | Decimal | str):
        raise InvalidInput("cashAmount must be a decimal number.", field="cashAmount")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"cashAmount is not a number: {value!r}.", field="cashAmount")
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("cashAmount must be greater than zero.", field="cashAmount")
    if amount != amount.quantize(_quantum(currency), rounding=ROUND_FLOOR):
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
    return cap.quantize(_quantum(currency), rounding=ROUND_FLOOR)


def units_used(used: Decimal, amount: Decimal, units: Decimal, kind: str,
               points_per_unit: int) -> Decimal:  # fmt: skip
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
    points = (used * points_per_unit).to_integral_value(rounding=ROUND_CEILING)
    return min(units, points)


def units_to_return(captured: Decimal, share: Decimal, kind: str, currency: str) -> Decimal:
    """What of ``captured`` a refund of ``share`` (0..1) of the products gives back (S4)."""
    if captured <= 0 or share <= 0:
        return ZERO
    if share >= 1:
        return captured
    value = captured * share
    quantum = Decimal(1) if kind == Kind.POINTS else _quantum(currency)
    return min(captured, value.quantize(quantum, rounding=ROUND_FLOOR))
