"""The shop platform behind the API: one port per feature, bundled for a request.

Each feature declares what it asks the shop in its own ``ports.py``; the Saleor
adapter implements every one (modules of ``saleor_adapter/shop/``, and
``tasks/tiers.py`` for the tier discounts: PEP 544 lets a module implement a
protocol) and hands this bundle to each request in ``plugin.webhook``. The
Saleor-independent suite builds it from the in-memory fakes in ``tests/fakes.py``.
Nothing here has a default: a context without a real shop behind it is a
programming error, not an empty shop.
"""

from dataclasses import dataclass

from ..programs.affiliates.ports import AffiliateShop
from ..programs.channel.ports import Channels
from ..programs.claims.ports import ClaimShop
from ..programs.loyalty.ports import Orders
from ..programs.redemption.ports import Checkouts, GiftCards
from ..programs.referrals.ports import Mailer, ReferralShop
from ..programs.reviews.ports import OrderLines
from ..programs.tiers.ports import TierDiscounts
from ..programs.vouchers.ports import VoucherIssuer
from ..programs.withdrawals.ports import WithdrawalMail


@dataclass(frozen=True, kw_only=True)
class Shop:
    channels: Channels  # programs of channels, customers exist / are verified
    customers: ReferralShop  # e-mails, paid orders, the shop's name (R1-R5)
    mailer: Mailer  # invitations (R2)
    order_lines: OrderLines  # lines customers review (B2)
    orders: Orders  # orders customers confirm as delivered (L2)
    vouchers: VoucherIssuer  # voucher codes bought with points (S5)
    checkouts: Checkouts  # checkouts paid with points (S1)
    gift_cards: GiftCards  # the cards that carry the points (S1-S4)
    tier_discounts: TierDiscounts  # the shop's tier discounts (T4)
    withdrawal_mail: WithdrawalMail  # mails about a member's withdrawal (W5)
    affiliates: AffiliateShop  # products, checkouts to attribute, decision mail (A1, A2)
    claims: ClaimShop  # orders claimed, evidence, refunds, mail (C1-C6)
