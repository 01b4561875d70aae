"""In-memory shop ports for the Saleor-independent suite.

Each class stands in for one feature's port (``saleor_rewards/programs/*/ports.py``)
the way the Saleor adapter implements it, with what a test needs to arrange (known
e-mails, checkouts, order lines) and to look at afterwards (gift cards and vouchers
issued, tier changes announced). ``fake_shop`` bundles them as the API's ``Shop``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.mail import send_mail

from saleor_rewards.graphql.ports import Shop
from saleor_rewards.ledger.errors import InvalidInput
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.claims.ports import ShopRefund, StoredDocument
from saleor_rewards.programs.loyalty.ports import OrderDeliveryFacts
from saleor_rewards.programs.redemption.ports import CardPayment, CardUse, CheckoutFacts
from saleor_rewards.programs.reviews.ports import OrderLineInfo
from saleor_rewards.programs.vouchers.ports import NewVoucher

# Currencies whose smallest unit is not a hundredth (ISO 4217 minor units); the
# Saleor adapter asks Saleor's own source (babel) instead.
ISO_4217_EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF "  # noqa: SIM905
        "XPF".split(),
        0,
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),  # noqa: SIM905
}


@dataclass
class FakeChannels:
    """Channels that have a program; every member exists and is verified unless named."""

    unverified_members: frozenset[int] = frozenset()
    unknown_members: frozenset[int] = frozenset()

    def program(self, channel_slug: str) -> Program | None:
        return Program.objects.filter(channel_slug=channel_slug).first()

    def member_exists(self, user_id: int) -> bool:
        return user_id not in self.unknown_members

    def member_verified(self, user_id: int) -> bool:
        return user_id not in self.unverified_members


@dataclass
class FakeCustomers:
    """Known e-mails, paid customers and orders; a shop name for share texts."""

    emails: dict[int, str] = field(default_factory=dict)
    paid: set[int] = field(default_factory=set)
    orders: dict[int, list[str]] = field(default_factory=dict)
    name: str = "Example Shop"

    def member_emails(self, user_ids) -> dict[int, str]:
        return {uid: self.emails[uid] for uid in user_ids if uid in self.emails}

    def member_by_email(self, email: str) -> int | None:
        return next(
            (uid for uid, known in self.emails.items() if known.lower() == email.lower()),
            None,
        )

    def has_paid_order(self, user_id: int) -> bool:
        return user_id in self.paid

    def customer_order_ids(self, user_ids) -> dict[int, list[str]]:
        return {uid: self.orders.get(uid, []) for uid in user_ids}

    def shop_name(self) -> str:
        return self.name


class DjangoMailer:
    """Invitations through Django's configured mail backend (locmem in tests)."""

    def send_invite(self, to: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [to])


class FakeOrderLines:
    def __init__(self, lines=()):
        self.lines = {line.line_id: line for line in lines}

    def order_line(self, line_id: str) -> OrderLineInfo | None:
        return self.lines.get(line_id)


class FakeOrders:
    def __init__(self, orders=()):
        self.orders = {order.order_id: order for order in orders}

    def order_delivery(self, order_id: str) -> OrderDeliveryFacts | None:
        return self.orders.get(order_id)


class FakeVouchers:
    """Voucher codes kept in memory; the currency's precision from ISO 4217."""

    def __init__(self):
        self.vouchers: list[NewVoucher] = []

    def currency_precision(self, currency: str) -> int:
        return ISO_4217_EXPONENTS.get(currency, 2)

    def create_voucher(self, voucher: NewVoucher) -> str:
        self.vouchers.append(voucher)
        return f"stand-in-{len(self.vouchers)}"

    def forget_member(self, member_id: int) -> None:
        self.forgotten = [*getattr(self, "forgotten", []), member_id]


class FakeCheckouts:
    def __init__(self, checkouts=()):
        self.by_token = {checkout.token: checkout for checkout in checkouts}

    def checkout(self, token: str) -> CheckoutFacts | None:
        return self.by_token.get(token)


@dataclass
class GiftCardStandIn:
    code: str
    member_id: int
    balance: Decimal
    currency: str
    checkout_token: str | None
    active: bool = True
    paid: list[CardPayment] = field(default_factory=list)  # orders it paid
    promised: list[str] = field(default_factory=list)  # orders that may charge it


