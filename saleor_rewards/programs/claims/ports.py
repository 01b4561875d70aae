"""What guarantee claims ask the shop platform (C1-C6).

The Saleor adapter implements it (``saleor_adapter/shop/claims.py``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from ...ledger import Actor
from ..loyalty.earning import OrderSnapshot


@dataclass(frozen=True)
class ClaimedLineFacts:
    line_id: str
    product_name: str = ""
    variant_id: str = ""
    fulfilled_quantity: int = 0
    # The variant's traceability record (C6), from the shop's own metadata.
    traceability: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ClaimOrder:
    """An order as a claim needs it: the snapshot the programs read (what was paid,
    refunded, paid with rewards) plus the lines' products and the destination."""

    snapshot: OrderSnapshot
    shipping_country: str = ""
    lines: Mapping[str, ClaimedLineFacts] = field(default_factory=dict)

    @property
    def completed_at(self) -> datetime | None:
        """When the order was fulfilled (its last shipment): the claim window's start."""
        return self.snapshot.fulfilled_at if self.snapshot.fulfilled else None


@dataclass(frozen=True)
class StoredDocument:
    storage_name: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ShopRefund:
    """The refund the shop recorded: ``granted_refund:<id>`` or ``fulfillment:<id>``."""

    reference: str
    amount: Decimal


class ClaimShop(Protocol):
    def claim_order(self, order_id: str) -> ClaimOrder | None:
        """An order by its platform id; None when unknown (or a draft)."""
        ...

    def check_evidence(self, uploaded: str) -> None:
        """Raise ``InvalidInput`` unless ``uploaded`` is a file the shop's upload
        stored and a claim may take: checked for every document before any moves."""
        ...

    def keep_evidence(self, uploaded: str, claim_id: int) -> StoredDocument:
        """Move a file the shop's upload stored (its path or URL) into private
        storage for ``claim_id``; raises ``InvalidInput`` for anything else."""
        ...

    def refund_lines(
        self,
        order_id: str,
        quantities: Mapping[str, int],
        amount: Decimal,
        *,
        reason: str,
        actor: Actor,
    ) -> ShopRefund:
        """Refund ``amount`` for ``quantities`` of the order's lines through the
        order's own payment flow; raises a domain error when the shop refuses."""
        ...

    def mail_buyer(self, order_id: str, subject: str, body: str) -> None:
        """Mail the order's buyer through the shop's mail; never raises."""
        ...
