"""Saleor's channels, customers and order lines, as the schema's ``Directory``."""

from uuid import UUID

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import send_mail
from django.db.models import Q
from saleor.account.models import User
from saleor.order import OrderChargeStatus, OrderEvents, OrderStatus
from saleor.order.models import Order, OrderLine

from ...ledger.errors import ProgramDisabled
from ...ledger.models import Program
from ...programs.redemption.services import CheckoutFacts
from ...programs.reviews.services import OrderLineInfo
from ...programs.vouchers.services import NewVoucher
from . import gift_cards, locks, vouchers
from .channels import program_for_channel

PAID_CHARGE_STATUSES = (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
PAID_EVENTS = (OrderEvents.ORDER_FULLY_PAID, OrderEvents.ORDER_MARKED_AS_PAID)


class SaleorDirectory:
    def program(self, channel_slug: str) -> Program | None:
        return program_for_channel(channel_slug)

    def member_exists(self, user_id: int) -> bool:
        return User.objects.filter(id=user_id).exists()

    # Referrals (R1-R5)

    def member_emails(self, user_ids) -> dict[int, str]:
        users = User.objects.filter(id__in=list(user_ids))
        return dict(users.values_list("id", "email"))

    def member_by_email(self, email: str) -> int | None:
        return (
            User.objects.filter(email__iexact=email.strip(), is_active=True)
            .values_list("id", flat=True)
            .first()
        )

    def has_paid_order(self, user_id: int) -> bool:
        """R5 "already has a paid order": an order of the user (or a guest order with
        their e-mail) that is charged in full now (``charge_status`` FULL or
        OVERCHARGED) or ever was (Saleor's "fully paid" / "marked as paid" order
        events), drafts excepted. Someone whose paid order was refunded later is
        still an existing customer, not a friend to win."""
        owner = Q(user_id=user_id)
        email = User.objects.filter(id=user_id).values_list("email", flat=True).first()
        if email:
            owner |= Q(user_email__iexact=email)
        paid = Q(charge_status__in=PAID_CHARGE_STATUSES)
        paid |= Q(events__type__in=PAID_EVENTS)
        return Order.objects.filter(owner).exclude(status=OrderStatus.DRAFT).filter(paid).exists()

    def customer_order_ids(self, user_ids) -> dict[int, list[str]]:
        orders: dict[int, list[str]] = {}
        orders_of_users = Order.objects.filter(user_id__in=list(user_ids))
        for user_id, order_id in orders_of_users.values_list("user_id", "id"):
            orders.setdefault(user_id, []).append(str(order_id))
        return orders

    def shop_name(self) -> str:
        return Site.objects.get_current().name

    def send_invite(self, to: str, subject: str, body: str) -> None:
        """Through Django's mail backend as Saleor configures it (``EMAIL_URL``),
        from the sender the shop set in its site settings."""
        if not settings.EMAIL_BACKEND:
            raise ProgramDisabled(
                "Invitations need the shop's e-mail to be configured (EMAIL_URL).",
                field="emails",
            )
        sender = Site.objects.get_current().settings.default_from_email
        send_mail(subject, body, sender, [to])

    def order_line(self, line_id: str) -> OrderLineInfo | None:
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

    # Voucher codes (S5)

    def create_voucher(self, voucher: NewVoucher) -> str:
        return vouchers.create_voucher(voucher)

    # Paying with points (S1)

    def checkout(self, token: str) -> CheckoutFacts | None:
        """The checkout's owner and product subtotal: lines after discounts, net of
        tax, without shipping (Saleor's ``checkout_subtotal``, which recalculates
        stale prices)."""
        from saleor.checkout import calculations
        from saleor.checkout.models import Checkout

        try:
            UUID(str(token))
        except ValueError:
            return None
        checkout = Checkout.objects.select_related("channel").filter(token=token).first()
        if checkout is None:
            return None
        manager, lines, info = gift_cards.checkout_context(checkout)
        subtotal = calculations.checkout_subtotal(manager=manager, checkout_info=info, lines=lines)
        return CheckoutFacts(
            token=str(checkout.token),
            owner_id=checkout.user_id,
            channel_slug=checkout.channel.slug,
            currency=checkout.currency,
            product_subtotal=subtotal.net.amount,
        )

    def issue_gift_card(self, checkout, member_id, amount, currency):
        return gift_cards.issue_gift_card(checkout, member_id, amount, currency)

    def withdraw_gift_card(self, card_id, checkout_token):
        gift_cards.withdraw_gift_card(card_id, checkout_token)

    def lock_gift_card(self, card_id, checkout_token):
        locks.checkout_and_gift_card(checkout_token, card_id)

    # Tiers (T1, T4)

    def member_verified(self, user_id: int) -> bool:
        return User.objects.filter(id=user_id, is_confirmed=True).exists()

    def tiers_changed(self, program: Program) -> None:
        from ..tasks.tiers import sync_program

        sync_program(program)
