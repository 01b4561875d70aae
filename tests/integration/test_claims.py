"""Guarantee claims against a real Saleor 3.23 (C1-C6).

Orders are real: checkouts paid on the legacy payments route (dummy gateway) or the
transactions route (a payment App's charge), fulfilled by staff. Evidence is uploaded
with Saleor's own ``fileUpload`` (through the storefront's App token), and the refund
part of an approval is Saleor's own: a refund fulfillment with the gateway's refund,
or a granted refund for the lines.
"""

import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from graphql_relay import to_global_id
from saleor.core import private_storage
from saleor.core.jwt import create_access_token
from saleor.graphql.tests.utils import get_multipart_request_body
from saleor.order import FulfillmentStatus, OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import Fulfillment, Order, OrderEvent
from saleor.payment import TransactionKind
from saleor.product.tests.utils import create_image

from saleor_rewards.events.models import AuditEvent
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.models import Account, Program
from saleor_rewards.programs.claims.models import Claim, ClaimDocument

from .storefront import _data, points, run

D = Decimal
LEGACY, TRANSACTIONS = "legacy", "transactions"

UPLOAD = """
mutation Upload($file: Upload!) {
  fileUpload(file: $file) { uploadedFile { url } errors { field code message } }
}
"""

CLAIM_FIELDS = """
  id status type
  paid { amount currency }
  compensationCeiling { amount currency }
  compensationGranted { amount }
  refundAmount { amount } compensationAmount { amount } refundReference
  lines { orderLineId productName quantity paid { amount }
          traceability { originCountry importPort customsDeclaration importer } }
  returnAddress { country city streetAddress1 }
  evidence { filename url }
  events { type message actor }
"""

SUBMIT = f"""
mutation Submit($input: RewardsClaimSubmitInput!) {{
  rewardsClaimSubmit(input: $input) {{
    errors {{ field code message }}
    claim {{ {CLAIM_FIELDS} }}
  }}
}}
"""

RESPOND = f"""
mutation Respond($id: ID!, $message: String!, $evidence: [String!]) {{
  rewardsClaimRespond(id: $id, message: $message, evidenceUrls: $evidence) {{
    errors {{ field code message }}
    claim {{ {CLAIM_FIELDS} }}
  }}
}}
"""

PROCESS = f"""
mutation Process($id: ID!, $action: RewardsClaimAction!, $note: String,
                 $compensation: Decimal) {{
  rewardsClaimProcess(id: $id, action: $action, note: $note,
                      compensation: $compensation) {{
    errors {{ field code message }}
    claim {{ {CLAIM_FIELDS} }}
  }}
}}
"""

DEPOSIT_ADJUST = """
mutation Deposit($channel: String!, $amount: Decimal!, $reason: String!) {
  rewardsDepositAdjust(channel: $channel, amount: $amount, reason: $reason) {
    errors { field code message }
    deposit { balance { amount currency } }
  }
}
"""

DEPOSIT = """
query Deposit($channel: String!) {
  rewardsDeposit(channel: $channel) {
    balance { amount currency } owed { amount } low
    history(first: 10) { edges { node { kind type amount reference { type id } } } }
  }
}
"""

CLAIMS = f"""
query Claims($channel: String!) {{
  rewardsClaims(channel: $channel) {{ totalCount edges {{ node {{ {CLAIM_FIELDS} }} }} }}
}}
"""

ME = f"""
query Me($channel: String!, $order: ID!) {{
  rewardsMe(channel: $channel) {{
    cash {{ available {{ amount currency }} }}
    claims(first: 5) {{ edges {{ node {{ {CLAIM_FIELDS} }} }} }}
    returnAddress(orderId: $order) {{ country city }}
  }}
}}
"""

ADDRESS_SET = """
mutation Address($channel: String!, $country: String!, $input: RewardsReturnAddressInput!) {
  rewardsReturnAddressSet(channel: $channel, country: $country, input: $input) {
    errors { field code message }
    returnAddress { country city }
  }
}
"""


# --- the shop's side ------------------------------------------------------------------


@pytest.fixture
def claims_store(store, media_root):
    """The store, with Saleor's public media in a temporary directory."""
    return store


