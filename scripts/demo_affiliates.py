"""The affiliate's story for the demo (SPEC A1-A4): ``affiliate_sale(story)``.

Called by ``scripts/demo.py`` with its ``Story`` once Sam and Fay are signed in:

 1. Sam applies to the affiliate program (``rewardsAffiliateApply``);
 2. staff list the applications and approve Sam (``rewardsAffiliateReview``);
 3. a visitor follows Sam's link: the storefront reports the visit
    (``rewardsAffiliateTrackVisit``, public) and keeps the attribution token;
 4. Fay builds a checkout; the storefront reports it with the token;
 5. Fay pays: Sam's commission, ``affiliate_commission_percent`` of the products'
    net as Saleor prices the order, is pending in his cash balance (A3, A4);
 6. staff fulfil the order: the commission becomes available (A4).

The expected commission is computed here from Saleor's own order lines (net, after
discounts), independently of the plugin, and compared to the cent. Returns the
number of figures that differ (the story adds them to its failures).
"""

from decimal import ROUND_FLOOR, Decimal

import saleor_server as srv

QUANTITY = 2

APPLY = """mutation($channel: String!, $input: RewardsAffiliateApplyInput!) {
  rewardsAffiliateApply(channel: $channel, input: $input) {
    errors { field code message } affiliate { id status } } }"""
APPLICATIONS = """query($channel: String!) {
  rewardsAffiliateApplications(channel: $channel, status: PENDING, first: 10) {
    edges { node { id website } } } }"""
REVIEW = """mutation($id: ID!) {
  rewardsAffiliateReview(id: $id, action: APPROVE, note: "Welcome aboard") {
    errors { field code message } affiliate { code status commissionPercent } } }"""
TRACK = """mutation($code: String!, $product: ID!, $checkout: ID, $token: String) {
  rewardsAffiliateTrackVisit(code: $code, productId: $product, checkoutId: $checkout,
                             attributionToken: $token) {
    errors { field code message } attributionToken attributed } }"""
AFFILIATE = """query($channel: String!) { rewardsMe(channel: $channel) {
  cash { available { amount currency } pending { amount currency } }
  affiliate { code status stats { visits orders
    commissionPending { amount } commissionEarned { amount } } } } }"""
PRODUCT_OF = """query($id: ID!) { productVariant(id: $id) { product { id } } }"""
ORDER_NET = """query($id: ID!) { order(id: $id) {
  lines { totalPrice { net { amount } } } } }"""


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def affiliate_sale(
    story,
    channel: str = "demo",
    percent: str = "1",
    *,
    loyalty_percent: str = "2.5",
    points_per_unit: int = 100,
    expiry_days: int = 60,
    day: int = 0,
) -> int:
    """The tracked sale; Fay's own purchase points on it (L1, L2) go into the story's
    expectations, so its later balance checks stay right."""
    saleor, failures = story.saleor, 0

    def rewards(query, variables, token=None):
        return saleor.rewards(query, variables, token)

    def cash(name):
        me = rewards(AFFILIATE, {"channel": channel}, story.tokens[name])["rewardsMe"]
        return (
            _money(me["cash"]["available"]["amount"]),
            _money(me["cash"]["pending"]["amount"]),
            me["affiliate"],
        )

    rewards(
        APPLY,
        {
            "channel": channel,
            "input": {
                "website": "https://sam-brews.example/",
                "socialProfiles": ["https://social.example/@sam"],
                "audience": "Coffee lovers, 5k readers",
                "message": "I review coffee every week.",
            },
        },
        story.tokens["Sam"],
    )
    (application,) = rewards(APPLICATIONS, {"channel": channel}, story.staff)[
        "rewardsAffiliateApplications"
    ]["edges"]
    approved = rewards(REVIEW, {"id": application["node"]["id"]}, story.staff)[
        "rewardsAffiliateReview"
    ]["affiliate"]
    code = approved["code"]
    print(f"\nAffiliates: Sam applied; staff approved him, code {code} (A1)")

    variant = srv.global_id("ProductVariant", story.variant_id)
    product = saleor.graphql(PRODUCT_OF, {"id": variant}, story.staff)["productVariant"]["product"][
        "id"
    ]
    clicked = rewards(TRACK, {"code": code, "product": product})["rewardsAffiliateTrackVisit"]
    checkout_id, total = story.checkout("Fay", QUANTITY)
    tied = rewards(
        TRACK,
        {
            "code": code,
            "product": product,
            "checkout": checkout_id,
            "token": clicked["attributionToken"],
        },
    )["rewardsAffiliateTrackVisit"]
    failures += tied["attributed"] is not True
    print(f"  a visitor follows Sam's link; Fay's checkout is attributed: {tied['attributed']}")
    before_available, before_pending, _ = cash("Sam")

    order = story.pay("Fay", checkout_id, total)
    net = sum(
        (
            Decimal(str(line["totalPrice"]["net"]["amount"]))
            for line in saleor.graphql(ORDER_NET, {"id": order["id"]}, story.staff)["order"][
                "lines"
            ]
        ),
        Decimal(0),
    )
    want = (net * Decimal(percent) / 100).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    available, pending, affiliate = cash("Sam")
    ok = (available, pending - before_pending) == (before_available, want)
    failures += not ok
    print(
        f"  Fay pays {total}: Sam's commission pending {pending - before_pending} "
        f"(SPEC: {percent} % of {net:.2f} = {want}) {'ok' if ok else 'DIFFERS'} (A3, A4)"
    )

    loyalty = net * Decimal(loyalty_percent) / 100 * points_per_unit
    story.expected["Fay"].credit_pending(int(loyalty.to_integral_value(ROUND_FLOOR)), expiry_days)
    story.report("Fay's order through Sam's affiliate link is paid")

    story.fulfil(order["id"])
    story.expected["Fay"].activate(day)
    story.report("Staff fulfil Fay's affiliate order")
    available, pending, affiliate = cash("Sam")
    ok = (available - before_available, pending) == (want, before_pending)
    failures += not ok
    stats = affiliate["stats"]
    print(
        f"  staff fulfil: the commission is available, cash {available} "
        f"{'ok' if ok else 'DIFFERS'}; stats: {stats['visits']} visit(s), "
        f"{stats['orders']} order(s), earned {stats['commissionEarned']['amount']:.2f}"
    )
    story.failures += failures
    return failures
