"""Money, points and the strings the shop hands out: one definition of each.

- Precision: how many decimals a currency has is what Saleor rounds prices to
  (``saleor/core/prices.py`` ``quantize_price``: babel's CLDR data), so a gift card
  or voucher of ours never carries an amount Saleor would round.
- Rounding is always the caller's explicit choice (``rounding=``): the cap of a
  checkout rounds down, points used of a card round up; nothing here picks one.
- Points and money (U2): ``points_per_unit`` points are worth 1.00 of the channel's
  currency. Points become money only when the amount is exact (a card, a voucher
  and the ledger must say the same); money becomes points with a stated rounding.
- Codes people read or type use one alphabet without 0/O and 1/I.
- Idempotency keys: the ledger stores up to ``MAX_KEY_LENGTH`` characters; a
  client sends up to ``MAX_CLIENT_KEY_LENGTH``, to which the house adds a prefix.

Foundation layer: imports only the ledger, the standard library and babel.
"""

import secrets
import uuid
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from math import gcd

from babel.numbers import get_currency_precision

from .ledger.constants import MAX_KEY_LENGTH
from .ledger.errors import InvalidInput

__all__ = [
    "CODE_ALPHABET",
    "MAX_AMOUNT",
    "MAX_CLIENT_KEY_LENGTH",
    "MAX_KEY_LENGTH",
    "client_key",
    "currency_precision",
    "fits",
    "money_for_points",
    "new_code",
    "points_for_money",
    "points_step",
    "quantize",
    "quantum",
]

# Codes people read aloud and type (referral codes, member codes, gift cards,
# vouchers): no 0/O, 1/I. 32 symbols, so each character is 5 random bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

# What a client may send as ``idempotencyKey``. The house prefixes it
# ("voucher:", "adjust:", ...) before the ledger stores it, so it stays well
# under the ledger's MAX_KEY_LENGTH.
MAX_CLIENT_KEY_LENGTH = 100

# Amounts a client may send are below this: what the ledger's columns hold
# (``ledger.posting.parse_amount``). Larger ones are INVALID before any arithmetic:
# 1e30 cannot even be quantized in Python's default decimal context (I3).
MAX_AMOUNT = Decimal(10) ** 16


def currency_precision(currency: str) -> int:
    """Decimals of the currency's smallest unit as Saleor rounds prices (2 for
    EUR, 0 for JPY, 3 for KWD; 2 for a code babel does not know)."""
    return get_currency_precision(currency.upper())


def quantum(currency: str) -> Decimal:
    """The currency's smallest unit: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-currency_precision(currency))


def quantize(amount: Decimal, currency: str, *, rounding: str) -> Decimal:
    """``amount`` in the currency's precision, rounded as the caller says
    (``decimal.ROUND_FLOOR``, ``ROUND_HALF_UP``, ...)."""
    return amount.quantize(quantum(currency), rounding=rounding)


def fits(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` needs no rounding in the currency (12.50 USD, not 12.505).

    False for an amount too large to quantize (beyond the decimal context)."""
    try:
        return amount == amount.quantize(quantum(currency))
    except InvalidOperation:
        return False


def points_step(points_per_unit: int, currency: str) -> int:
    """The smallest number of points worth a whole number of the currency's smallest
    unit (1 at 100 per unit in USD, 3 at 300 per unit): every exact amount of points
    is a multiple of it."""
    return points_per_unit // gcd(points_per_unit, 10 ** currency_precision(currency))


def money_for_points(points, points_per_unit: int, currency: str) -> Decimal:
    """The exact value of ``points`` in ``currency`` (U2, S1, S5).

    Refuses (INVALID, field ``points``) anything but a positive whole number, and
    points that do not come to a whole number of the currency's smallest unit
    (1 point at 300 per unit): never rounded, so what the shop hands out and what
    the ledger debits always agree. The message names the multiple that works.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise InvalidInput("points must be a whole number greater than zero.", field="points")
    value = Decimal(points) / Decimal(points_per_unit)
    if not fits(value, currency):
        step = points_step(points_per_unit, currency)
        raise InvalidInput(
            f"{points} points are not a whole amount of {currency} "
            f"({points_per_unit} points = 1 {currency}); use a multiple of {step} points.",
            field="points",
        )
    return quantize(value, currency, rounding=ROUND_FLOOR)  # exact: nothing to round


def points_for_money(amount: Decimal, points_per_unit: int, *, rounding: str) -> int:
    """``amount`` of money in whole points, rounded as the caller says: earning
    rounds down (L1), the points an order used of a card round up (S1)."""
    return int((amount * points_per_unit).to_integral_value(rounding=rounding))


def new_code(length: int) -> str:
    """``length`` random characters of ``CODE_ALPHABET`` (5 bits each, from ``secrets``)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def client_key(prefix: str, key: str | None) -> str:
    """The ledger key for a client's ``idempotencyKey``: ``prefix`` + the key.

    Without a key every request is new (a random one). A key is trimmed and must
    have 1 to ``MAX_CLIENT_KEY_LENGTH`` characters (INVALID, field ``idempotencyKey``).
    """
    if key is None:
        return f"{prefix}{uuid.uuid4()}"
    key = key.strip() if isinstance(key, str) else ""
    if not key or len(key) > MAX_CLIENT_KEY_LENGTH:
        raise InvalidInput(
            f"The idempotency key must be 1 to {MAX_CLIENT_KEY_LENGTH} characters.",
            field="idempotencyKey",
        )
    return f"{prefix}{key}"
