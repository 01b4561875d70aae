"""The main job, end to end: a storefront story through Saleor's real GraphQL API.

    make demo                # or: .venv/bin/python scripts/demo.py [--rebuild]

Against Saleor 3.23 + the plugin on a fresh database (a copy of an empty, fully
migrated template; ``--rebuild`` migrates the template from scratch, ~4 minutes):

 1. Sam registers through Saleor's ``accountRegister``;
 2. Sam verifies his e-mail (``confirmAccount``): sign-up bonus (B1);
 3. Fay registers with Sam's referral code in her account metadata (R3);
 4. Fay verifies her e-mail (B1);
 5. Fay checks out 3 coffees at 20.00 + 5.00 shipping and pays (legacy payments
    API, dummy gateway): her purchase points and Sam's referral reward are
    pending (L1, L2, R6);
 6. staff fulfil the order: both become available (L2);
 7. staff refund one coffee: a third of both is taken back, soonest-expiring
    points first (L3);
 8. 45 days later the 30-day bonus points have expired (L4);
 9. 61 days later the rest has expired too (L4, R8);
10. the merchant opens a EUR channel ``demo-eu``; Sam becomes an affiliate and Fay
    buys there through his link: his cash commission is pending, then available
    after delivery (A1-A4, ``demo_affiliates.affiliate_sale``);
11. Sam withdraws exactly that commission by SEPA transfer: request, approval, the
    pain.001 file, paid (W1-W6, ``demo_withdrawals.cash_out``);
12. Sam's guarantee claim in ``demo``: evidence, information requested, approved at
    the ceiling, Saleor's refund, compensation in cash, the deposit lowered (C1-C3,
    ``demo_claims.claim_story``; last, as its refund takes back points);
13. Sam downloads his data (P1): its balances equal the endpoint's, his bank
    account masked; then ``rewards_audit`` recomputes every balance.

After every step it prints each member's balance and newest history from the
plugin's endpoint, next to what SPEC's arithmetic says, and exits 1 if any figure
differs. Talks only to 127.0.0.1.

The terminal shows the story only: Saleor's own output (uvicorn, Saleor's structured
JSON logging, Celery's task logs, django-admin's stderr) goes to a log file,
``.venv-reports/demo-saleor.log`` unless ``--log`` says otherwise. Without Saleor 3.23
importable it says so and exits 2.
"""

import argparse
import json
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

import saleor_server as srv
from demo_affiliates import affiliate_sale
from demo_claims import claim_story
from demo_withdrawals import DEMO_ENV, EUR_CHANNEL_SETUP, cash_out

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG = os.path.join(ROOT, ".venv-reports", "demo-saleor.log")
SALEOR_SPEC = "saleor @ git+https://github.com/saleor/saleor.git@3.23.28"
# REWARDS_DEMO_DB names another pair of databases, so two checkouts can run the demo
# side by side (the template is "<name>_template").
DATABASE = os.environ.get("REWARDS_DEMO_DB", "saleor_rewards_demo")
TEMPLATE = f"{DATABASE}_template"
CHANNEL = "demo"
EUR_CHANNEL = "demo-eu"  # the affiliate's sale and his SEPA cash-out happen in euros
PASSWORD = "Demo-Passw0rd!"
PRICE, QUANTITY, SHIPPING = Decimal("20.00"), 3, Decimal("5.00")
SECOND_QUANTITY = 10
SETTINGS = {  # what the merchant sets in the Dashboard (pluginUpdate)
    "loyalty_earn_percent": "2.5",
    "referral_reward_percent": "1",
    "points_per_unit": "100",
    "signup_bonus_points": "100",
    "expiry_days_bonus": "30",
    "expiry_days_loyalty": "60",
    "expiry_days_referral": "60",
    "storefront_referral_url": "https://shop.example/?ref={code}",
    "affiliate_commission_percent": "10",
}

