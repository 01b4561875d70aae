"""What paying with points (S1-S4) asks the shop platform: checkouts and gift cards.

The Saleor adapter implements them (``saleor_adapter/shop/checkouts.py`` and
``gift_cards.py``).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class CheckoutFacts:
    """What the shop says about a checkout now."""

    token: str
    owner_id: int | None  # the signed-in customer who owns it; None for a guest
    channel_slug: str
    currency: str
    product_subtotal: Decimal  # product lines after discounts, net of tax, no shipping
    # What a voucher bought with points (S5) takes off those products: rewards too,
    # so it counts against the member's cap (``cap.py``).
    rewards_discount: Decimal = Decimal(0)
    # Whether the owner's e-mail is verified (T1: Unverified cannot pay with points);
    # None: unknown, the member's stored tier counts.
    owner_verified: bool | None = None


@dataclass(frozen=True)
class CardPayment:
    """The shop's record of a card paying (part of) one order."""

    order_id: str
    label: str  # how people name the order ("#1042")
    amount: Decimal


@dataclass(frozen=True)
class CardUse:
    """What a gift card did anywhere in the shop (S6), read under its row lock.

    ``paid``: every order it paid, oldest first, whichever checkout the order came
    from. ``promised``: orders the shop has authorised to charge it and may still
    charge (the gift card gateway charges when the order is confirmed).
    """

    paid: tuple[CardPayment, ...] = ()
    promised: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((payment.amount for payment in self.paid), Decimal(0))


class Checkouts(Protocol):
    def checkout(self, token: str) -> CheckoutFacts | None:
        """A checkout by its token; None when unknown."""
        ...


class GiftCards(Protocol):
    """The shop's gift cards, as redemptions use them."""

    def issue_gift_card(
        self, checkout: CheckoutFacts, member_id: int, amount: Decimal, currency: str
    ) -> tuple[int, str]:
        """A card of ``amount`` restricted to the member, attached to the checkout;
        returns (card id, code)."""
        ...

    def withdraw_gift_card(self, card_id: int, checkout_token: str) -> None:
        """Empty and deactivate the card, detach it from every checkout it is on and
        void its authorisations on checkouts: no checkout looks paid by it any more."""
        ...

    def lock_gift_card(self, card_id: int | None, checkout_token: str) -> None:
        """Lock the shop's checkout (while it exists) and every other checkout the
        card is on, then the card, if any, until the transaction ends (2 and 3 of
        the order in ``programs/locks.py``)."""
        ...

    def card_use(self, card_id: int | None) -> CardUse:
        """What the card paid, on any order, and what it may still be charged for;
        asked under ``lock_gift_card`` (S6)."""
        ...
