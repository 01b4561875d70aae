"""What a request brings to the schema: who is calling, and where to look things up.

The Saleor adapter builds these from Saleor's own auth and models; the schema itself
never imports Saleor, so it also runs in the Saleor-independent suite.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.core.mail import send_mail

from .. import config
from ..ledger import Actor, ActorType
from ..ledger.errors import PermissionDenied, UnknownChannel
from ..ledger.models import Program
from ..programs.redemption.services import CheckoutFacts, GiftCards
from ..programs.referrals.services import ReferralShop
from ..programs.reviews.services import OrderLineInfo
from ..programs.vouchers.services import NewVoucher, VoucherShop


class RequestorKind:
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    STAFF = "staff"
    APP = "app"


@dataclass(frozen=True)
class Requestor:
    kind: str = RequestorKind.ANONYMOUS
    user_id: int | None = None
    app_id: int | None = None
    email: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == RequestorKind.ANONYMOUS

    def has_perm(self, permission: str) -> bool:
        return self.kind in (RequestorKind.STAFF, RequestorKind.APP) and (
            permission in self.permissions
        )

    def require_user(self) -> int:
        if self.user_id is None:
            raise PermissionDenied("You need to sign in as a customer to do this.")
        return self.user_id

    def require_perm(self, permission: str) -> None:
        if not self.has_perm(permission):
            raise PermissionDenied(f"You need the {permission} permission to do this.")

    def actor(self) -> Actor:
        if self.kind == RequestorKind.APP:
            return Actor(ActorType.APP, str(self.app_id))
        if self.kind == RequestorKind.STAFF:
            return Actor(ActorType.STAFF, str(self.user_id))
        if self.kind == RequestorKind.CUSTOMER:
            return Actor(ActorType.CUSTOMER, str(self.user_id))
        return Actor()


ANONYMOUS = Requestor()

class Directory(ReferralShop, VoucherShop, GiftCards, Protocol):
    """Lookups of things the shop platform owns (channels, customers)."""

    def program(self, channel_slug: str) -> Program | None: ...

    def member_exists(self, user_id: int) -> bool: ...

    def order_line(self, line_id: str) -> OrderLineInfo | None:
        """An order line by its platform id (B2 reviews); None when unknown."""
        ...

    def checkout(self, token: str) -> CheckoutFacts | None:
        """A checkout by its token (S1); None when unknown."""
        ...

    # Tiers (T1, T4)
    def member_verified(self, user_id: int) -> bool:
        """Whether the member's e-mail is verified (else: the Unverified tier)."""
        ...

    def tiers_changed(self, program: Program) -> None:
        """Staff changed the channel's tiers: bring the shop's discounts in line."""
        ...


class ProgramDirectory:
    """Knows only channels that already have a program; every member id exists.

    What the schema uses without a shop platform behind it (and in the
    Saleor-independent suite); the Saleor adapter provides the real directory.
    """

    def __init__(self, order_lines=(), checkouts=(), unverified_members=()):
        # The order lines, checkouts and unverified members it knows (the
        # Saleor-independent suite gives them), and the gift cards it issued.
        self.order_lines = {line.line_id: line for line in order_lines}
        self.vouchers: list[NewVoucher] = []  # created by S5 conversions
        self.checkouts = {checkout.token: checkout for checkout in checkouts}
        self.gift_cards: dict[int, GiftCardStandIn] = {}
        self.unverified_members = frozenset(unverified_members)

    def program(self, channel_slug: str) -> Program | None:
        return Program.objects.filter(channel_slug=channel_slug).first()

    def member_exists(self, user_id: int) -> bool:
        return True

    # Referrals (R1-R5): no shop behind it, so no e-mails, orders or shop name;
    # invitations go through Django's configured mail backend.
    def member_emails(self, user_ids) -> dict[int, str]:
        return {}

    def member_by_email(self, email: str) -> int | None:
        return None

    def has_paid_order(self, user_id: int) -> bool:
        return False

    def customer_order_ids(self, user_ids) -> dict[int, list[str]]:
        return {}

    def shop_name(self) -> str:
        return ""

    def send_invite(self, to: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [to])

    def order_line(self, line_id: str) -> OrderLineInfo | None:
        return self.order_lines.get(line_id)

    # Voucher codes (S5): kept in memory.
    def create_voucher(self, voucher: NewVoucher) -> str:
        self.vouchers.append(voucher)
        return f"stand-in-{len(self.vouchers)}"

    # Paying with points (S1): gift cards kept in memory.
    def checkout(self, token: str) -> CheckoutFacts | None:
        return self.checkouts.get(token)

    def issue_gift_card(self, checkout, member_id, amount, currency):
        card_id = len(self.gift_cards) + 1
        self.gift_cards[card_id] = GiftCardStandIn(
            f"RWD{card_id:09d}", member_id, amount, currency, checkout.token
        )
        return card_id, self.gift_cards[card_id].code

    def withdraw_gift_card(self, card_id, checkout_token):
        card = self.gift_cards[card_id]
        card.balance, card.active, card.checkout_token = Decimal(0), False, None

    def lock_gift_card(self, card_id, checkout_token):
        return None  # cards in memory: the checkout's lock serialises them

    # Tiers (T1, T4): members are verified unless named; no shop discounts to update.
    def member_verified(self, user_id: int) -> bool:
        return user_id not in self.unverified_members

    def tiers_changed(self, program: Program) -> None:
        return None


@dataclass
class GiftCardStandIn:
    code: str
    member_id: int
    balance: Decimal
    currency: str
    checkout_token: str | None
    active: bool = True


@dataclass
class RewardsContext:
    requestor: Requestor = ANONYMOUS
    directory: Directory = field(default_factory=ProgramDirectory)
    plugin_settings: Mapping[str, object] = field(default_factory=dict)

    def program(self, channel_slug: str) -> Program:
        program = self.directory.program(channel_slug)
        if program is None:
            raise UnknownChannel(f"Channel {channel_slug!r} does not exist.", field="channel")
        return program

    def settings_for(self, program: Program) -> dict:
        return config.resolve(self.plugin_settings, program.settings)
