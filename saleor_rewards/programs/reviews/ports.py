"""What reviews (B2) ask the shop platform: the order line a customer reviews.

The Saleor adapter implements it (``saleor_adapter/shop/order_lines.py``).
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OrderLineInfo:
    """What the shop platform says about an order line, for a review."""

    line_id: str
    order_id: str
    owner_id: int | None  # the customer who placed the order
    channel_slug: str
    product_id: str = ""
    fulfilled: bool = False  # some of it shipped, or the order is fulfilled


class OrderLines(Protocol):
    def order_line(self, line_id: str) -> OrderLineInfo | None:
        """An order line by its platform id; None when unknown."""
        ...
