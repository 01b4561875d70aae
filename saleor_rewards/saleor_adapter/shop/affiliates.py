"""Saleor as the ``AffiliateShop`` port (A1, A2).

The attribution rides in the checkout's **private** metadata, under
``ATTRIBUTION_KEY``: a storefront can write public metadata itself, not private
metadata, and Saleor 3.23 copies the checkout's private metadata onto the order it
completes into, in both payment flows (``checkout.complete_checkout._create_order``
and ``_create_order_from_checkout``); ``orders.order_snapshot`` reads it there. The
value is signed besides (``programs/affiliates/services.attribution_token``).
"""

from uuid import UUID

from saleor.checkout.models import Checkout
from saleor.checkout.utils import get_or_create_checkout_metadata
from saleor.product.models import Product

from ...programs.affiliates.ports import CheckoutParty
from . import mail
from .customers import member_emails

ATTRIBUTION_KEY = "saleor_rewards.affiliate"


def product_exists(product_id: str) -> bool:
    try:
        pk = int(product_id)
    except (TypeError, ValueError):
        return False
    return Product.objects.filter(pk=pk).exists()


def checkout_party(token: str) -> CheckoutParty | None:
    try:
        UUID(str(token))
    except ValueError:
        return None
    found = Checkout.objects.select_related("channel").filter(token=token).first()
    if found is None:
        return None
    return CheckoutParty(
        token=str(found.token),
        channel_slug=found.channel.slug,
        owner_id=found.user_id,
        email=found.email or "",
    )


def attribute_checkout(token: str, attribution: str) -> None:
    found = Checkout.objects.filter(token=token).first()
    if found is None:
        return
    metadata = get_or_create_checkout_metadata(found)
    metadata.store_value_in_private_metadata({ATTRIBUTION_KEY: attribution})
    metadata.save(update_fields=["private_metadata"])


def order_attribution(order) -> str:
    """The attribution a Saleor order carries from its checkout; empty if none."""
    value = (order.private_metadata or {}).get(ATTRIBUTION_KEY, "")
    return value if isinstance(value, str) else ""


def member_email(member_id: int) -> str:
    return member_emails([member_id]).get(member_id, "")


def send_mail(to: str, subject: str, body: str) -> None:
    mail.send_invite(to, subject, body)
