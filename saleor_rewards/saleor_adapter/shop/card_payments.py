"""What a rewards gift card did in Saleor, wherever it went (S6).

A rewards card is issued for one checkout (its metadata ``saleor_rewards.redemption``
names the checkout's token), but Saleor lets the card's assignee use it on any of
their checkouts (Saleor 3.23.28):
- as a promo code (``checkoutAddPromoCode``): the order takes what the card holds
  when the checkout completes (``order.utils.add_gift_cards_to_order``);
- through the gift card payment gateway (``transactionInitialize`` with
  ``saleor.io.gift-card-payment-gateway``): a ``TransactionItem`` with ``gift_card``
  set authorises it on the checkout; the item moves to the order at completion and
  Saleor charges the card when the order is confirmed
  (``giftcard.gateway.charge_gift_card_transactions``).
Both record a ``USED_IN_ORDER`` gift card event with the balance before and after.

So this module answers, card by card: what did it pay, on which orders
(``card_use``); where is it still authorised (``void_checkout_authorisations``);
and refuses a card on a checkout it was not issued for
(``refuse_foreign_rewards_card``, from ``preprocess_order_creation``).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.giftcard import GiftCardEvents
from saleor.giftcard.const import GIFT_CARD_PAYMENT_GATEWAY_ID
from saleor.giftcard.models import GiftCard, GiftCardEvent
from saleor.graphql.payment.mutations.transaction.utils import (
    create_transaction_event_requested,
)
from saleor.order import OrderStatus
from saleor.payment import TransactionAction, TransactionEventType
from saleor.payment.models import TransactionEvent, TransactionItem
from saleor.payment.utils import create_transaction_event_from_request_and_webhook_response

from ...programs.redemption.ports import CardPayment, CardUse
from . import locks

METADATA_KEY = "saleor_rewards.redemption"  # on the card: the token of its checkout
ZERO = Decimal(0)

# Orders Saleor will never confirm, so never charge a card's authorisation for.
_CLOSED = (OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.DRAFT)


def _gateway(**filters):
    return TransactionItem.objects.filter(app_identifier=GIFT_CARD_PAYMENT_GATEWAY_ID, **filters)


def _paid(card_ids) -> dict[int, dict]:
    """{card id: {order: value}} from Saleor's ``USED_IN_ORDER`` events."""
    paid: dict[int, dict] = defaultdict(dict)
    events = GiftCardEvent.objects.filter(
        gift_card_id__in=card_ids, type=GiftCardEvents.USED_IN_ORDER, order__isnull=False
    ).select_related("order")
    for event in events.order_by("date", "pk"):
        balance = event.parameters.get("balance", {})
        old = Decimal(str(balance.get("old_current_balance", 0)))
        used = old - Decimal(str(balance.get("current_balance", 0)))
        orders = paid[event.gift_card_id]
        orders[event.order] = orders.get(event.order, ZERO) + used
    return paid


def paid_by_card(card_ids) -> dict[int, Decimal]:
    """What each card paid on every order together (the audit's side of S6)."""
    return {card_id: sum(orders.values(), ZERO) for card_id, orders in _paid(card_ids).items()}


def _chargeable(card_ids):
    """Authorisations of the cards on orders Saleor may still charge: the rows
    ``charge_gift_card_transactions`` would charge, on orders that can still be
    confirmed."""
    charge_requested = TransactionEvent.objects.filter(
        transaction=OuterRef("pk"), type=TransactionEventType.CHARGE_REQUEST
    )
    return (
        _gateway(
            gift_card_id__in=card_ids, order__isnull=False, authorized_value__gt=0, charged_value=0
        )
        .exclude(Exists(charge_requested))
        .exclude(order__status__in=_CLOSED)
    )


def _promised(card_id: int) -> tuple[str, ...]:
    items = _chargeable([card_id])
    return tuple(str(order_id) for order_id in items.values_list("order_id", flat=True))