class FakeGiftCards:
    """Gift cards kept in memory, by id; ``pay`` and ``authorise`` stand in for the
    shop's orders using them."""

    def __init__(self):
        self.cards: dict[int, GiftCardStandIn] = {}

    def pay(self, card_id, order_id, amount):
        card = self.cards[card_id]
        card.balance -= amount
        card.paid.append(CardPayment(order_id, order_id, Decimal(amount)))

    def authorise(self, card_id, order_id):
        self.cards[card_id].promised.append(order_id)

    def card_use(self, card_id):
        card = self.cards[card_id]
        return CardUse(paid=tuple(card.paid), promised=tuple(card.promised))

    def issue_gift_card(self, checkout, member_id, amount, currency):
        card_id = len(self.cards) + 1
        self.cards[card_id] = GiftCardStandIn(
            f"RWD{card_id:09d}", member_id, amount, currency, checkout.token
        )
        return card_id, self.cards[card_id].code

    def withdraw_gift_card(self, card_id, checkout_token):
        card = self.cards[card_id]
        card.balance, card.active, card.checkout_token = Decimal(0), False, None

    def lock_gift_card(self, card_id, checkout_token):
        return None  # cards in memory: the checkout's lock serialises them


class FakeTierDiscounts:
    """Records the programs whose tiers staff changed and the codes erasure deleted."""

    def __init__(self):
        self.changed: list[Program] = []
        self.forgotten: list[str] = []

    def tiers_changed(self, program: Program) -> None:
        self.changed.append(program)

    def forget_codes(self, codes: list[str]) -> None:
        self.forgotten.extend(codes)


class FakeWithdrawalMail:
    """Records the mails about withdrawals: (member id, subject, body)."""

    def __init__(self):
        self.sent: list[tuple[int, str, str]] = []

    def notify_member(self, member_id: int, subject: str, body: str) -> None:
        self.sent.append((member_id, subject, body))


class FakeAffiliateShop:
    """Products, checkouts and mail of the affiliate program (A1, A2) in memory."""

    def __init__(self, products=("1",), checkouts=(), emails=None):
        self.products = set(products)
        self.checkouts = {party.token: party for party in checkouts}
        self.attributions: dict[str, str] = {}
        self.emails = dict(emails or {})
        self.sent: list[tuple[str, str, str]] = []

    def product_exists(self, product_id: str) -> bool:
        return product_id in self.products

    def checkout_party(self, token: str):
        return self.checkouts.get(token)

    def attribute_checkout(self, token: str, attribution: str) -> None:
        self.attributions[token] = attribution

    def member_email(self, member_id: int) -> str:
        return self.emails.get(member_id, "")

    def send_mail(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class FakeClaims:
    """Orders to claim, kept evidence and refunds, in memory (C1-C3)."""

    def __init__(self):
        self.orders = {}
        self.refunds = []
        self.mails = []

    def claim_order(self, order_id):
        return self.orders.get(order_id)

    def check_evidence(self, uploaded):
        if not uploaded.startswith("file_upload/"):
            raise InvalidInput(f"{uploaded!r} is not an upload.", field="evidenceUrls")

    def keep_evidence(self, uploaded, claim_id):
        name = f"claims/{claim_id}/{uploaded.rsplit('/', 1)[-1]}"
        return StoredDocument(name, uploaded.rsplit("/", 1)[-1], "application/pdf", 1)

    def refund_lines(self, order_id, quantities, amount, *, reason, actor):
        self.refunds.append((order_id, dict(quantities), amount))
        return ShopRefund(f"fake:{len(self.refunds)}", amount)

    def mail_buyer(self, order_id, subject, body):
        self.mails.append((order_id, subject))


def fake_shop(**ports) -> Shop:
    """A ``Shop`` of fresh fakes; ``ports`` replaces any of them by name."""
    parts = {
        "channels": FakeChannels(),
        "customers": FakeCustomers(),
        "mailer": DjangoMailer(),
        "order_lines": FakeOrderLines(),
        "orders": FakeOrders(),
        "vouchers": FakeVouchers(),
        "checkouts": FakeCheckouts(),
        "gift_cards": FakeGiftCards(),
        "tier_discounts": FakeTierDiscounts(),
        "withdrawal_mail": FakeWithdrawalMail(),
        "affiliates": FakeAffiliateShop(),
        "claims": FakeClaims(),
    }
    unknown = set(ports) - set(parts)
    assert not unknown, f"no such port: {unknown}"
    return Shop(**(parts | ports))
