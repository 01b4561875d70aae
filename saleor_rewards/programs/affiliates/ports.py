"""What the affiliate program asks the shop platform (A1, A2).

The Saleor adapter implements it (``saleor_adapter/shop/affiliates.py``); the
Saleor-independent suite has an in-memory one (``tests/fakes.py``).
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CheckoutParty:
    """Who a checkout belongs to, as attribution needs it."""

    token: str
    channel_slug: str
    owner_id: int | None
    email: str = ""


class AffiliateShop(Protocol):
    def product_exists(self, product_id: str) -> bool:
        """The shop has a product with this id (its primary key as text)."""
        ...

    def checkout_party(self, token: str) -> CheckoutParty | None:
        """The checkout with this token; None if there is none."""
        ...

    def attribute_checkout(self, token: str, attribution: str) -> None:
        """Keep ``attribution`` on the checkout, where its order will find it (A2)."""
        ...

    def member_email(self, member_id: int) -> str:
        """The member's e-mail address; empty if unknown."""
        ...

    def send_mail(self, to: str, subject: str, body: str) -> None:
        """Send one e-mail through the shop's mail (the decision on an application)."""
        ...
