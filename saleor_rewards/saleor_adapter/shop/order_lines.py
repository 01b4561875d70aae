"""Saleor's order lines as the ``OrderLines`` port: what customers review (B2)."""

from uuid import UUID

from saleor.order import OrderStatus
from saleor.order.models import OrderLine

from ...programs.reviews.ports import OrderLineInfo


def order_line(line_id: str) -> OrderLineInfo | None:
    try:
        pk = UUID(line_id)
    except (TypeError, ValueError):
        return None
    line = OrderLine.objects.select_related("order__channel", "variant").filter(pk=pk).first()
    if line is None:
        return None
    order = line.order
    return OrderLineInfo(
        line_id=str(line.pk),
        order_id=str(order.pk),
        owner_id=order.user_id,
        channel_slug=order.channel.slug,
        product_id=str(line.variant.product_id) if line.variant else "",
        fulfilled=line.quantity_fulfilled > 0 or order.status == OrderStatus.FULFILLED,
    )