SHOP_SETUP = """
import datetime
from decimal import Decimal
from saleor.account.models import Address, User
from saleor.channel.models import Channel
from saleor.plugins.models import PluginConfiguration
from saleor.product.models import (Category, Product, ProductChannelListing,
    ProductType, ProductVariant, ProductVariantChannelListing)
from saleor.shipping.models import ShippingMethodChannelListing, ShippingZone
from saleor.site.models import SiteSettings
from saleor.tax.models import TaxConfiguration
from saleor.warehouse.models import Stock, Warehouse

channel = Channel.objects.create(name="Demo", slug="demo", currency_code="USD",
    default_country="US", is_active=True)
TaxConfiguration.objects.create(channel=channel, charge_taxes=False)
zone = ShippingZone.objects.create(name="US", countries=["US"])
zone.channels.add(channel)
method = zone.shipping_methods.create(name="Post", type="price")
ShippingMethodChannelListing.objects.create(channel=channel, shipping_method=method,
    currency="USD", minimum_order_price_amount=0, price_amount=Decimal("5.00"))
warehouse = Warehouse.objects.create(name="Main", slug="main", email="w@example.com",
    address=Address.objects.create(first_name="W", last_name="H",
        street_address_1="1 Main St", city="NEW YORK", postal_code="10001",
        country="US", country_area="NY"))
warehouse.shipping_zones.add(zone)
warehouse.channels.add(channel)
kind = ProductType.objects.create(name="Coffee", slug="coffee", has_variants=False,
    is_shipping_required=True)
product = Product.objects.create(name="Coffee", slug="coffee", product_type=kind,
    category=Category.objects.create(name="Drinks", slug="drinks"))
ProductChannelListing.objects.create(product=product, channel=channel, is_published=True,
    visible_in_listings=True, currency="USD",
    available_for_purchase_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
variant = ProductVariant.objects.create(product=product, sku="COFFEE")
ProductVariantChannelListing.objects.create(variant=variant, channel=channel,
    currency="USD", price_amount=Decimal("20.00"), discounted_price_amount=Decimal("20.00"))
Stock.objects.create(warehouse=warehouse, product_variant=variant, quantity=100)
site = SiteSettings.objects.get()
site.enable_account_confirmation_by_email = True
site.save()
staff = User(email="staff@example.com", is_staff=True, is_superuser=True,
    is_active=True, is_confirmed=True)
staff.set_password("{password}")
staff.save()
from saleor.account.models import Group
from saleor.permission.models import Permission
group = Group.objects.create(name="Full access", restricted_access_to_channels=False)
group.permissions.set(Permission.objects.all())
group.user_set.add(staff)
print("IDS", variant.id, warehouse.id)
""".replace("{password}", PASSWORD)

# The same coffee sold in the EUR channel (made by EUR_CHANNEL_SETUP): 20.00 EUR,
# shipping 5.00 EUR from the same warehouse.
EUR_SHOP_SETUP = """
import datetime
from decimal import Decimal
from saleor.channel.models import Channel
from saleor.product.models import (Product, ProductChannelListing, ProductVariant,
    ProductVariantChannelListing)
from saleor.shipping.models import ShippingMethodChannelListing, ShippingZone
from saleor.warehouse.models import Warehouse

channel = Channel.objects.get(slug="demo-eu")
zone = ShippingZone.objects.get(name="US")
zone.channels.add(channel)
ShippingMethodChannelListing.objects.create(channel=channel,
    shipping_method=zone.shipping_methods.get(), currency="EUR",
    minimum_order_price_amount=0, price_amount=Decimal("5.00"))
Warehouse.objects.get(slug="main").channels.add(channel)
ProductChannelListing.objects.create(product=Product.objects.get(slug="coffee"),
    channel=channel, is_published=True, visible_in_listings=True, currency="EUR",
    available_for_purchase_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
ProductVariantChannelListing.objects.create(variant=ProductVariant.objects.get(sku="COFFEE"),
    channel=channel, currency="EUR", price_amount=Decimal("20.00"),
    discounted_price_amount=Decimal("20.00"))
"""

TOKEN_FOR = """
from saleor.account.models import User
from saleor.core.tokens import account_confirm_token_generator
print("TOKEN", account_confirm_token_generator.make_token(User.objects.get(email="{email}")))
"""

# --- Saleor's storefront and Dashboard API -----------------------------------------------

TOKEN_CREATE = """mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { field message } } }"""
PLUGIN_UPDATE = """mutation($id: ID!, $channel: ID, $input: PluginUpdateInput!) {
  pluginUpdate(id: $id, channelId: $channel, input: $input) { errors { field message } } }"""
CHANNEL_ID = """query($slug: String!) { channel(slug: $slug) { id } }"""
REGISTER = """mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { errors { field code message } requiresConfirmation } }"""
CONFIRM = """mutation($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) { errors { field message } } }"""
CHECKOUT = """mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    errors { field message } checkout { id shippingMethods { id } } } }"""
DELIVERY = """mutation($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {
    errors { field message } checkout { totalPrice { gross { amount } } } } }"""