@pytest.fixture
def buyer(customer_user):
    return create_access_token(customer_user)


@pytest.fixture
def staff(staff_user):
    # The store's staff are in Saleor's MANAGE_ORDERS group (the ``store`` fixture).
    return create_access_token(staff_user)


def upload(store, name="certificate") -> str:
    """A document uploaded through Saleor's fileUpload (the storefront's App token)."""
    image, image_name = create_image(name)
    response = store.app.post_multipart(
        get_multipart_request_body(UPLOAD, {"file": image_name}, image, image_name)
    )
    return _data(response, "fileUpload")["uploadedFile"]["url"]


def fulfilled_order(store, variant, quantity=2, route=LEGACY, *, promo_code=None, days=0):
    """A paid and fulfilled order; ``days``: how long ago it was fulfilled."""
    checkout = store.checkout([(variant, quantity)], promo_code=promo_code)
    pay = store.pay_legacy if route == LEGACY else store.pay_transaction
    order = run(store, pay, checkout)
    run(store, store.fulfil, order["id"])
    if days:
        when = timezone.now() - timedelta(days=days)
        OrderEvent.objects.filter(type=OrderEvents.FULFILLMENT_FULFILLED_ITEMS).update(date=when)
    return order["id"]


def line_ids(store, order_id) -> list[str]:
    return [line["id"] for line in store.order(order_id)["lines"]]


def submit(api, store, token, order_id, *, claim_type="COUNTERFEIT", evidence=None, **costs):
    costs = costs or {"deliveryCost": {"amount": "5.00", "currency": "USD"}}
    body = api.execute(
        SUBMIT,
        {
            "input": {
                "orderId": order_id,
                "lineIds": line_ids(store, order_id),
                "type": claim_type,
                "description": "The hologram seal does not match the brand's.",
                "evidenceUrls": [upload(store)] if evidence is None else evidence,
                **costs,
            }
        },
        token=token,
    )
    return body["data"]["rewardsClaimSubmit"]


def process(api, token, claim_id, action, **kw):
    body = api.execute(PROCESS, {"id": claim_id, "action": action, **kw}, token=token)
    return body["data"]["rewardsClaimProcess"]


def top_up(api, token, amount="500.00"):
    body = api.execute(
        DEPOSIT_ADJUST,
        {"channel": "main", "amount": amount, "reason": "Security deposit"},
        token=token,
    )
    assert body["data"]["rewardsDepositAdjust"]["errors"] == [], body


def amount(money) -> D:
    return D(str(money["amount"])).quantize(D("0.01"))


def cash_of(customer) -> D:
    account = Account.objects.filter(member_id=customer.pk, kind=Kind.CASH).first()
    return account.available if account else D(0)


def deposit_of() -> D:
    account = Account.objects.filter(kind=Kind.DEPOSIT).first()
    return (account.available - account.debt) if account else D(0)


# --- filing (C1, C4) -----------------------------------------------------------------


def test_C2_counterfeit_ceiling_of_a_20_line_with_5_delivery_is_105(
    claims_store, rewards_api, product, buyer
):
    order = fulfilled_order(claims_store, product.variants.get())
    result = submit(rewards_api, claims_store, buyer, order)
    assert result["errors"] == []
    claim = result["claim"]
    assert claim["status"] == "SUBMITTED"
    assert amount(claim["paid"]) == D("20.00")
    assert amount(claim["compensationCeiling"]) == D("105.00")
    assert claim["compensationCeiling"]["currency"] == "USD"


def test_C2_not_direct_supply_ceiling_counts_other_and_logistics_costs(
    claims_store, rewards_api, product, buyer
):
    order = fulfilled_order(claims_store, product.variants.get())
    result = submit(
        rewards_api,
        claims_store,
        buyer,
        order,
        claim_type="NOT_DIRECT_SUPPLY",
        otherCosts={"amount": "3.00", "currency": "USD"},
        logisticsCost={"amount": "7.00", "currency": "USD"},
        deliveryCost={"amount": "5.00", "currency": "USD"},  # not counted for this type
    )
    assert amount(result["claim"]["compensationCeiling"]) == D("50.00")  # 2 x 20 + 3 + 7


