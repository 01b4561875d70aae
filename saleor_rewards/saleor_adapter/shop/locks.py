"""Saleor's rows the plugin locks: checkouts, then a gift card, then the gift card
gateway's transactions.

They are 2 and 3 of the house's lock order (``programs/locks.py``): after the
redemption's checkout lock, before any of the plugin's own rows and the ledger's
accounts. Saleor's own ``lock_objects`` querysets take them (primary-key order,
``of=("self",)``), and in Saleor's order: its checkout completion locks the
checkout, then the checkout's gift cards (``checkout.complete_checkout``,
``order.utils.add_gift_cards_to_order``, Saleor 3.23.28), so a withdrawal or a
release of a rewards card never waits for a completion that waits for it. A
transaction of the card is locked last, with its checkout already locked, as
Saleor updates it (``payment.lock_objects``: the checkout, then the item).
"""

from django.db.models import QuerySet
from saleor.checkout.lock_objects import checkout_qs_select_for_update
from saleor.checkout.models import Checkout
from saleor.giftcard.lock_objects import gift_card_qs_select_for_update
from saleor.giftcard.models import GiftCard
from saleor.payment.lock_objects import transaction_item_qs_select_for_update
from saleor.payment.models import TransactionItem


def checkouts() -> QuerySet[Checkout]:
    """2."""
    return checkout_qs_select_for_update()


def gift_cards() -> QuerySet[GiftCard]:
    """3."""
    return gift_card_qs_select_for_update()


def transaction_items() -> QuerySet[TransactionItem]:
    """3, after the card: a gateway transaction of it, its checkout locked first."""
    return transaction_item_qs_select_for_update()


def checkout_and_gift_card(token, card_id: int | None, others=()) -> GiftCard | None:
    """2 then 3: the checkout row (while there is one: it goes when it becomes an
    order) and the ``others`` the card is on, in primary-key order, then the card,
    if any; returns the card."""
    list(checkouts().filter(token__in={str(token), *map(str, others)}))
    if card_id is None:
        return None
    return gift_cards().filter(pk=card_id).first()
