"""Saleor's channels, customers and order lines, as the schema's ``Directory``."""

from uuid import UUID

from saleor.account.models import User
from saleor.channel.models import Channel
from saleor.order import OrderStatus
from saleor.order.models import OrderLine

from ..ledger.models import Program
from ..programs.reviews import OrderLineInfo


class SaleorDirectory:
    def program(self, channel_slug: str) -> Program | None:
        """The channel's program, created on first use with the channel's currency."""
        program = Program.objects.filter(channel_slug=channel_slug).first()
        if program is not None:
            return program
        channel = Channel.objects.filter(slug=channel_slug).first()
        if channel is None:
            return None
        program, _ = Program.objects.get_or_create(
            channel_slug=channel.slug, defaults={"currency": channel.currency_code}
        )
        return program

    def member_exists(self, user_id: int) -> bool:
        return User.objects.filter(id=user_id).exists()

    def order_line(self, line_id: str) -> OrderLineInfo | None:
        try:
            pk = UUID(line_id)
        except (TypeError, ValueError):
            return None
        line = (
            OrderLine.objects.select_related("order__channel", "variant")
            .filter(pk=pk)
            .first()
        )
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