def test_C2_a_discounted_line_counts_its_discounted_price(
    claims_store, rewards_api, product, voucher_specific_product_type, buyer
):
    # 2 x 10.00 with the 10 % product voucher "saleor": 18.00 paid for the line.
    order = fulfilled_order(claims_store, product.variants.get(), promo_code="saleor")
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    assert amount(claim["paid"]) == D("18.00")
    assert amount(claim["compensationCeiling"]) == D("95.00")  # 5 x 18 + 5


REDEEM = """
mutation Redeem($id: ID!, $points: Int) {
  rewardsCheckoutRedeem(checkoutId: $id, points: $points) { errors { field code message } }
}
"""


def test_C2_a_line_partly_paid_with_points_counts_only_the_money(
    claims_store, rewards_api, program, product, customer_user, buyer
):
    # 4 x 10.00, 1,000 points (10.00) of it paid with points: 30.00 paid in money.
    wallet = open_account(program, customer_user.pk, Kind.POINTS)
    credit(wallet, 1600, key="wallet", source=LotSource.BONUS, expires_in_days=50)
    checkout = claims_store.checkout([(product.variants.get(), 4)])
    body = rewards_api.execute(REDEEM, {"id": checkout, "points": 1000}, token=buyer)
    assert body["data"]["rewardsCheckoutRedeem"]["errors"] == [], body
    order = run(claims_store, claims_store.pay_legacy, checkout)["id"]
    run(claims_store, claims_store.fulfil, order)
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    assert amount(claim["paid"]) == D("30.00")
    assert amount(claim["compensationCeiling"]) == D("155.00")  # 5 x 30 + 5


@pytest.mark.parametrize(("days", "errors"), [(89, []), (91, ["WINDOW_CLOSED"])])
def test_C1_claims_within_90_days_of_fulfilment(
    claims_store, rewards_api, product, buyer, days, errors
):
    order = fulfilled_order(claims_store, product.variants.get(), days=days)
    result = submit(rewards_api, claims_store, buyer, order)
    assert [error["code"] for error in result["errors"]] == errors
    assert Claim.objects.count() == (0 if errors else 1)


def test_C1_a_claim_without_evidence_is_refused(claims_store, rewards_api, product, buyer):
    order = fulfilled_order(claims_store, product.variants.get())
    result = submit(rewards_api, claims_store, buyer, order, evidence=[])
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("evidenceUrls", "INVALID")]


def test_C1_evidence_must_be_a_shop_upload(claims_store, rewards_api, product, buyer):
    order = fulfilled_order(claims_store, product.variants.get())
    result = submit(
        rewards_api, claims_store, buyer, order, evidence=["https://evil.example/x.jpg"]
    )
    assert [e["code"] for e in result["errors"]] == ["INVALID"]
    assert Claim.objects.count() == 0


def test_C4_a_second_open_claim_on_the_line_is_refused(claims_store, rewards_api, product, buyer):
    order = fulfilled_order(claims_store, product.variants.get())
    assert submit(rewards_api, claims_store, buyer, order)["errors"] == []
    again = submit(rewards_api, claims_store, buyer, order)
    assert [e["code"] for e in again["errors"]] == ["ALREADY_EXISTS"]


def test_C1_another_customers_order_is_not_found(
    claims_store, rewards_api, product, customer_user2
):
    order = fulfilled_order(claims_store, product.variants.get())
    result = submit(rewards_api, claims_store, create_access_token(customer_user2), order)
    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]
    assert Claim.objects.count() == 0


def test_C1_an_unfulfilled_order_cannot_be_claimed(claims_store, rewards_api, product, buyer):
    checkout = claims_store.checkout([(product.variants.get(), 2)])
    order = run(claims_store, claims_store.pay_legacy, checkout)["id"]
    result = submit(rewards_api, claims_store, buyer, order)
    assert [e["code"] for e in result["errors"]] == ["NOT_ELIGIBLE"]


# --- deciding (C2) -------------------------------------------------------------------