def authorised(card_ids) -> dict[int, list[str]]:
    """Where each card still counts as authorised: on checkouts, or on orders that
    may still charge it (the audit's side of S6)."""
    found: dict[int, list[str]] = defaultdict(list)
    on_checkouts = _gateway(
        gift_card_id__in=card_ids,
        order__isnull=True,
        checkout__isnull=False,
        authorized_value__gt=0,
    )
    for card_id, token in on_checkouts.values_list("gift_card_id", "checkout_id"):
        found[card_id].append(f"checkout {token}")
    for card_id, order_id in _chargeable(card_ids).values_list("gift_card_id", "order_id"):
        found[card_id].append(f"order {order_id}")
    return found


def card_use(card_id: int | None) -> CardUse:
    """The ``GiftCards`` port's ``card_use``: what the card paid, on any order, and
    the orders that may still charge it. Asked under the card's row lock."""
    if card_id is None:
        return CardUse()
    orders = _paid([card_id]).get(card_id, {})
    paid = tuple(
        CardPayment(str(order.pk), f"#{order.number}", amount)
        for order, amount in orders.items()
        if amount > 0
    )
    return CardUse(paid=paid, promised=_promised(card_id))


def checkouts_of(card_id: int | None) -> set[str]:
    """The tokens of the checkouts the card is on: as a promo code, or authorised by
    the gateway."""
    if card_id is None:
        return set()
    attached = Checkout.gift_cards.through.objects.filter(giftcard_id=card_id)
    authorised = _gateway(gift_card_id=card_id, checkout__isnull=False, order__isnull=True)
    return {
        str(token)
        for query in (attached, authorised)
        for token in query.values_list("checkout_id", flat=True)
    }


def detach(card_id: int, checkout_token=None) -> None:
    """Take the card off the checkouts it is on as a promo code (all, or one); their
    prices are recalculated on the next read. Their rows must be locked already."""
    for checkout in Checkout.objects.filter(gift_cards=card_id):
        if checkout_token is None or str(checkout.token) == str(checkout_token):
            checkout.gift_cards.remove(card_id)
            checkout.price_expiration = timezone.now()
            checkout.save(update_fields=["price_expiration", "last_change"])


def void_checkout_authorisations(card_id: int, *, on_checkout=None) -> int:
    """Cancel the gateway's authorisations of the card on checkouts (all of them, or
    ``on_checkout``'s), as Saleor cancels them when the card is authorised on
    another checkout (``detach_gift_card_from_previous_checkout_transactions``): a
    ``CANCEL_SUCCESS`` event for the authorised amount, and the item let go of the
    card. The checkouts' rows must be locked already (Saleor locks the checkout,
    then the item, to update the checkout's payment status). Returns how many."""
    found = _gateway(
        gift_card_id=card_id, checkout__isnull=False, order__isnull=True, authorized_value__gt=0
    )
    if on_checkout is not None:
        found = found.filter(checkout_id=on_checkout)
    voided = 0
    with transaction.atomic():
        for item_id in found.values_list("pk", flat=True):
            item = (
                locks.transaction_items()
                .filter(pk=item_id, order__isnull=True, authorized_value__gt=0)
                .first()
            )
            if item is None:
                continue
            amount = item.amount_authorized.amount
            request = create_transaction_event_requested(
                item, amount, TransactionAction.CANCEL, app_identifier=GIFT_CARD_PAYMENT_GATEWAY_ID
            )
            create_transaction_event_from_request_and_webhook_response(
                request,
                None,
                transaction_webhook_response={
                    "result": TransactionEventType.CANCEL_SUCCESS.upper(),
                    "pspReference": str(uuid4()),
                    "amount": amount,
                    "message": "The rewards points this gift card carried were taken off.",
                    "actions": [],
                },
            )
            TransactionItem.objects.filter(pk=item.pk).update(gift_card=None)
            voided += 1
    return voided


