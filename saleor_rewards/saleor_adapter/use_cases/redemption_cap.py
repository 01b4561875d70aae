"""The cap on paying with points in Saleor (S1): refused at completion, fitted when
the checkout changes.

The cap is checked when points are applied, but a checkout changes afterwards
(lines removed, a voucher added). Two things keep it:

- ``refuse_above_cap`` runs in Saleor's ``preprocess_order_creation``, the
  synchronous check before an order is made from the checkout (both payment flows,
  ``checkoutComplete`` and ``orderCreateFromCheckout``; Saleor 3.23.28
  ``checkout/complete_checkout.py``): the rewards gift cards may pay at most the
  member's cap of the checkout's products as they are completed. This is the
  guarantee.
- ``fit_to_cap`` runs after a checkout update (the plugin's ``checkout_updated``
  hook queues it): a redemption whose card sits on the checkout is lowered to the
  new cap, so the customer sees the right total and completes without a refusal.
  It never touches a checkout being paid, nor a card the storefront pays through
  Saleor's gift card payment gateway (the storefront holds its code and amount):
  those are refused at completion and the customer applies points again.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from saleor.checkout import calculations
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.discount.utils.voucher import (
    get_customer_email_for_voucher_usage,
    release_voucher_code_usage,
)

from ...ledger.errors import RewardsError
from ...programs import locks
from ...programs.redemption import cap
from ...programs.redemption import services as redemption
from ..settings import program_settings
from ..shop import channels, checkouts, gift_cards


def refuse_above_cap(checkout_info, lines, cards=None) -> None:
    """Saleor's ``preprocess_order_creation``: raise Saleor's ``ValidationError``
    when the checkout's rewards gift cards carry more than the member's cap of its
    products now (``giftCards``, ``GIFT_CARD_NOT_APPLICABLE``). ``cards``: the
    checkout's ``card_payments.checkout_cards``, when read already."""
    found = checkout_info.checkout
    value = checkouts.rewards_cards_value(found, cards)
    if value <= 0:
        return
    program = channels.program(checkout_info.channel.slug)
    if program is None:
        return
    subtotal = calculations.checkout_subtotal(
        manager=checkout_info.manager, checkout_info=checkout_info, lines=lines
    )
    facts = checkouts.facts(found, subtotal.net.amount)
    try:
        cap.refuse_above_cap(program, program_settings(program), facts, value)
    except RewardsError as error:
        give_back_voucher_use(checkout_info)
        raise ValidationError(
            {
                "gift_cards": ValidationError(
                    error.message, code=CheckoutErrorCode.GIFT_CARD_NOT_APPLICABLE.value
                )
            }
        ) from error


def give_back_voucher_use(checkout_info) -> None:
    """Saleor 3.23.28's legacy payment flow counts the use of the checkout's voucher
    before it runs ``preprocess_order_creation``, and keeps it counted when the check
    refuses for any reason but a tax error (``complete_checkout._prepare_order_data``):
    a single-use code — a voucher bought with points — would be spent without an
    order. Give the use back, as Saleor does after a tax error."""
    found = checkout_info.checkout
    if not found.is_voucher_usage_increased:
        return
    found.is_voucher_usage_increased = False
    found.save(update_fields=["is_voucher_usage_increased"])
    release_voucher_code_usage(
        checkout_info.voucher_code,
        checkout_info.voucher,
        get_customer_email_for_voucher_usage(checkout_info),
    )


def fit_to_cap(token) -> str:
    """Lower the checkout's open redemption to its cap now; says what it did:
    none, fits, lowered, released, paying, gateway, ordered."""
    token = str(token)
    with transaction.atomic():
        locks.checkout(token)
        held = redemption.open_redemption(token)
        if held is None:
            return "none"
        gift_cards.lock_gift_card(held.gift_card_id, token)  # with its other checkouts
        found = Checkout.objects.filter(token=token).first()
        if found is None:
            return "ordered"
        if checkouts.payment_started(found):
            return "paying"
        if not found.gift_cards.filter(pk=held.gift_card_id).exists():
            return "gateway"
        program = held.program
        after = redemption.fit_to_cap(
            program, program_settings(program), checkouts.checkout(token), cards=gift_cards
        )
    if after is None:
        return "released"
    return "fits" if after.id == held.id else "lowered"