def test_C2_request_info_round_trip(claims_store, rewards_api, product, buyer, staff):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    asked = process(rewards_api, staff, claim["id"], "REQUEST_INFO", note="Which lab tested it?")
    assert asked["errors"] == []
    assert asked["claim"]["status"] == "INFO_REQUESTED"
    body = rewards_api.execute(
        RESPOND,
        {"id": claim["id"], "message": "SGS Shanghai", "evidence": [upload(claims_store, "sgs")]},
        token=buyer,
    )
    answered = body["data"]["rewardsClaimRespond"]
    assert answered["errors"] == []
    assert answered["claim"]["status"] == "SUBMITTED"
    assert [(e["type"], e["actor"]) for e in answered["claim"]["events"]] == [
        ("SUBMITTED", "customer"),
        ("INFO_REQUESTED", "staff"),
        ("RESPONDED", "customer"),
    ]
    assert len(answered["claim"]["evidence"]) == 2
    assert AuditEvent.objects.filter(type="claim_info_requested").count() == 1


def test_C2_approval_above_the_ceiling_is_refused_at_it_accepted(
    claims_store, rewards_api, product, buyer, staff
):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff)
    above = process(rewards_api, staff, claim["id"], "APPROVE", compensation="105.01")
    assert [e["code"] for e in above["errors"]] == ["LIMIT_EXCEEDED"]
    at = process(rewards_api, staff, claim["id"], "APPROVE", compensation="105.00")
    assert at["errors"] == []
    assert amount(at["claim"]["compensationGranted"]) == D("105.00")


def test_C2_less_than_the_ceiling_with_a_reason(claims_store, rewards_api, product, buyer, staff):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff)
    no_reason = process(rewards_api, staff, claim["id"], "APPROVE", compensation="60.00")
    assert [e["code"] for e in no_reason["errors"]] == ["INVALID"]
    below = process(
        rewards_api, staff, claim["id"], "APPROVE", compensation="60.00", note="Partly used"
    )
    assert below["errors"] == []
    assert (
        amount(below["claim"]["refundAmount"]),
        amount(below["claim"]["compensationAmount"]),
    ) == (
        D("20.00"),
        D("40.00"),
    )


def test_C4_a_decided_claim_cannot_be_decided_again(
    claims_store, rewards_api, product, buyer, staff
):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    assert process(rewards_api, staff, claim["id"], "REJECT", note="Genuine")["errors"] == []
    top_up(rewards_api, staff)
    for action in ("APPROVE", "REJECT", "REQUEST_INFO"):
        again = process(rewards_api, staff, claim["id"], action, note="again")
        assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    assert deposit_of() == D("500.00")
    assert AuditEvent.objects.filter(type__startswith="claim_").count() == 1


def test_C2_claims_need_manage_orders(claims_store, rewards_api, product, buyer):
    from saleor.account.models import User

    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    clerk = User.objects.create(email="clerk@example.com", is_staff=True, is_active=True)
    outsider = create_access_token(clerk)
    refused = process(rewards_api, outsider, claim["id"], "REJECT", note="x")
    assert [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    body = rewards_api.post(CLAIMS, {"channel": "main"}, token=buyer).json()
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


# --- paying (C3) ---------------------------------------------------------------------


@pytest.mark.parametrize("route", [LEGACY, TRANSACTIONS])
def test_C3_approval_refunds_in_saleor_and_pays_compensation_from_the_deposit(
    claims_store, rewards_api, product, customer_user, buyer, staff, route, mailoutbox
):
    order = fulfilled_order(claims_store, product.variants.get(), route=route)
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff)
    with claims_store.capture(execute=True):
        approved = process(rewards_api, staff, claim["id"], "APPROVE")
    assert approved["errors"] == []
    result = approved["claim"]
    assert (amount(result["refundAmount"]), amount(result["compensationAmount"])) == (
        D("20.00"),
        D("85.00"),
    )
    saleor_order = Order.objects.get()
    if route == LEGACY:
        refund = Fulfillment.objects.get(order=saleor_order, status=FulfillmentStatus.REFUNDED)
        assert refund.total_refund_amount == D("20.00")
        assert result["refundReference"] == f"fulfillment:{refund.pk}"
        assert [line.quantity for line in refund.lines.all()] == [2]
        refunded = saleor_order.payments.get().transactions.filter(
            kind=TransactionKind.REFUND, is_success=True
        )
        assert [t.amount for t in refunded] == [D("20.00")]
        # L3: the points of the refunded line are taken back by the order sync.
        assert points(customer_user)["pending"] == 0
    else:
        granted = saleor_order.granted_refunds.get()
        assert granted.amount_value == D("20.00")
        assert granted.status == OrderGrantedRefundStatus.NONE  # staff send it to the App
        assert [(line.order_line_id, line.quantity) for line in granted.lines.all()] == [
            (saleor_order.lines.get().pk, 2)
        ]
        assert result["refundReference"] == f"granted_refund:{granted.pk}"
    assert cash_of(customer_user) == D("85.00")
    assert deposit_of() == D("415.00")
    assert AuditEvent.objects.filter(type="claim_approved").count() == 1
    assert any("approved" in mail.subject for mail in mailoutbox)