PAY = """mutation($id: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(id: $id, input: $input) { errors { field message } } }"""
COMPLETE = """mutation($id: ID!) {
  checkoutComplete(id: $id) { errors { field message } order { id chargeStatus } } }"""
FULFIL = """mutation($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) { errors { field message } } }"""
ORDER = """query($id: ID!) { order(id: $id) {
  lines { id quantity } fulfillments { status lines { id quantity } } } }"""
REFUND_LINES = """mutation($order: ID!, $input: OrderRefundProductsInput!) {
  orderFulfillmentRefundProducts(order: $order, input: $input) {
    errors { field message } } }"""
CHECKOUT_TOTAL = """query($id: ID!) {
  checkout(id: $id) { totalPrice { gross { amount } } } }"""
REDEEM = """mutation($checkoutId: ID!, $points: Int) {
  rewardsCheckoutRedeem(checkoutId: $checkoutId, points: $points) {
    errors { field code message } redemption { points amount { amount currency } status } } }"""
ME = """query($channel: String!) { rewardsMe(channel: $channel) {
  points { available pending held }
  referral { code friendsCount }
  tier { name discountPercent progress { spent { amount } nextTier remaining { amount } } }
  history(first: 10, kind: POINTS) {
    totalCount edges { node { type amount balanceAfter reason } } } } }"""
AFFILIATE_CASH = """query($channel: String!) { rewardsMe(channel: $channel) {
  cash { available { amount currency } } } }"""
BALANCES = """query($channel: String!) { rewardsMe(channel: $channel) {
  points { available pending held }
  cash { available { amount } pending { amount } held { amount } } } }"""
DATA_EXPORT = """query { rewardsDataExport }"""
SAM_BANK = {"iban": "DE89 3704 0044 0532 0130 00", "accountHolder": "Sam Brewer"}

ADDRESS = {
    "firstName": "Fay",
    "lastName": "Lee",
    "streetAddress1": "1 Main St",
    "city": "NEW YORK",
    "postalCode": "10001",
    "country": "US",
    "countryArea": "NY",
}


# --- What SPEC's arithmetic says ----------------------------------------------------------


@dataclass
class Lot:
    points: int
    expires: int  # story day


@dataclass
class Expected:
    """A member's points as SPEC computes them: lots, FEFO, expiry by story day."""

    available: list[Lot] = field(default_factory=list)
    pending: list[tuple[int, int]] = field(default_factory=list)  # (points, expiry days)
    held: int = 0

    def credit(self, points, day, expiry_days):
        self.available.append(Lot(points, day + expiry_days))

    def credit_pending(self, points, expiry_days):
        self.pending.append((points, expiry_days))

    def activate(self, day):
        for points, days in self.pending:
            self.available.append(Lot(points, day + days))
        self.pending = []

    def revoke(self, points):  # L3: soonest-expiring first, down to zero (U8)
        for lot in sorted(self.available, key=lambda lot: lot.expires):
            taken = min(lot.points, points)
            lot.points -= taken
            points -= taken

    def hold(self, points):  # S1: reserved from the soonest-expiring lots (U4)
        assert sum(lot.points for lot in self.available) >= points
        self.revoke(points)
        self.held += points

    def capture(self):
        self.held = 0

    def expire(self, day):
        self.available = [lot for lot in self.available if lot.expires > day]

    def figures(self) -> tuple[int, int, int]:
        return (
            sum(lot.points for lot in self.available),
            sum(points for points, _ in self.pending),
            self.held,
        )


# T1's default levels: (name, consumption from, automatic discount %); verified members.
TIERS = [
    ("Regular", 0, "0.5"),
    ("VIP-D", 200, "1"),
    ("VIP-C", 800, "2"),
    ("VIP-B", 1500, "3"),
    ("VIP-A", 3000, "4"),
    ("Top-VIP", 5000, "5"),
]


def tier_for(consumption: Decimal) -> tuple[str, Decimal]:
    name, _, percent = [tier for tier in TIERS if consumption >= tier[1]][-1]
    return name, Decimal(percent)


def after_tier_discount(products: Decimal, consumption: Decimal) -> Decimal:
    """The products' price after the member's automatic tier discount (T4)."""
    discount = (products * tier_for(consumption)[1] / 100).quantize(Decimal("0.01"))
    return products - discount