def take_off_foreign_cards(checkout_token) -> bool:
    """Take rewards cards of other checkouts off this one (their authorisations
    cancelled); whether there was any. Locks the checkout's row first. Runs after
    every checkout update in the customer's request: two queries when there is none."""
    return _take_off(checkout_token, *_foreign_of(checkout_token, checkout_cards(checkout_token)))


def _foreign_of(checkout_token, cards) -> tuple[list[int], list[int]]:
    """(rewards cards of other checkouts on this checkout as promo codes, those
    authorised on it through the gateway), from the checkout's ``checkout_cards``."""
    foreign = [card for card in cards if card.foreign_to(checkout_token)]
    return (
        sorted({card.card_id for card in foreign if card.attached}),
        sorted({card.card_id for card in foreign if not card.attached and card.authorized > 0}),
    )


def _take_off(checkout_token, attached, authorised) -> bool:
    if not attached and not authorised:
        return False
    with transaction.atomic():
        locks.checkouts().filter(token=checkout_token).first()
        for card_id in attached:
            detach(card_id, checkout_token)
        for card_id in authorised:
            void_checkout_authorisations(card_id, on_checkout=checkout_token)
    return True


@dataclass(frozen=True)
class CheckoutCard:
    """A gift card on a checkout, one row per way it is there: as a promo code
    (``attached``), or one gateway authorisation of it on the checkout."""

    card_id: int
    metadata: dict
    balance: Decimal
    attached: bool
    authorized: Decimal = ZERO
    charged: Decimal = ZERO

    def foreign_to(self, checkout_token) -> bool:
        """A rewards card issued for another checkout (``_foreign`` in Python)."""
        metadata = self.metadata or {}
        return METADATA_KEY in metadata and metadata[METADATA_KEY] != str(checkout_token)


def checkout_cards(checkout_token) -> list[CheckoutCard]:
    """Every gift card on the checkout, as a promo code or authorised through the
    gateway, read once for the checks at completion (two queries, whatever the
    number of cards)."""
    attached = GiftCard.objects.filter(checkouts=checkout_token).values_list(
        "pk", "metadata", "current_balance_amount"
    )
    gateway = _gateway(checkout_id=checkout_token, gift_card__isnull=False).values_list(
        "gift_card_id",
        "gift_card__metadata",
        "gift_card__current_balance_amount",
        "authorized_value",
        "charged_value",
    )
    return [CheckoutCard(pk, metadata, balance, True) for pk, metadata, balance in attached] + [
        CheckoutCard(pk, metadata, balance, False, authorized, charged)
        for pk, metadata, balance, authorized, charged in gateway
    ]


def refuse_foreign_rewards_card(checkout, cards: list[CheckoutCard] | None = None) -> None:
    """At completion (``preprocess_order_creation``): a rewards card pays only the
    checkout it was issued for (S6). One of another checkout is taken off this one
    and the completion refused, so the customer sees the real total and pays it.
    ``cards``: the checkout's ``checkout_cards``, when read already."""
    if cards is None:
        cards = checkout_cards(checkout.token)
    if _take_off(checkout.token, *_foreign_of(checkout.token, cards)):
        raise ValidationError(
            {
                "gift_cards": ValidationError(
                    "A rewards gift card pays only the checkout it was issued for; it "
                    "was taken off this checkout. Check the total and pay again.",
                    code=CheckoutErrorCode.GIFT_CARD_NOT_APPLICABLE.value,
                )
            }
        )


def rewards_cards_on_order(order_id) -> list[int]:
    """The rewards cards that paid the order or are authorised on it."""
    rewards = Q(gift_card__metadata__has_key=METADATA_KEY)
    used = GiftCardEvent.objects.filter(
        rewards, order_id=order_id, type=GiftCardEvents.USED_IN_ORDER
    )
    authorised = _gateway(order_id=order_id, gift_card__isnull=False).filter(rewards)
    return sorted(
        set(used.values_list("gift_card_id", flat=True))
        | set(authorised.values_list("gift_card_id", flat=True))
    )