def test_C3_too_little_deposit_refuses_the_approval(
    claims_store, rewards_api, product, customer_user, buyer, staff
):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff, "50.00")
    refused = process(rewards_api, staff, claim["id"], "APPROVE")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("compensation", "INSUFFICIENT_BALANCE")
    ]
    assert Claim.objects.get().status == "submitted"
    assert Fulfillment.objects.filter(status=FulfillmentStatus.REFUNDED).count() == 0
    assert (cash_of(customer_user), deposit_of()) == (D(0), D("50.00"))


def test_C3_deposit_shows_balance_and_history(claims_store, rewards_api, product, buyer, staff):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff)
    process(rewards_api, staff, claim["id"], "APPROVE")
    body = rewards_api.execute(DEPOSIT, {"channel": "main"}, token=staff)
    deposit = body["data"]["rewardsDeposit"]
    assert amount(deposit["balance"]) == D("415.00")
    assert deposit["low"] is False
    assert [
        (edge["node"]["kind"], edge["node"]["type"], edge["node"]["amount"])
        for edge in deposit["history"]["edges"]
    ] == [("DEPOSIT", "CLAIM_PAYOUT", -85.0), ("DEPOSIT", "ADJUST", 500.0)]
    assert deposit["history"]["edges"][0]["node"]["reference"] == {
        "type": "CLAIM",
        "id": claim["id"],
    }
    assert AuditEvent.objects.filter(type="deposit_adjusted").count() == 1


# --- return address (C5), traceability (C6), evidence (C1) ---------------------------


def test_C5_C6_buyer_sees_return_address_and_traceability(
    claims_store, rewards_api, product, buyer, staff
):
    variant = product.variants.get()
    variant.store_value_in_metadata(
        {
            "saleor_rewards.traceability": {
                "originCountry": "FR",
                "importPort": "Shanghai",
                "customsDeclaration": "CD-2026-0042",
                "importer": "Tea Import Co.",
            }
        }
    )
    variant.save(update_fields=["metadata"])
    body = rewards_api.execute(
        ADDRESS_SET,
        {
            "channel": "main",
            "country": "us",
            "input": {"name": "Returns desk", "streetAddress1": "1 Dock Rd", "city": "Newark"},
        },
        token=staff,
    )
    assert body["data"]["rewardsReturnAddressSet"]["errors"] == []
    order = fulfilled_order(claims_store, variant)
    submit(rewards_api, claims_store, buyer, order)
    me = rewards_api.execute(ME, {"channel": "main", "order": order}, token=buyer)["data"][
        "rewardsMe"
    ]
    assert me["returnAddress"] == {"country": "US", "city": "Newark"}
    claim = me["claims"]["edges"][0]["node"]
    assert claim["returnAddress"]["city"] == "Newark"
    assert claim["lines"][0]["traceability"] == {
        "originCountry": "FR",
        "importPort": "Shanghai",
        "customsDeclaration": "CD-2026-0042",
        "importer": "Tea Import Co.",
    }
    staff_view = rewards_api.execute(CLAIMS, {"channel": "main"}, token=staff)
    node = staff_view["data"]["rewardsClaims"]["edges"][0]["node"]
    assert node["lines"][0]["traceability"]["importer"] == "Tea Import Co."
    assert AuditEvent.objects.filter(type="return_address_set").count() == 1