def percent_points(basis: Decimal, percent: str) -> int:
    value = basis * Decimal(percent) / 100 * int(SETTINGS["points_per_unit"])
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def kept(points: int, basis: Decimal, refunded: Decimal) -> int:
    return int((Decimal(points) * (basis - refunded) / basis).to_integral_value(ROUND_FLOOR))


# --- The story -----------------------------------------------------------------------------


NO_REASON = {"ACTIVATE": "delivered: pending -> available", "EXPIRE": "expired"}


def _entry(node: dict) -> str:
    """One history entry: type, change, available balance after, reason."""
    amount = int(node["amount"])
    change = f"{amount:+d}" if amount else ""
    reason = node["reason"] or NO_REASON.get(node["type"], "")
    return (
        f"  {node['type'].lower():<9}{change:>6}  available after "
        f"{int(node['balanceAfter']):>4}  {reason}"
    )


class Story:
    def __init__(self, saleor: srv.Saleor, env: dict):
        self.saleor, self.env = saleor, env
        self.tokens: dict[str, str] = {}
        self.emails = {"Sam": "sam@example.com", "Fay": "fay@example.com"}
        self.expected = {"Sam": Expected(), "Fay": Expected()}
        self.failures = 0
        self.seen: dict[str, int] = {}
        self.step_no = 0
        # Points are kept per channel: the channel the story plays in, and the
        # expectations and history already shown of every channel it played in.
        self.channel = CHANNEL
        self.books: dict[str, tuple[dict[str, Expected], dict[str, int]]] = {}

    def switch(self, channel: str) -> None:
        """Play on in ``channel`` (checkouts, balances); each channel keeps its figures."""
        self.books[self.channel] = (self.expected, self.seen)
        self.channel = channel
        self.expected, self.seen = self.books.get(
            channel, ({"Sam": Expected(), "Fay": Expected()}, {})
        )

    def sign_in(self, name: str, email: str) -> str:
        data = self.saleor.graphql(TOKEN_CREATE, {"email": email, "password": PASSWORD})
        self.tokens[name] = data["tokenCreate"]["token"]
        return self.tokens[name]

    def me(self, name: str) -> dict:
        return self.saleor.rewards(ME, {"channel": self.channel}, self.tokens[name])["rewardsMe"]

    def report(self, title: str) -> None:
        """Balances next to SPEC's figures, then the history entries this step added."""
        self.step_no += 1
        where = "" if self.channel == CHANNEL else f" [channel {self.channel}]"
        print(f"\nStep {self.step_no}{where}: {title}")
        print(f"  {'member':<8}{'available':>10}{'pending':>9}{'held':>6}  {'SPEC says':>15}")
        for name in ("Sam", "Fay"):
            if name not in self.tokens:
                continue
            me = self.me(name)
            got = (me["points"]["available"], me["points"]["pending"], me["points"]["held"])
            want = self.expected[name].figures()
            ok = got == want
            self.failures += not ok
            tier = me["tier"]
            print(
                f"  {name:<8}{got[0]:>10}{got[1]:>9}{got[2]:>6}  "
                f"{want[0]:>5} / {want[1]:<4}/ {want[2]:<4}"
                f"{'ok' if ok else 'DIFFERS'}   tier {tier['name']} "
                f"({tier['discountPercent']:g} % off), spent "
                f"{tier['progress']['spent']['amount']:.2f}"
            )
            history = me["history"]
            added = history["totalCount"] - self.seen.get(name, 0)
            self.seen[name] = history["totalCount"]
            for edge in reversed(history["edges"][:added]):
                print(f"  {'':8}{_entry(edge['node'])}")

    def checkout(self, name: str, quantity: int) -> tuple[str, Decimal]:
        """A checkout of ``quantity`` coffees with shipping chosen: (id, total)."""
        token = self.tokens[name]
        variant = srv.global_id("ProductVariant", self.variant_id)
        checkout = {
            "channel": self.channel,
            "lines": [{"variantId": variant, "quantity": quantity}],
            "shippingAddress": ADDRESS,
            "billingAddress": ADDRESS,
        }
        created = self.saleor.graphql(CHECKOUT, {"input": checkout}, token)["checkoutCreate"]
        checkout_id = created["checkout"]["id"]
        method = created["checkout"]["shippingMethods"][0]["id"]
        return checkout_id, self.total(name, checkout_id, method)

    def total(self, name: str, checkout_id: str, method: str | None = None) -> Decimal:
        if method:
            data = self.saleor.graphql(
                DELIVERY, {"id": checkout_id, "method": method}, self.tokens[name]
            )["checkoutDeliveryMethodUpdate"]
        else:
            data = self.saleor.graphql(CHECKOUT_TOTAL, {"id": checkout_id}, self.tokens[name])
        return Decimal(str(data["checkout"]["totalPrice"]["gross"]["amount"]))

    def pay(self, name: str, checkout_id: str, amount: Decimal) -> dict:
        """The dummy gateway charges ``amount``; Saleor completes the checkout."""
        token = self.tokens[name]
        self.saleor.graphql(
            PAY,
            {
                "id": checkout_id,
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": "charged",
                    "amount": str(amount),
                },
            },
            token,
        )
        return self.saleor.graphql(COMPLETE, {"id": checkout_id}, token)["checkoutComplete"][
            "order"
        ]

    def fulfil(self, order_id: str) -> None:
        lines = self.saleor.graphql(ORDER, {"id": order_id}, self.staff)["order"]["lines"]
        warehouse = srv.global_id("Warehouse", self.warehouse_id)
        self.saleor.graphql(
            FULFIL,
            {
                "order": order_id,
                "input": {
                    "notifyCustomer": False,
                    "lines": [
                        {
                            "orderLineId": line["id"],
                            "stocks": [{"quantity": line["quantity"], "warehouse": warehouse}],
                        }
                        for line in lines
                    ],
                },
            },
            self.staff,
        )

    def register(self, name: str, metadata=None) -> None:
        email = self.emails[name]
        self.saleor.graphql(
            REGISTER,
            {
                "input": {
                    "email": email,
                    "password": PASSWORD,
                    "channel": CHANNEL,
                    "redirectUrl": "http://localhost/confirm",
                    "metadata": metadata or [],
                }
            },
        )

    def confirm(self, name: str, day: int) -> None:
        email = self.emails[name]
        out = srv.admin(self.env, "shell", "-c", TOKEN_FOR.replace("{email}", email), capture=True)
        token = next(line[6:] for line in out.splitlines() if line.startswith("TOKEN "))
        self.saleor.graphql(CONFIRM, {"email": email, "token": token})
        self.sign_in(name, email)
        self.expected[name].credit(
            int(SETTINGS["signup_bonus_points"]), day, int(SETTINGS["expiry_days_bonus"])
        )

    def expire(self, now: datetime, day: int) -> None:
        srv.admin(self.env, "rewards_expire", "--now", now.isoformat(), capture=True)
        for member in self.expected.values():
            member.expire(day)


