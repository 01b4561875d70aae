"""How much of a checkout rewards may pay (S1, S5, T1): the member's cap.

The member's percent is the lower of the program's ``max_redeem_percent`` and their
tier's (T1: Unverified 0 %, so an unverified member cannot pay with points at all).
It applies to the checkout's product subtotal before rewards — lines after
discounts, net of tax, without shipping, plus what a voucher bought with points
(S5) takes off them — and covers all rewards together: a points voucher on the
checkout leaves that much less for the gift cards.

One rule, three moments: when points are applied (``services.redeem``), when the
checkout changes (``services.fit_to_cap`` lowers the redemption) and at completion,
against the checkout as it is completed (``refuse_above_cap``, which the Saleor
adapter runs in Saleor's ``preprocess_order_creation``).
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from ...ledger.errors import LimitExceeded, NotEligible
from ...ledger.models import Program
from ...money import quantize
from ..tiers.services import current_tier
from .amounts import HUNDRED, ZERO, redeem_cap
from .ports import CheckoutFacts


@dataclass(frozen=True)
class MemberCap:
    percent: Decimal  # of the product subtotal; 0 = cannot pay with rewards
    tier_name: str | None  # the member's tier, when it set the cap
    unverified: bool  # the tier is the one of members with an unverified e-mail


def member_cap(
    program: Program, member_id: int | None, settings: dict, *, verified: bool | None = None
) -> MemberCap:
    """The member's cap (S1, T1); a checkout without a member (a guest) gets 0 %."""
    if member_id is None:
        return MemberCap(ZERO, None, False)
    program_cap = Decimal(settings["max_redeem_percent"])
    tier = current_tier(program, member_id, verified)
    if tier is None or tier.max_redeem_percent is None or tier.max_redeem_percent >= program_cap:
        return MemberCap(program_cap, None, False)
    return MemberCap(tier.max_redeem_percent, tier.name, tier.for_unverified)


def redeem_cap_percent(
    program: Program, member_id: int, settings: dict, *, verified: bool | None = None
) -> Decimal:
    """The member's redemption cap in percent (S1): the lower of the program's and
    the member's tier's (T1)."""
    return member_cap(program, member_id, settings, verified=verified).percent


def refuse_ineligible(cap: MemberCap, field: str | None = None) -> None:
    """A cap of 0 %: the member cannot pay with rewards at all (NOT_ELIGIBLE)."""
    if cap.percent > 0:
        return
    if cap.unverified:
        message = "Verify your e-mail address to pay with rewards."
    elif cap.tier_name:
        message = f"Members of the {cap.tier_name} tier cannot pay with rewards."
    else:
        message = "Paying with rewards is not possible here."
    raise NotEligible(message, field=field)


def voucher_min_spent(amount: Decimal, cap: MemberCap, currency: str) -> Decimal:
    """S5: a voucher of ``amount`` needs products of at least amount x 100 / cap,
    rounded up to the currency, so it never pays more than the cap."""
    refuse_ineligible(cap, "points")
    return quantize(amount * HUNDRED / cap.percent, currency, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class CheckoutCap:
    member: MemberCap
    total: Decimal  # most rewards of every kind on the checkout
    for_cards: Decimal  # what is left of it for gift cards, after a points voucher
    currency: str

    def describe(self) -> str:
        text = (
            f"At most {self.total} {self.currency} ({self.member.percent.normalize():f} % "
            f"of the products) of this checkout can be paid with rewards"
        )
        if self.for_cards < self.total:
            text += f", {self.total - self.for_cards} {self.currency} of it by a points voucher"
        return text


def checkout_cap(
    program: Program, settings: dict, checkout: CheckoutFacts, member_id: int | None = None
) -> CheckoutCap:
    """What rewards may pay of the checkout as it is now: the cap of ``member_id``
    (default: the checkout's owner) on its products before rewards (S1, S5)."""
    owner = checkout.owner_id if member_id is None else member_id
    verified = checkout.owner_verified if owner == checkout.owner_id else None
    member = member_cap(program, owner, settings, verified=verified)
    voucher = max(ZERO, checkout.rewards_discount)
    total = redeem_cap(checkout.product_subtotal + voucher, member.percent, checkout.currency)
    return CheckoutCap(member, total, max(ZERO, total - voucher), checkout.currency)


def refuse_above_cap(
    program: Program, settings: dict, checkout: CheckoutFacts, cards_value: Decimal
) -> None:
    """At completion (S1): the rewards gift cards on the checkout as it is completed
    carry at most the cap; refused otherwise, telling the customer what to do."""
    if cards_value <= 0:
        return
    cap = checkout_cap(program, settings, checkout)
    refuse_ineligible(cap.member, "giftCards")
    if cards_value > cap.for_cards:
        raise LimitExceeded(
            f"{cap.describe()}, but its rewards gift cards carry {cards_value} "
            f"{cap.currency}: the checkout changed after the points were applied. "
            "Apply your points again to pay within the cap.",
            field="giftCards",
        )
