"""Saleor's checkouts as the ``Checkouts`` port: what paying with points sees (S1)."""

from uuid import UUID

from saleor.checkout import calculations
from saleor.checkout.models import Checkout

from ...programs.redemption.ports import CheckoutFacts
from .gift_cards import checkout_context


def checkout(token: str) -> CheckoutFacts | None:
    """The checkout's owner and product subtotal: lines after discounts, net of tax,
    without shipping (Saleor's ``checkout_subtotal``, which recalculates stale
    prices)."""
    try:
        UUID(str(token))
    except ValueError:
        return None
    found = Checkout.objects.select_related("channel").filter(token=token).first()
    if found is None:
        return None
    manager, lines, info = checkout_context(found)
    subtotal = calculations.checkout_subtotal(manager=manager, checkout_info=info, lines=lines)
    return CheckoutFacts(
        token=str(found.token),
        owner_id=found.user_id,
        channel_slug=found.channel.slug,
        currency=found.currency,
        product_subtotal=subtotal.net.amount,
    )