def activate_dummy_gateway(saleor: srv.Saleor, staff: str, channel_id: str) -> None:
    saleor.graphql(
        PLUGIN_UPDATE,
        {"id": "mirumee.payments.dummy", "channel": channel_id, "input": {"active": True}},
        staff,
    )


def data_export(story: Story, name: str) -> None:
    """P1: the member downloads everything the plugin holds about him; its balances
    are the ones the endpoint shows in every channel, his bank account is masked."""
    raw = story.saleor.rewards(DATA_EXPORT, token=story.tokens[name])["rewardsDataExport"]
    export = json.loads(raw) if isinstance(raw, str) else raw
    parts = export["parts"]
    print(f"\nPrivacy: {name} downloads his data (rewardsDataExport, P1)")
    print(
        f"  {len(raw if isinstance(raw, str) else json.dumps(raw))} bytes, parts: "
        + ", ".join(sorted(parts))
    )
    failures = 0
    for channel in (CHANNEL, EUR_CHANNEL):
        me = story.saleor.rewards(BALANCES, {"channel": channel}, story.tokens[name])
        me = me["rewardsMe"]
        shown = {
            "points": tuple(Decimal(me["points"][k]) for k in ("available", "pending", "held")),
            "cash": tuple(
                Decimal(str(me["cash"][k]["amount"])).quantize(Decimal("0.01"))
                for k in ("available", "pending", "held")
            ),
        }
        for kind, want in shown.items():
            unit = Decimal("0.01") if kind == "cash" else Decimal(1)
            accounts = [
                a
                for a in parts["ledger"]["accounts"]
                if a["channel"] == channel and a["kind"] == kind
            ]
            got = tuple(
                sum((Decimal(a[k]) for a in accounts), Decimal(0)).quantize(unit)
                for k in ("available", "pending", "held")
            )
            ok = got == want
            failures += not ok
            print(
                f"  {channel:<8}{kind:<7}exported {' / '.join(f'{v:f}' for v in got):<22}"
                f"endpoint {' / '.join(f'{v:f}' for v in want):<22}{'ok' if ok else 'DIFFERS'}"
            )
    withdrawals = parts["withdrawals"]["withdrawals"]
    claims = parts["claims"]["claims"]
    affiliate = parts["affiliates"]["affiliateApplications"]
    iban = SAM_BANK["iban"].replace(" ", "")
    masked = iban not in json.dumps(export) and iban[4:] not in json.dumps(export)
    checks = [
        ("withdrawals (status)", [w["status"] for w in withdrawals], ["paid"]),
        ("bank account masked", masked, True),
        ("claims", len(claims), 1),
        ("affiliate commissions", sum(len(a["commissions"]) for a in affiliate), 1),
    ]
    for label, got, want in checks:
        ok = got == want
        failures += not ok
        print(f"  {label:<28}{got!s:>12}   SPEC says {want!s:<12}{'ok' if ok else 'DIFFERS'}")
    story.failures += failures


