"""What membership tiers ask the shop platform: keep its tier discounts in line (T4).

The Saleor adapter implements it (``saleor_adapter/tasks/tiers.py``
``tiers_changed``: Saleor vouchers and the checkouts holding their codes).
"""

from typing import Protocol

from ...ledger.models import Program


class TierDiscounts(Protocol):
    def tiers_changed(self, program: Program) -> None:
        """Staff changed the channel's tiers: bring the shop's discounts in line."""
        ...

    def forget_codes(self, codes: list[str]) -> None:
        """An erased member's personal discount codes (P2): the shop deletes them."""
        ...
