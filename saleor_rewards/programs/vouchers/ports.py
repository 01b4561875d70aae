"""What voucher conversion (S5) asks the shop platform: to issue the voucher code.

The Saleor adapter implements it (``saleor_adapter/shop/vouchers.py``).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class NewVoucher:
    """What the shop is asked to create: a fixed discount on one order."""

    conversion_id: str
    code: str
    channel_slug: str
    amount: Decimal
    currency: str
    valid_until: datetime
    member_id: int
    points: int
    # S5: the products an order needs for the voucher to apply (value x 100 / the
    # member's cap), so a voucher never pays more of an order than the cap.
    min_spent: Decimal = Decimal(0)


class VoucherIssuer(Protocol):
    def currency_precision(self, currency: str) -> int:
        """Decimal places of the currency's smallest unit (2 for USD, 0 for JPY)."""
        ...

    def create_voucher(self, voucher: NewVoucher) -> str:
        """Create the voucher code in the shop; its id there. Raises on failure."""
        ...

    def forget_member(self, member_id: int) -> None:
        """Erasure (P2): no voucher of the shop names the member any more. The codes
        stay valid: the member paid for them."""
        ...