def play(saleor: srv.Saleor, env: dict, variant_id: int, warehouse_id: str) -> int:
    story = Story(saleor, env)
    staff = story.saleor.graphql(
        TOKEN_CREATE, {"email": "staff@example.com", "password": PASSWORD}
    )["tokenCreate"]["token"]
    story.staff, story.variant_id, story.warehouse_id = staff, variant_id, warehouse_id
    channel_id = saleor.graphql(CHANNEL_ID, {"slug": CHANNEL}, staff)["channel"]["id"]
    saleor.graphql(
        PLUGIN_UPDATE,
        {
            "id": "saleor_rewards",
            "channel": None,
            "input": {
                "active": True,
                "configuration": [{"name": k, "value": v} for k, v in SETTINGS.items()],
            },
        },
        staff,
    )
    activate_dummy_gateway(saleor, staff, channel_id)
    print(
        "Merchant: rewards plugin and the dummy payment gateway switched on "
        "(pluginUpdate); settings:",
        ", ".join(f"{k}={v}" for k, v in SETTINGS.items()),
    )
    started = datetime.now(UTC)

    story.register("Sam")  # not confirmed yet: he cannot sign in, nothing to show
    story.report("Sam registers (accountRegister); his e-mail is not verified yet")
    print("  (an unverified account cannot sign in: no balance to show yet)")

    story.confirm("Sam", 0)
    story.report("Sam verifies his e-mail (confirmAccount) -> sign-up bonus (B1)")
    sam = story.me("Sam")["referral"]
    print(f"  Sam's referral code {sam['code']}")

    story.register("Fay", [{"key": "referral_code", "value": sam["code"]}])
    story.report("Fay registers with Sam's code in her account metadata (R3)")
    friends = story.me("Sam")["referral"]["friendsCount"]
    print(f"  Sam's friends: {friends}")
    story.failures += friends != 1

    story.confirm("Fay", 0)
    story.report("Fay verifies her e-mail -> sign-up bonus (B1)")

    checkout_id, total = story.checkout("Fay", QUANTITY)
    # T4: Fay is a verified member, "Regular": 0.5 % off her checkout automatically
    basis = after_tier_discount(PRICE * QUANTITY, Decimal(0))  # L1: no shipping
    story.failures += total != basis + SHIPPING
    order = story.pay("Fay", checkout_id, total)
    loyalty = percent_points(basis, SETTINGS["loyalty_earn_percent"])
    referral = percent_points(basis, SETTINGS["referral_reward_percent"])
    story.expected["Fay"].credit_pending(loyalty, int(SETTINGS["expiry_days_loyalty"]))
    story.expected["Sam"].credit_pending(referral, int(SETTINGS["expiry_days_referral"]))
    story.report(
        f"Fay pays {total} ({QUANTITY} x {PRICE} less her Regular tier's 0.5 % + "
        f"{SHIPPING} shipping), charge {order['chargeStatus']}: 2.5 % of {basis} "
        f"pending for Fay, 1 % for Sam (L1, R6, T4)"
    )

    story.fulfil(order["id"])
    for member in story.expected.values():
        member.activate(0)
    story.report("Staff fulfil the order: pending points become available (L2)")

    fulfilled = saleor.graphql(ORDER, {"id": order["id"]}, staff)["order"]["fulfillments"]
    line_id = fulfilled[0]["lines"][0]["id"]
    saleor.graphql(
        REFUND_LINES,
        {
            "order": order["id"],
            "input": {"fulfillmentLines": [{"fulfillmentLineId": line_id, "quantity": 1}]},
        },
        staff,
    )
    refunded = basis / QUANTITY  # one of the three coffees, at its discounted price
    story.expected["Fay"].revoke(loyalty - kept(loyalty, basis, refunded))
    story.expected["Sam"].revoke(referral - kept(referral, basis, refunded))
    consumption = basis - refunded  # T1: paid product basis net of refunds
    story.report(
        f"Staff refund one coffee ({refunded}): its share is taken back, "
        "soonest-expiring points first (L3)"
    )

    # Paying with points (S1): all of Fay's balance on a second, bigger order.
    spend = story.me("Fay")["points"]["available"]
    checkout_id, total = story.checkout("Fay", SECOND_QUANTITY)
    redeemed = saleor.rewards(
        REDEEM, {"checkoutId": checkout_id, "points": spend}, story.tokens["Fay"]
    )["rewardsCheckoutRedeem"]["redemption"]
    value = Decimal(spend) / int(SETTINGS["points_per_unit"])
    products = after_tier_discount(PRICE * SECOND_QUANTITY, consumption)
    story.failures += total != products + SHIPPING
    story.expected["Fay"].hold(spend)
    to_pay = story.total("Fay", checkout_id)
    story.report(
        f"Fay applies {spend} points to a checkout of {SECOND_QUANTITY} coffees "
        f"(rewardsCheckoutRedeem): a {redeemed['amount']['amount']} gift card only "
        f"she can use; the checkout now costs {to_pay} instead of {total} (S1)"
    )
    story.failures += to_pay != total - value

    second = story.pay("Fay", checkout_id, to_pay)
    # L1: the part paid with points earns nothing (its share of the products)
    second_basis = (products * (1 - value / products)).quantize(Decimal("0.001"))
    story.expected["Fay"].capture()
    story.expected["Fay"].credit_pending(
        percent_points(second_basis, SETTINGS["loyalty_earn_percent"]),
        int(SETTINGS["expiry_days_loyalty"]),
    )
    story.report(
        f"Fay completes it, paying {to_pay} by card: the held points are spent; "
        f"she earns 2.5 % of {second_basis} (not of the {value} paid with points); "
        f"Sam earns nothing on a second order (S1, L1, R6)"
    )
    consumption += second_basis
    tier, percent = tier_for(consumption)
    print(f"  With {consumption:.2f} of consumption Fay is now {tier} (T3)")
    reached = story.me("Fay")["tier"]
    story.failures += (reached["name"], Decimal(str(reached["discountPercent"]))) != (tier, percent)
    story.fulfil(second["id"])
    story.expected["Fay"].activate(0)
    story.report("Staff fulfil the second order (L2)")

    checkout_id, total = story.checkout("Fay", 1)
    want = after_tier_discount(PRICE, consumption) + SHIPPING
    print(
        f"\n  Fay's next checkout (1 coffee): Saleor says {total}, SPEC says {want} "
        f"({PRICE} less {percent} % for {tier}, + {SHIPPING} shipping) "
        f"{'ok' if total == want else 'DIFFERS'} (T4)"
    )
    story.failures += total != want

    story.expire(started + timedelta(days=45), 45)
    story.report("45 days later: the 30-day bonus points left have expired (L4)")
    story.expire(started + timedelta(days=61), 61)
    story.report("61 days after delivery: purchase and referral points expired (L4, R8)")

    # The affiliate's chapter plays in euros, so the cash Sam withdraws by SEPA
    # transfer is the commission he really earned in the demo (A1-A4, W1-W6).
    srv.admin(env, "shell", "-c", EUR_CHANNEL_SETUP + EUR_SHOP_SETUP, capture=True)
    eur_id = saleor.graphql(CHANNEL_ID, {"slug": EUR_CHANNEL}, staff)["channel"]["id"]
    activate_dummy_gateway(saleor, staff, eur_id)
    print(
        f"\nMerchant: opens channel '{EUR_CHANNEL}' (EUR, its rewards program with the "
        "default tiers): the same coffee at 20.00 EUR, shipping 5.00 EUR, dummy gateway on"
    )
    story.switch(EUR_CHANNEL)
    affiliate_sale(story, EUR_CHANNEL, SETTINGS["affiliate_commission_percent"])
    earned = story.saleor.rewards(AFFILIATE_CASH, {"channel": EUR_CHANNEL}, story.tokens["Sam"])[
        "rewardsMe"
    ]["cash"]["available"]
    cash_out(
        story, "Sam", channel=EUR_CHANNEL, amount=Decimal(str(earned["amount"])), details=SAM_BANK
    )
    story.switch(CHANNEL)

    # Last: the claim's refund takes back Sam's points of its order (L3).
    claim_story(story, CHANNEL)
    data_export(story, "Sam")

    srv.step("rewards_audit: every balance recomputed from its lots and entries")
    try:
        print(srv.admin(env, "rewards_audit", capture=True).strip().splitlines()[-1])
    except subprocess.CalledProcessError as error:
        print(error.stdout)
        story.failures += 1
    if story.failures:
        print(f"\nFAIL: {story.failures} figure(s) differ from SPEC's arithmetic")
        return 1
    print("\nPASS: every figure matches SPEC's arithmetic")
    return 0