def test_C1_evidence_is_private_and_needs_its_token(
    claims_store, rewards_api, product, buyer, client
):
    order = fulfilled_order(claims_store, product.variants.get())
    uploaded = upload(claims_store)
    public_name = urlsplit(uploaded).path.removeprefix("/media/")
    assert default_storage.exists(public_name)
    claim = submit(rewards_api, claims_store, buyer, order, evidence=[uploaded])["claim"]
    # Out of Saleor's public media at once.
    assert not default_storage.exists(public_name)
    url = claim["evidence"][0]["url"]
    path, token = url.split("?token=")
    assert client.get(url).status_code == 200
    assert client.get(url).getvalue()[:2] == b"\xff\xd8"  # the JPEG itself
    assert client.get(path).status_code == 404
    assert client.get(f"{path}?token={token[:-3]}abc").status_code == 404
    other = path.rstrip("/").rsplit("/", 1)[0] + "/999999/"
    assert client.get(f"{other}?token={token}").status_code == 404


def test_C3_audit_covers_the_deposit_account(claims_store, rewards_api, product, buyer, staff):
    from django.core.management import call_command

    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff, "100.00")
    process(rewards_api, staff, claim["id"], "APPROVE")
    # The deferred ledger triggers and rewards_audit also run after every test.
    call_command("rewards_audit")
    assert Account.objects.get(kind=Kind.DEPOSIT).available == D("15.00")


def test_C3_buyer_sees_the_compensation_in_cash(claims_store, rewards_api, product, buyer, staff):
    order = fulfilled_order(claims_store, product.variants.get())
    claim = submit(rewards_api, claims_store, buyer, order)["claim"]
    top_up(rewards_api, staff)
    process(rewards_api, staff, claim["id"], "APPROVE")
    me = rewards_api.execute(ME, {"channel": "main", "order": order}, token=buyer)["data"][
        "rewardsMe"
    ]
    assert me["cash"]["available"] == {"amount": 85.0, "currency": "USD"}
    assert me["claims"]["edges"][0]["node"]["status"] == "APPROVED"


# --- retention of evidence (C1, P3, O2) ----------------------------------------------
# The purge runs as ``rewards_purge`` runs it; a claim's decision time is set back in
# the database to stand for the days that passed.

PURGE = "claim-evidence"


def purge(*args) -> str:
    out = io.StringIO()
    call_command("rewards_purge", "--only", PURGE, *args, stdout=out)
    return out.getvalue()


def file_claim(store, api, product, buyer) -> Claim:
    order = fulfilled_order(store, product.variants.get())
    result = submit(api, store, buyer, order)
    assert result["errors"] == [], result
    return Claim.objects.latest("id")


def decided(store, api, product, buyer, staff, action, *, days_ago) -> Claim:
    """A claim approved (at its ceiling) or rejected, ``days_ago`` days ago."""
    claim = file_claim(store, api, product, buyer)
    result = process(api, staff, gid(claim), action, note="Decided")
    assert result["errors"] == [], result
    Claim.objects.filter(id=claim.id).update(decided_at=timezone.now() - timedelta(days=days_ago))
    claim.refresh_from_db()
    return claim


def gid(claim: Claim) -> str:
    return to_global_id("RewardsClaim", claim.id)


def files_of(claim: Claim) -> list[str]:
    return list(ClaimDocument.objects.filter(claim=claim).values_list("storage_name", flat=True))


def stored(names) -> list[bool]:
    return [private_storage.exists(name) for name in names]


