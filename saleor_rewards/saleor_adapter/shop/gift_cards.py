"""Saleor gift cards that carry redeemed points into a checkout (S1-S4): the
``GiftCards`` port (``issue_gift_card``, ``withdraw_gift_card``) and what the order
sync and the audit need of them.

Facts from Saleor 3.23.28 this relies on:
- ``GiftCard.assigned_to`` restricts a card to one customer: Saleor refuses it for
  anyone else when it is added (``add_gift_card_code_to_checkout``), again when the
  checkout completes (``checkout_cleaner._validate_gift_cards``), and in the gift
  card payment gateway (``giftcard.gateway.validate_and_get_gift_card``).
- Legacy route: a card in ``checkout.gift_cards`` pays part of the order when the
  checkout completes (``order.utils.add_gift_cards_to_order`` locks the card row and
  takes what it can); both payment flows do this, in channels that allow legacy
  gift card use. Transactions route: ``transactionInitialize`` with the gateway
  ``saleor.io.gift-card-payment-gateway`` authorises the card and Saleor charges it
  when the order is confirmed (``order.actions.order_confirmed``). Either way a
  ``USED_IN_ORDER`` gift card event records the balance before and after.
- Saleor never gives a card its balance back when the order is cancelled or refunded
  in the legacy route (it does refund to the card on the transactions route). The
  plugin gives the points back instead, so its cards end empty and inactive once
  their redemption is settled; ``redemption_disagreements`` checks that.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from saleor.account.models import User
from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
from saleor.checkout.models import Checkout
from saleor.checkout.utils import add_promo_code_to_checkout, invalidate_checkout_prices
from saleor.core.utils.promo_code import is_available_promo_code
from saleor.giftcard import events
from saleor.giftcard.models import GiftCard, GiftCardTag
from saleor.plugins.manager import get_plugins_manager

from ... import money
from ...ledger import HoldStatus
from ...ledger.errors import NotFound
from ...ledger.models import Hold
from ...programs.redemption.models import Redemption, RedemptionStatus
from ...programs.redemption.ports import CheckoutFacts
from . import locks
from .card_payments import (
    METADATA_KEY,
    authorised,
    card_use,  # noqa: F401 - the GiftCards port's card_use
    checkouts_of,
    detach,
    paid_by_card,
    void_checkout_authorisations,
)

TAG = "rewards"
ZERO = Decimal(0)


def checkout_context(checkout: Checkout):
    manager = get_plugins_manager(allow_replica=False)
    lines, _ = fetch_checkout_lines(checkout)
    return manager, lines, fetch_checkout_info(checkout, lines, manager)


def _new_card_code() -> str:
    """Saleor's promo code shape ("ABCD-EFGH-IJKL", ``generate_promo_code``) in the
    house alphabet the customer's other codes use; like Saleor's, unique among gift
    card and voucher codes, because a promo code can be either."""
    while True:
        code = "-".join(money.new_code(4) for _ in range(3))
        if is_available_promo_code(code):
            return code


def issue_gift_card(
    checkout: CheckoutFacts, member_id: int, amount: Decimal, currency: str
) -> tuple[int, str]:
    """A card of ``amount`` for the member only, attached to the checkout when the
    channel allows gift cards as promo codes (what ``checkoutAddPromoCode`` does).

    The checkout is locked already (``lock_gift_card``); it may have become an order
    since the customer asked: then there is no checkout to pay any more."""
    saleor_checkout = Checkout.objects.select_related("channel").filter(token=checkout.token)
    saleor_checkout = saleor_checkout.first()
    if saleor_checkout is None:
        raise NotFound("There is no such checkout.", field="checkoutId")
    user = User.objects.get(pk=member_id)
    card = GiftCard.objects.create(
        code=_new_card_code(),
        currency=currency,
        initial_balance_amount=amount,
        current_balance_amount=amount,
        assigned_to=user,
        assigned_to_email=user.email,
        is_active=True,
        metadata={METADATA_KEY: checkout.token},
    )
    tag, _ = GiftCardTag.objects.get_or_create(name=TAG)
    card.tags.add(tag)
    events.gift_card_issued_event(card, user=None, app=None)
    if saleor_checkout.channel.allow_legacy_gift_card_use:
        manager, lines, info = checkout_context(saleor_checkout)
        add_promo_code_to_checkout(manager, info, lines, card.code)
        invalidate_checkout_prices(info, save=True)
    return card.pk, card.code


def _lock(card_id: int | None, checkout_token: str) -> GiftCard | None:
    """The card's checkouts (its own and any other it is on), then the card.

    A checkout the card reaches after the checkouts are read and before the card is
    locked (the gateway authorises it under the card's lock) is locked after the
    card, as Saleor's gateway itself does; after that nothing new reaches it.
    """
    others = checkouts_of(card_id)
    card = locks.checkout_and_gift_card(checkout_token, card_id, others)
    late = checkouts_of(card_id) - others - {str(checkout_token)}
    if card is not None and late:
        list(locks.checkouts().filter(token__in=late))
    return card


def withdraw_gift_card(card_id: int | None, checkout_token: str) -> None:
    """Empty and deactivate the card; take it off every checkout and cancel its
    authorisations there, so no checkout looks paid by it (S6).

    Emptying (not only deactivating) matters: Saleor checks ``is_active`` before it
    locks the card at completion, so a completion racing this sees a zero balance.
    The checkouts are locked before the card, as Saleor's completion does.
    """
    if card_id is None:
        return
    with transaction.atomic():
        card = _lock(card_id, checkout_token)
        if card is None:
            return
        if card.is_active or card.current_balance_amount:
            before = GiftCard(
                initial_balance_amount=card.initial_balance_amount,
                current_balance_amount=card.current_balance_amount,
                currency=card.currency,
            )
            card.current_balance_amount = ZERO
            card.is_active = False
            card.save(update_fields=["current_balance_amount", "is_active"])
            events.gift_card_balance_reset_event(card, before, user=None, app=None)
            events.gift_card_deactivated_event(card, user=None, app=None)
        detach(card_id)
        void_checkout_authorisations(card_id)


def redemption_disagreements(redemptions=None, batch: int = 500) -> list[str]:
    """Where a redemption, its ledger hold and its gift card do not say the same;
    ``rewards_audit`` reports them (card by card conservation, S6).

    Open: hold open for the units, card active with the full amount, and it paid
    nothing yet. Settled (released, captured, returned): hold closed accordingly,
    card empty and inactive, authorised nowhere, and what Saleor says it paid on
    orders (``USED_IN_ORDER``) is what the captured points are worth: nothing for a
    released redemption.
    """
    if redemptions is not None:
        return _disagreements(list(redemptions))
    problems, last = [], 0
    while chunk := list(Redemption.objects.filter(pk__gt=last).order_by("pk")[:batch]):
        problems += _disagreements(chunk)
        last = chunk[-1].pk
    return problems


def _disagreements(redemptions: list[Redemption]) -> list[str]:
    card_ids = [r.gift_card_id for r in redemptions if r.gift_card_id is not None]
    holds = Hold.objects.in_bulk([r.hold_id for r in redemptions])
    cards = GiftCard.objects.in_bulk(card_ids)
    paid, still_authorised = paid_by_card(card_ids), authorised(card_ids)
    problems = []
    for r in redemptions:
        hold, card = holds[r.hold_id], cards.get(r.gift_card_id)
        where = f"redemption {r.pk} ({r.status})"
        if card is None:
            problems.append(f"{where}: gift card {r.gift_card_id} is missing")
            continue
        if hold.amount != r.units:
            problems.append(f"{where}: hold is {hold.amount}, redemption {r.units}")
        if r.status == RedemptionStatus.HELD:
            expect_hold, expect_balance, expect_active = HoldStatus.OPEN, r.amount, True
        elif r.status == RedemptionStatus.RELEASED:
            expect_hold, expect_balance, expect_active = HoldStatus.RELEASED, ZERO, False
        else:
            expect_hold, expect_balance, expect_active = HoldStatus.CAPTURED, ZERO, False
            if hold.captured != r.captured:
                problems.append(f"{where}: hold captured {hold.captured}, not {r.captured}")
        if hold.status != expect_hold:
            problems.append(f"{where}: hold is {hold.status}, expected {expect_hold}")
        if card.current_balance_amount != expect_balance:
            problems.append(
                f"{where}: card balance {card.current_balance_amount}, expected {expect_balance}"
            )
        if card.is_active != expect_active:
            problems.append(f"{where}: card active={card.is_active}")
        if card.assigned_to_id != r.member_id:
            problems.append(f"{where}: card is not restricted to member {r.member_id}")
        problems += _conservation(r, card, paid.get(card.pk, ZERO), still_authorised[card.pk])
    return problems


def _conservation(r: Redemption, card: GiftCard, paid: Decimal, where_authorised) -> list:
    """S6 for one card: paid on orders = what its captured points are worth."""
    where = f"redemption {r.pk} ({r.status}): gift card {card.pk}"
    value = money.quantize(paid, r.currency, rounding=ROUND_HALF_UP)
    problems = []
    if r.status in (RedemptionStatus.CAPTURED, RedemptionStatus.RETURNED):
        if paid != r.used_amount:
            problems.append(
                f"{where} paid {value} {r.currency} on orders, but the points captured "
                f"for it are worth {r.used_amount}"
            )
    elif paid:
        settled = "released" if r.status == RedemptionStatus.RELEASED else "still held"
        problems.append(
            f"{where} paid {value} {r.currency} on orders, but its points were {settled}"
        )
    if r.status != RedemptionStatus.HELD and where_authorised:
        problems.append(f"{where} is still authorised on {', '.join(where_authorised)}")
    return problems


def lock_gift_card(card_id: int | None, checkout_token: str) -> None:
    """The redemption's shop rows, in the fixed order: checkouts, then card."""
    _lock(card_id, checkout_token)