def fresh_database(env: dict, rebuild: bool) -> None:
    """An empty, fully migrated database: a copy of the template (made if missing)."""
    if rebuild or not srv.database_exists(TEMPLATE):
        srv.step(f"Migrating a new template database {TEMPLATE} (~4 minutes)")
        srv.drop_database(TEMPLATE)
        srv.create_database(TEMPLATE)
        print(
            f"migrate took {srv.migrate(dict(env, DATABASE_URL=f'{srv.SERVER}/{TEMPLATE}')):.0f} s"
        )
    srv.step(f"Fresh database {DATABASE} from the template; applying any new migrations")
    srv.drop_database(DATABASE)
    srv.create_database(DATABASE, template=TEMPLATE)
    srv.migrate(env)


def saleor_version() -> tuple[str, str]:
    """(Saleor's version, "") when this Python imports Saleor 3.23; else ("", why not)."""
    done = subprocess.run(
        [sys.executable, "-c", "import saleor; print(saleor.__version__)"],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no error message"])[-1]
        return "", f"{sys.executable} cannot import Saleor: {last}"
    version = done.stdout.strip()
    if not version.startswith("3.23."):
        return "", f"Saleor {version} is installed, not 3.23"
    return version, ""


def failure(error: Exception) -> str:
    """One line on what went wrong; the traceback goes to the log."""
    if isinstance(error, subprocess.CalledProcessError):
        command = " ".join(str(part) for part in error.cmd[:4])[:80]
        said = (error.stderr or error.stdout or "").strip().splitlines()
        return f"`{command} ...` exited {error.returncode}" + (f": {said[-1]}" if said else "")
    return f"{type(error).__name__}: {str(error).strip()[:600]}"


def run(args) -> int:
    env = srv.saleor_env(DATABASE, **DEMO_ENV)  # payout-detail keys, the shop's account
    fresh_database(env, args.rebuild)
    srv.step("Shop set-up: channel 'demo' (USD), coffee at 20.00, shipping 5.00, staff")
    out = srv.admin(env, "shell", "-c", SHOP_SETUP, capture=True)
    variant_id, warehouse_id = next(
        line.split()[1:] for line in out.splitlines() if line.startswith("IDS ")
    )
    srv.step(f"Saleor (uvicorn saleor.asgi:application) on 127.0.0.1:{args.port}")
    with srv.Saleor(env, args.port) as saleor:
        return play(saleor, env, int(variant_id), warehouse_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rebuild", action="store_true", help="migrate the template database from scratch"
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--log", default=LOG, help=f"Saleor's own output (default {LOG})")
    args = parser.parse_args()
    version, problem = saleor_version()
    if problem:
        print(
            f"The demo cannot run: it plays its story against Saleor 3.23, and {problem}.\n"
            f"Install Saleor into this Python ({sys.executable}), then run it again:\n"
            f"  {sys.executable} -m pip install '{SALEOR_SPEC}'",
            file=sys.stderr,
        )
        return 2
    log = os.path.relpath(args.log) if args.log.startswith(os.getcwd()) else args.log
    print(
        f"Saleor {version} with saleor-rewards. Saleor's own output (uvicorn, its JSON "
        f"logs, Celery's task logs) goes to {log}"
    )
    with srv.logging_to(args.log) as log_file:
        try:
            return run(args)
        except (subprocess.CalledProcessError, RuntimeError, OSError, StopIteration) as error:
            traceback.print_exc(file=log_file)
            print(f"\nFAIL: {failure(error)}\nSaleor's output and the traceback: {log}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
