"""Saleor's checkouts as the ``Checkouts`` port: what paying with points sees (S1)."""

from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from saleor.checkout import calculations
from saleor.checkout.models import Checkout

from ... import money
from ...programs.redemption.models import Redemption
from ...programs.redemption.ports import CheckoutFacts
from ...programs.vouchers.models import VoucherConversion
from .card_payments import CheckoutCard, checkout_cards
from .gift_cards import checkout_context

ZERO = Decimal(0)


def checkout(token: str) -> CheckoutFacts | None:
    """The checkout's owner and product subtotal: lines after discounts, net of tax,
    without shipping (Saleor's ``checkout_subtotal``, which recalculates stale
    prices)."""
    try:
        UUID(str(token))
    except ValueError:
        return None
    found = Checkout.objects.select_related("channel", "user").filter(token=token).first()
    if found is None:
        return None
    manager, lines, info = checkout_context(found)
    subtotal = calculations.checkout_subtotal(manager=manager, checkout_info=info, lines=lines)
    return facts(info.checkout, subtotal.net.amount)


def facts(found: Checkout, product_subtotal: Decimal) -> CheckoutFacts:
    """What the programs see of a Saleor checkout whose prices are current."""
    return CheckoutFacts(
        token=str(found.token),
        owner_id=found.user_id,
        channel_slug=found.channel.slug,
        currency=found.currency,
        product_subtotal=product_subtotal,
        rewards_discount=points_voucher_discount(found),
        owner_verified=found.user.is_confirmed if found.user_id else None,
    )


def points_voucher_discount(found: Checkout) -> Decimal:
    """What a voucher bought with points (S5) takes off the checkout's products:
    Saleor's entire-order discount, when the checkout's code is one of ours."""
    code = found.voucher_code
    if not code or not VoucherConversion.objects.filter(code=code).exists():
        return ZERO
    return _in_currency(found.discount_amount or ZERO, found.currency)


def _in_currency(amount: Decimal, currency: str) -> Decimal:
    # Saleor stores amounts with 3 decimals; ours are exact in the currency.
    return money.quantize(amount, currency, rounding=ROUND_HALF_UP)


def payment_started(found: Checkout) -> bool:
    """Someone is paying the checkout: its total must not change under them."""
    return found.payments.filter(is_active=True).exists() or found.payment_transactions.exists()


def rewards_cards_value(found: Checkout, cards: list[CheckoutCard] | None = None) -> Decimal:
    """What the plugin's gift cards will pay of the checkout (S1), in both flows.

    A card on the checkout (legacy gift card use, either payment flow) pays its
    balance at completion; a card authorised through Saleor's gift card payment
    gateway pays what was authorised, charged at confirmation. A card pays at most
    its balance, whichever way it is used. ``cards``: the checkout's
    ``checkout_cards``, when read already.
    """
    if cards is None:
        cards = checkout_cards(found.pk)
    if not cards:
        return _in_currency(ZERO, found.currency)
    attached = set()
    authorised = {}
    balances = {}
    for card in cards:
        balances[card.card_id] = card.balance
        if card.attached:
            attached.add(card.card_id)
        else:
            authorised[card.card_id] = (
                authorised.get(card.card_id, ZERO) + card.authorized + card.charged
            )
    ours = set(
        Redemption.objects.filter(gift_card_id__in=set(balances)).values_list(
            "gift_card_id", flat=True
        )
    )
    total = ZERO
    for card_id in ours:
        balance = balances[card_id]
        on_checkout = balance if card_id in attached else ZERO
        total += min(balance, on_checkout + authorised.get(card_id, ZERO))
    return _in_currency(total, found.currency)
