"""What delivery confirmation (L2) asks the shop platform: the order being confirmed.

The Saleor adapter implements it (``saleor_adapter/shop/orders.py``).
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OrderDeliveryFacts:
    """What the shop platform says about an order, for its customer's confirmation."""

    order_id: str
    owner_id: int | None  # the customer who placed the order; None for a guest
    channel_slug: str
    fulfilled: bool  # shipped in full (the order's status is fulfilled)


class Orders(Protocol):
    def order_delivery(self, order_id: str) -> OrderDeliveryFacts | None:
        """An order by its platform id; None when unknown (or a draft)."""
        ...