def test_P3_evidence_of_a_claim_decided_over_365_days_ago_is_purged_the_decision_stays(
    claims_store, rewards_api, product, customer_user, buyer, staff
):
    top_up(rewards_api, staff)
    claim = decided(claims_store, rewards_api, product, buyer, staff, "APPROVE", days_ago=366)
    names = files_of(claim)
    assert len(names) == 1 and stored(names) == [True]
    before = (cash_of(customer_user), deposit_of())

    output = purge()

    assert f"{PURGE}: 1 row(s) removed." in output
    assert stored(names) == [False]  # the file left Saleor's private storage
    assert not ClaimDocument.objects.filter(claim=claim).exists()
    kept = Claim.objects.get(id=claim.id)
    assert (kept.status, kept.decided_at, kept.member_id) == (
        "approved",
        claim.decided_at,
        claim.member_id,
    )
    assert (kept.granted, kept.refund_amount, kept.compensation_amount, kept.ceiling) == (
        D("105.00"),
        D("20.00"),
        D("85.00"),
        D("105.00"),
    )
    assert (cash_of(customer_user), deposit_of()) == before == (D("85.00"), D("415.00"))
    # Staff still read the claim, its story and its amounts; no document is offered.
    body = rewards_api.execute(CLAIMS, {"channel": "main"}, token=staff)
    node = body["data"]["rewardsClaims"]["edges"][0]["node"]
    assert (node["status"], node["evidence"]) == ("APPROVED", [])
    assert amount(node["compensationAmount"]) == D("85.00")
    assert [event["type"] for event in node["events"]] == ["SUBMITTED", "APPROVED"]

    # A second run finds nothing more.
    assert f"{PURGE}: 0 row(s) removed." in purge()


def test_P3_recently_decided_and_open_claims_keep_their_evidence(
    claims_store, rewards_api, product, buyer, staff
):
    recent = decided(claims_store, rewards_api, product, buyer, staff, "REJECT", days_ago=364)
    submitted = file_claim(claims_store, rewards_api, product, buyer)
    asked = file_claim(claims_store, rewards_api, product, buyer)
    assert (
        process(rewards_api, staff, gid(asked), "REQUEST_INFO", note="Which lab?")["errors"] == []
    )
    # Open claims filed long ago (and one with a stray decision time) are still open.
    long_ago = timezone.now() - timedelta(days=800)
    Claim.objects.filter(id__in=[submitted.id, asked.id]).update(
        created_at=long_ago, decided_at=long_ago
    )
    names = {claim.id: files_of(claim) for claim in (recent, submitted, asked)}

    output = purge()

    assert f"{PURGE}: 0 row(s) removed." in output
    for claim in (recent, submitted, asked):
        assert files_of(claim) == names[claim.id]
        assert stored(names[claim.id]) == [True]


def test_P3_a_dry_run_counts_and_changes_nothing(claims_store, rewards_api, product, buyer, staff):
    claim = decided(claims_store, rewards_api, product, buyer, staff, "REJECT", days_ago=400)
    names = files_of(claim)

    output = purge("--dry-run")

    assert f"{PURGE}: 1 row(s) would remove." in output
    assert files_of(claim) == names and stored(names) == [True]


def test_P3_a_file_already_gone_does_not_fail_the_purge(
    claims_store, rewards_api, product, buyer, staff
):
    gone = decided(claims_store, rewards_api, product, buyer, staff, "REJECT", days_ago=400)
    there = decided(claims_store, rewards_api, product, buyer, staff, "REJECT", days_ago=400)
    private_storage.delete(files_of(gone)[0])
    names = files_of(there)

    output = purge("--batch-size", "1")

    assert f"{PURGE}: 2 row(s) removed." in output
    assert not ClaimDocument.objects.exists()
    assert stored(names) == [False]


def test_P3_retention_is_a_channel_setting(claims_store, rewards_api, product, buyer, staff):
    claim = decided(claims_store, rewards_api, product, buyer, staff, "REJECT", days_ago=31)
    names = files_of(claim)
    assert f"{PURGE}: 0 row(s) removed." in purge()  # the default: 365 days

    program = Program.objects.get(channel_slug="main")
    program.settings = {**program.settings, "claim_evidence_retention_days": "30"}
    program.save(update_fields=["settings"])

    assert f"{PURGE}: 1 row(s) removed." in purge()
    assert stored(names) == [False] and not ClaimDocument.objects.exists()
